"""Every benchmark script under bench/ runs in its quick mode (a few articles, seconds), so
none rots unnoticed; the README's numbers come from their full modes. Nothing here asserts a
time: only that each script finishes and prints the lines the README quotes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import ROOT

QUICK = {
    "generate.py": ["identical outputs: 2/2", "warm-cache rerun:", "model loaded: False"],
    "score.py": [
        "identical numbers: True (max abs difference 0.0e+00",
        "whole process, 200 pairs",
        "default work, --profile rouge-score:",
        "scale: 400 pairs",
        "meta-eval, 1600 x 11 references:",
    ],
    "parallel.py": ["identical samples: True", "2 processes (torchrun, gloo):"],
    "served.py": ["openai client, sequential loop:", "summeval, max_concurrency 16:"],
    "rerun.py": ["configs/base.yaml (2 articles): cold", "warm rerun is"],
    "gpu.sh": ["bench/generate.py: 2 XSum articles", "kv_cache=static", "multi-GPU:"],
}


def test_every_bench_script_has_a_quick_check():
    scripts = {p.name for p in (ROOT / "bench").iterdir() if p.suffix in (".py", ".sh")}
    assert scripts == set(QUICK)


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(QUICK))
def test_bench_script_quick_mode(script, tmp_path):
    runner = ["bash"] if script.endswith(".sh") else [sys.executable]
    proc = subprocess.run(
        [*runner, f"bench/{script}", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OUT": str(tmp_path), "PYTHONUNBUFFERED": "1"},
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "Traceback" not in out, out[-3000:]
    for line in QUICK[script]:
        assert line in out, (line, out[-3000:])
