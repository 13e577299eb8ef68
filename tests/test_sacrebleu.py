"""BLEU, chrF, chrF++ and TER come from sacrebleu: corpus and per-article sentence scores
equal sacrebleu's own command line on the same files (the oracle), through a real run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

WIKINEWS = ROOT / "data" / "wikinews" / "wikinews.jsonl"


def _sacrebleu(tmp_path, *args: str) -> list[float]:
    proc = subprocess.run(
        [sys.executable, "-m", "sacrebleu", str(tmp_path / "refs.txt"), "-i",
         str(tmp_path / "preds.txt"), "-b", "-w", "6", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return [
        float(x) for x in proc.stdout.replace("[", "").replace("]", "").replace(",", " ").split()
    ]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """lead-3 on 8 Wikinews articles with BLEU, chrF++ and TER, through the CLI."""
    import yaml

    tmp = tmp_path_factory.mktemp("sacre")
    cfg = {
        "dataset": {"path": str(WIKINEWS), "limit": 8},
        "tasks": {"headline": {"enabled": False}},
        "models": [{"name": "lead-3", "backend": "lead"}],
        "metrics": {"bleu": {}, "chrf": {"word_order": 2}, "ter": {}},
        "output": {"dir": str(tmp / "results"), "report": False},
    }
    (tmp / "s.yaml").write_text(yaml.safe_dump(cfg))
    argv = [sys.executable, "-m", "summeval", "run", str(tmp / "s.yaml"), "--no-progress"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    run_dir = tmp / "results" / "s"
    samples = [json.loads(x) for x in (run_dir / "samples_lead-3_summary.jsonl").read_text()
               .splitlines()]  # fmt: skip
    (tmp / "preds.txt").write_text("".join(s["prediction"].replace("\n", " ") + "\n"
                                           for s in samples))  # fmt: skip
    (tmp / "refs.txt").write_text("".join(s["references"][0] + "\n" for s in samples))
    res = json.loads((run_dir / "results.json").read_text())["results"]["lead-3"]["summary"]
    return tmp, samples, res, run_dir


def test_corpus_scores_equal_sacrebleus_command_line(run):
    tmp, _, res, run_dir = run
    bleu, ter = _sacrebleu(tmp, "-m", "bleu", "ter")
    (chrfpp,) = _sacrebleu(tmp, "-m", "chrf", "-cw", "2")
    m = res["metrics"]
    assert 100 * m["bleu"]["corpus"] == pytest.approx(bleu, abs=1e-6)
    assert 100 * m["chrf"]["corpus"] == pytest.approx(chrfpp, abs=1e-6)
    assert 100 * m["ter"]["corpus"] == pytest.approx(ter, abs=1e-6)
    version = __import__("sacrebleu").__version__
    want = f"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:{version}"
    assert m["bleu"]["sacrebleu_signature"] == want
    assert "nw:2" in m["chrf"]["sacrebleu_signature"]
    table = (run_dir / "table.md").read_text()
    assert "## sacrebleu corpus scores" in table and f"{bleu:.2f}" in table


def test_sentence_scores_equal_sacrebleus_sentence_level(run):
    tmp, samples, res, _ = run
    for metric, extra, name in (("bleu", [], "bleu"), ("chrf", ["-cw", "2"], "chrf"),
                                ("ter", [], "ter")):  # fmt: skip
        want = _sacrebleu(tmp, "-m", metric, "--sentence-level", *extra)
        got = [100 * s["scores"][name]["fmeasure"] for s in samples]
        assert got == pytest.approx(want, abs=1e-6), metric
        mean = sum(got) / len(got)
        assert 100 * res["metrics"][name]["fmeasure"] == pytest.approx(mean)
        assert res["metrics"][name]["fmeasure_low"] <= res["metrics"][name]["fmeasure"]
    assert res["metric_signatures"]["bleu"].startswith("bleu|sentence-level mean|sacrebleu:")


def test_a_task_without_references_gets_na_not_a_crash(tmp_path, jsonl, write_config, run_cli):
    rows = [{"id": "a", "article": "Rain fell on Monday. Roads closed.", "summary": "Rain."}]
    cfg = {
        "dataset": {"path": str(jsonl(rows)), "fields": {"headline": None}},
        "models": [{"name": "lead", "backend": "lead"}],
        "metrics": {"bleu": {}, "chrf": {}, "ter": {}},
        "output": {"dir": str(tmp_path / "r"), "report": False},
    }
    code, _, err = run_cli("run", write_config(cfg), "--no-progress")
    assert code == 0, err
    res = json.loads((tmp_path / "r" / "cfg" / "results.json").read_text())["results"]["lead"]
    assert res["headline"]["metrics"]["bleu"] is None  # no reference: n/a
    assert "nrefs:0" in res["headline"]["metric_signatures"]["bleu"]
    assert res["summary"]["metrics"]["bleu"]["corpus"] is not None
