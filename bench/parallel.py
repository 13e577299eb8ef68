"""Data-parallel generation: 1 process against ``torchrun --nproc_per_node 2``, same articles.

    python bench/parallel.py [--articles 32] [--config configs/tiny.yaml]
    python bench/parallel.py --quick        # 4 articles: a smoke test

Each side starts with an empty generation cache and generates every (model, task, article)
of the config on the first ``--articles`` shipped XSum articles; prints wall time and
generations per second for each, their ratio, and whether the samples are identical. On a
2-core CPU expect little gain (the ranks share the cores); the point there is correctness,
the gain comes with one GPU per rank.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed_run(launcher: list[str], config: str, n: int, folder: Path) -> float:
    env = {**os.environ, "SUMMEVAL_GENERATION_CACHE": str(folder / "cache")}
    cmd = [*launcher, "-m", "summeval", "run", config, "--no-progress", "--run-name", "bench",
           "--set", f"output.dir={folder / 'results'}", "--set",
           "dataset.path=data/xsum/xsum_test500.jsonl", "--set", f"dataset.limit={n}"]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"bench/parallel.py: {' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=32)
    parser.add_argument("--config", default="configs/tiny.yaml")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="4 articles: a smoke test")
    args = parser.parse_args()
    n = 4 if args.quick else args.articles
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                "--nproc_per_node", str(args.procs)]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        one, two = Path(tmp) / "one", Path(tmp) / "two"
        t1 = timed_run([sys.executable], args.config, n, one)
        t2 = timed_run(torchrun, args.config, n, two)
        samples = sorted(p.name for p in (one / "results" / "bench").glob("samples_*.jsonl"))
        same = all(
            (one / "results" / "bench" / s).read_bytes()
            == (two / "results" / "bench" / s).read_bytes()
            for s in samples
        )
        gens = sum(
            len((one / "results" / "bench" / s).read_text().splitlines())
            for s in samples
            if not s.startswith("samples_lead_")
        )
    print(f"machine: {os.cpu_count()} cores; {args.config}, {n} XSum articles, {gens} generations")
    print(f"1 process: {t1:.1f} s ({gens / t1:.2f} generations/s, whole process)")
    print(f"{args.procs} processes (torchrun, gloo): {t2:.1f} s ({gens / t2:.2f} generations/s)")
    print(f"ratio: {t1 / t2:.2f}x; identical samples: {same}")


if __name__ == "__main__":
    main()
