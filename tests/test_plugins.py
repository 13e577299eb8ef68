"""Plugins: a separately installed distribution adds a backend and a metric through entry
points (tests/plugin_pkg), and configs name them like the built-in ones."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, SEED

PLUGIN = ROOT / "tests" / "plugin_pkg"


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """The plugin distribution installed (wheel built here, no network) into a folder of
    its own, put on PYTHONPATH for the runs below: the dev venv stays as it was."""
    site = tmp_path_factory.mktemp("plugin-site")
    source = tmp_path_factory.mktemp("plugin-src") / "plugin"
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    proc = subprocess.run(  # built from a copy: the source tree gets no build/ folder
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(site), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert any(site.glob("summeval_plugin_demo-*.dist-info/entry_points.txt"))
    return site


def _summeval(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "summeval", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


def _config(tmp_path: Path, **metrics: object) -> Path:
    cfg = {
        "dataset": {"path": str(SEED)},
        "models": [
            {"name": "lead", "backend": "lead", "lead_sentences": 1},
            {"name": "first12", "backend": "first-words", "options": {"words": 12}},
        ],
        "metrics": {"length_ratio": {}, **metrics},
        "output": {"dir": str(tmp_path / "results")},
    }
    path = tmp_path / "plug.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_a_plugin_backend_and_metric_run_end_to_end(plugin_site, tmp_path):
    path = _config(tmp_path)
    proc = _summeval(plugin_site, "run", str(path), "--no-progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    run_dir = tmp_path / "results" / "plug"
    res = json.loads((run_dir / "results.json").read_text())
    assert res["models"]["first12"]["backend"] == "first-words"
    summary = res["results"]["first12"]["summary"]
    assert summary["metric_signatures"]["length_ratio"] == "length_ratio|words|v:0.1.0"
    # hand-computed: the prediction is the article's first 12 words; the metric is the
    # length ratio against the reference, min(r, 1/r)
    (sample,) = [json.loads(line) for line in (run_dir / "samples_first12_summary.jsonl")
                 .read_text().splitlines()]  # fmt: skip
    assert len(sample["prediction"].split()) == 12
    ref_words = max(len(r.split()) for r in sample["references"])
    expected = min(12 / ref_words, ref_words / 12)
    assert sample["scores"]["length_ratio"]["fmeasure"] == pytest.approx(expected)
    assert summary["metrics"]["length_ratio"]["fmeasure"] == pytest.approx(expected)
    table = (run_dir / "table.md").read_text()
    assert "summary length_ratio" in table and f"{100 * expected:.2f}" in table
    # a rerun reads the plugin backend's outputs from the generation cache
    again = _summeval(plugin_site, "run", str(path), "--no-progress", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "first12: 2 article-task(s), 0 generated" in again.stderr


def test_plugin_names_are_validated_like_built_in_ones(plugin_site, tmp_path):
    path = _config(tmp_path, length_ratoi={})
    proc = _summeval(plugin_site, "validate", str(path), cwd=tmp_path)
    assert proc.returncode == 2
    line = 1 + path.read_text().splitlines().index("  length_ratoi: {}")
    assert proc.stderr.strip().splitlines() == [
        f"summeval: error: {path}:{line}: metrics.length_ratoi: unknown key 'length_ratoi'; "
        "did you mean 'length_ratio'?"
    ]
    path = _config(tmp_path)
    proc = _summeval(plugin_site, "validate", str(path), "--set", "models.1.backend=first-word",
                     cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 2
    assert "unknown backend 'first-word'; did you mean 'first-words'?" in proc.stderr
    # without the plugin installed, its names are unknown, in one line
    proc = _summeval(tmp_path / "nothing-here", "validate", str(path), cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "unknown backend 'first-words'" in proc.stderr
