"""What ``device: auto`` and ``dtype: auto`` mean on this machine, known without torch.

The resolved device and dtype are part of a model's cache key, so they are needed even when
every generation is cached; importing torch to learn them would cost a warm rerun seconds.
The answer of torch (CUDA? bf16? MPS?) is memoised in the cache folder under a fingerprint
of what decides it: the torch installation (path and version file), the visible-device
variables, the NVIDIA device nodes, the host and the architecture. A changed machine, torch
or ``CUDA_VISIBLE_DEVICES`` asks torch again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import platform
from pathlib import Path

from summeval.cache import cache_root

DTYPE_NAMES = {
    "float32": "float32",
    "fp32": "float32",
    "float16": "float16",
    "fp16": "float16",
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
}
_ENV = (
    "CUDA_VISIBLE_DEVICES",
    "HIP_VISIBLE_DEVICES",
    "ROCR_VISIBLE_DEVICES",
    "PYTORCH_ENABLE_MPS_FALLBACK",
)


def _environment() -> str:
    """A fingerprint of everything that decides what torch finds on this machine."""
    spec = importlib.util.find_spec("torch")
    origin = Path(spec.origin) if spec and spec.origin else None
    version = origin.parent / "version.py" if origin else None
    stamp = version.read_text(encoding="utf-8") if version and version.exists() else "no torch"
    nodes = sorted(p.name for p in Path("/dev").glob("nvidia*")) if Path("/dev").exists() else []
    parts = [
        str(origin),
        stamp,
        *(f"{k}={os.environ.get(k)}" for k in _ENV),
        ",".join(nodes),
        platform.node(),
        platform.machine(),
        platform.system(),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def _probe() -> dict[str, bool]:
    import torch

    cuda = bool(torch.cuda.is_available())
    mps = getattr(torch.backends, "mps", None)
    return {
        "cuda": cuda,
        "bf16": bool(cuda and torch.cuda.is_bf16_supported()),
        "mps": bool(mps is not None and mps.is_available()),
    }


def accelerators(cache: Path | None = None) -> dict[str, bool]:
    """``{"cuda", "bf16", "mps"}`` as torch sees them, from the memo when it is current."""
    memo = (cache or cache_root()) / "device" / f"{_environment()}.json"
    try:
        found = json.loads(memo.read_text())
        if isinstance(found, dict) and set(found) == {"cuda", "bf16", "mps"}:
            return {k: bool(v) for k, v in found.items()}
    except (OSError, ValueError):
        pass
    found = _probe()
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(found))
        os.replace(tmp, memo)
    except OSError:
        pass  # a read-only cache only costs the probe next time
    return found


def resolve_device(name: str) -> str:
    """``auto`` picks cuda, then mps, then cpu."""
    if name != "auto":
        return name
    found = accelerators()
    return "cuda" if found["cuda"] else "mps" if found["mps"] else "cpu"


def resolve_dtype(name: str, device: str) -> str:
    """``auto`` is bf16 on CUDA where supported (else fp16), fp16 on MPS, fp32 on CPU.
    Returns torch's name of the dtype (``float32``, ``float16``, ``bfloat16``)."""
    if name != "auto":
        return DTYPE_NAMES[name]
    if device.startswith("cuda"):
        return "bfloat16" if accelerators()["bf16"] else "float16"
    if device == "mps":
        return "float16"
    return "float32"


def rank_devices(
    available: dict[int | str, int | str],
    local_rank: int,
    local_world: int,
    max_memory: dict[int | str, str] | None,
) -> dict[int | str, int | str]:
    """``max_memory`` for ``device_map`` in one process: with several processes on a node
    (data parallel), rank ``r`` takes the GPUs ``g`` with ``g % local_world == r``
    (lm-evaluation-harness's split); each device is capped as ``max_memory`` says, else at
    what is ``available`` (accelerate's ``get_max_memory()``: GPU indices and ``cpu``)."""
    caps = {str(k): v for k, v in (max_memory or {}).items()}
    gpus = [g for g in available if isinstance(g, int)]
    mine = [g for g in gpus if g % max(local_world, 1) == local_rank]
    if gpus and not mine:
        raise ValueError(
            f"{local_world} processes on this node but {len(gpus)} GPU(s): rank {local_rank} "
            "has none for device_map; run at most one process per GPU"
        )
    out: dict[int | str, int | str] = {g: caps.get(str(g), available[g]) for g in mine}
    for other in ("cpu", "disk"):
        if other in caps or other in available:
            out[other] = caps.get(other, available.get(other, 0))
    return out
