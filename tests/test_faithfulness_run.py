"""The faithfulness metrics and sacrebleu's through a run on the default data, as a user
turns them on: every one in table.md with its interval, in the leaderboard and the report."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT

METRICS = '{summac: {model: "tiny-random:nli"}, hallucination: {}, bleu: {}, chrf: {}}'


def test_faithfulness_metrics_on_the_default_data(tmp_path):
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "summeval", "run", "configs/base.yaml", "--no-progress",
         "--output-dir", str(out), "--set", "dataset.limit=6", "--set",
         "models=[{name: lead-1, backend: lead, lead_sentences: 1}, "
         "{name: lead-3, backend: lead}]", "--set", f"metrics={METRICS}"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    table = (out / "base" / "table.md").read_text()
    header = table.splitlines()[2]
    for task in ("summary", "headline"):
        for label in ("BLEU (sent.)", "chrF (sent.)", "SummaC-ZS", "SummaC-Conv", "Halluc."):
            assert f"{task} {label}" in header
    row = next(line for line in table.splitlines() if line.startswith("| lead-3 |"))
    assert row.count("[") == 2 * 9  # every cell with its interval: 4 ROUGE + 5 new, 2 tasks
    assert "## sacrebleu corpus scores" in table
    res = json.loads((out / "base" / "results.json").read_text())
    summary = res["results"]["lead-3"]["summary"]
    assert set(summary["metric_signatures"]) == {"bleu", "chrf", "summac_zs", "summac_conv",
                                                 "hallucination"}  # fmt: skip
    tested = {m for t in res["significance"]["summary"] for m in t["measures"]}
    assert {"bleu", "chrf", "summac_zs", "summac_conv"} <= tested
    compare = subprocess.run(
        [sys.executable, "-m", "summeval", "compare", str(out), "--output-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert compare.returncode == 0, compare.stderr
    board = (tmp_path / "leaderboard.md").read_text()
    assert "SummaC-ZS" in board and "chrF (sent.)" in board
    report = (out / "base" / "report.html").read_text()
    assert "SummaC-Conv" in report and "Halluc." in report
