"""The Python API (``summeval.evaluate``, ``summeval.score``) and the typed results: same
numbers as the CLI and as rouge-score itself, no printing, our own one-line exceptions."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from rouge_score import rouge_scorer

import summeval
from summeval.config import SummevalConfig
from summeval.errors import ConfigError, DataError, UserError
from summeval.schema import SCHEMA_VERSION, RunResults, json_schema

from .conftest import ROOT, SEED, python_c, read_xsum

ROWS = read_xsum(40)
PREDS = [" ".join(r["article"].split()[:30]) for r in ROWS]
REFS = [r["summary"] for r in ROWS]


def test_score_equals_rouge_score_itself():
    """Oracle: Google's rouge-score (stemmer on) per article and on average, to 1e-12."""
    got = summeval.score(PREDS, REFS, profile="rouge-score")
    oracle = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"],
                                      use_stemmer=True)  # fmt: skip
    for m in ("rouge1", "rouge2", "rougeL"):  # Lsum splits on newlines in rouge-score
        want = [oracle.score(r, p)[m].fmeasure for p, r in zip(PREDS, REFS, strict=True)]
        assert [a[m]["fmeasure"] for a in got.per_article] == pytest.approx(want, abs=1e-12)
        assert got[m].fmeasure == pytest.approx(sum(want) / len(want), abs=1e-12)
        assert got[m].fmeasure_low <= got[m].fmeasure <= got[m].fmeasure_high
    assert got.signature.startswith("rouge|profile:rouge-score") and got.n == 40


def test_score_equals_the_cli(tmp_path, run_cli):
    preds, refs = tmp_path / "p.txt", tmp_path / "r.txt"
    preds.write_text("\n".join(PREDS) + "\n")
    refs.write_text("\n".join(REFS) + "\n")
    code, out, err = run_cli("score", preds, "--refs", refs, "--json")
    assert code == 0, err
    cli = json.loads(out)
    api = summeval.score(PREDS, REFS)
    assert api.signature == cli["signature"] and api.n == cli["n"]
    for m in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
        assert api[m].fmeasure == cli[m]["fmeasure"]
        assert (api[m].fmeasure_low, api[m].fmeasure_high) == (cli[m]["low"], cli[m]["high"])
    code, text, _ = run_cli("score", preds, "--refs", refs)
    assert str(api) == text.rstrip("\n")  # the same table


def test_score_takes_several_references_and_says_what_is_wrong():
    two = summeval.score(["the cat sat"], [["a cat sat", "the cat sat"]], types=["rouge1"])
    # by hand: pooled (ROUGE-1.5.5) sums over the references: hits 2 + 3 of 3 + 3 words
    assert two["rouge1"].fmeasure == pytest.approx(5 / 6) and list(two) == ["rouge1"]
    best = summeval.score(["the cat sat"], [["a cat sat", "the cat sat"]], multi_ref="max")
    assert best["rouge1"].fmeasure == 1.0  # max: the best reference alone
    with pytest.raises(DataError, match=r"2 reference\(s\) for 1 prediction"):
        summeval.score(["a"], ["a", "b"])
    with pytest.raises(DataError, match="references\\[0\\] is not a string or a list"):
        summeval.score(["a"], [3])
    with pytest.raises(UserError) as err:
        summeval.score(["北京下雨"], ["北京下雨了"], profile="multilingual")
    assert "add language=, e.g. language= zh" in str(err.value)
    zh = summeval.score(["北京今天下雨了"], ["北京下雨"], language="zh")
    assert "lang:zh" in zh.signature and "seg:jieba" in zh.signature


def test_import_summeval_stays_light():
    proc = python_c("import sys, summeval; print(sorted(m for m in ('summeval.api', "
                    "'pydantic', 'yaml', 'numpy') if m in sys.modules))")  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def _config(tmp_path):
    return {
        "dataset": {"path": str(SEED)},
        "models": [
            {"name": "lead-1", "backend": "lead", "lead_sentences": 1},
            {"name": "lead-3", "backend": "lead"},
        ],
        "output": {"dir": str(tmp_path / "results"), "report": False},
    }


def test_evaluate_a_dict_returns_typed_results_and_prints_nothing(tmp_path, capfd):
    cfg = _config(tmp_path)
    run = summeval.evaluate(cfg, {"models.lead-3.lead_sentences": 2}, seed=7)
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # messages go to the logger, silent by default
    assert run.run_dir == tmp_path / "results" / "evaluate"
    assert isinstance(run.results, RunResults) and run.results.status == "complete"
    assert run.results.seed == 7 and run.results.schema_version == SCHEMA_VERSION
    doc = json.loads((run.run_dir / "results.json").read_text())
    r1 = doc["results"]["lead-3"]["summary"]["rouge"]["rouge1"]
    assert run.score("lead-3", "summary").fmeasure == r1["fmeasure"]
    assert run.score("lead-3", "summary").fmeasure_low == r1["fmeasure_low"]
    assert doc["models"]["lead-3"]["generation"]["summary"] == {"sentences": 2}
    assert cfg["models"][1].get("lead_sentences") is None  # the caller's dict is untouched
    test = run.results.significance["summary"][0]
    assert test.baseline == "lead-1" and "rouge1" in test.measures
    assert run.table() == (run.run_dir / "table.md").read_text()
    # a config object, and a run name
    obj = SummevalConfig.model_validate(cfg)
    again = summeval.evaluate(obj, run_name="again")
    assert again.run_dir.name == "again"
    assert again.score("lead-1", "headline") == run.score("lead-1", "headline")


def test_evaluate_equals_summeval_run(tmp_path):
    import yaml

    cfg = _config(tmp_path)
    path = tmp_path / "same.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = subprocess.run([sys.executable, "-m", "summeval", "run", str(path), "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    run = summeval.evaluate(str(path), run_name="api")
    assert (run.run_dir / "table.md").read_text().replace("results: api", "") == (
        tmp_path / "results" / "same" / "table.md"
    ).read_text().replace("results: same", "")
    cli = json.loads((tmp_path / "results" / "same" / "results.json").read_text())
    api = json.loads((run.run_dir / "results.json").read_text())
    for model in ("lead-1", "lead-3"):
        for task in ("summary", "headline"):
            for doc in (cli, api):
                doc["results"][model][task].pop("seconds")
            assert api["results"][model][task] == cli["results"][model][task]
    assert api["significance"] == cli["significance"]


def test_evaluate_raises_the_clis_one_line_errors(tmp_path):
    with pytest.raises(ConfigError) as err:
        summeval.evaluate(_config(tmp_path), models__0__batch_sise=3)
    assert str(err.value) == (
        "--set models.0.batch_sise=3: models[0].batch_sise: unknown key 'batch_sise'; did you "
        "mean 'batch_size'?"
    )
    with pytest.raises(ConfigError, match="config file not found"):
        summeval.evaluate("no-such-config")
    with pytest.raises(DataError, match="dataset file not found"):
        summeval.evaluate({**_config(tmp_path), "dataset": {"path": str(tmp_path / "x.jsonl")}})
    assert not (tmp_path / "results").exists()  # nothing written for bad input


def test_the_json_schema_file_is_current(run_cli):
    assert (ROOT / "docs" / "results.schema.json").read_text() == json_schema()
    code, out, _ = run_cli("schema")
    assert code == 0 and json.loads(out)["title"] == "RunResults"


def test_results_of_another_schema_version_are_refused_in_one_line(tmp_path, run_cli):
    run = summeval.evaluate(_config(tmp_path))
    doc = json.loads((run.run_dir / "results.json").read_text())
    old = {k: v for k, v in doc.items() if k != "schema_version"}  # summeval 0.2's files
    (run.run_dir / "results.json").write_text(json.dumps(old))
    code, _, err = run_cli("report", run.run_dir)
    assert code == 0, err
    (run.run_dir / "results.json").write_text(json.dumps({**doc, "schema_version": 99}))
    code, _, err = run_cli("report", run.run_dir)
    assert code == 2
    assert err.strip().splitlines() == [
        f"summeval: error: {run.run_dir}: results.json: schema_version 99 is newer than this "
        "summeval reads (1); upgrade summeval to read it"
    ]
    bad = json.loads(json.dumps(doc))
    bad["results"]["lead-1"]["summary"]["rouge"]["rouge1"]["fmeasure"] = "high"
    (run.run_dir / "results.json").write_text(json.dumps(bad))
    code, _, err = run_cli("report", run.run_dir)
    assert code == 2 and "results.lead-1.summary.rouge.rouge1.fmeasure" in err
