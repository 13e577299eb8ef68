"""Headlines: n/a without references, headline field names, headline checks, the headline
configs, and failing fast on a Hub dataset that cannot be fetched."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summeval.metrics.headline import corpus_headline_checks, ends_with_full_stop, headline_checks
from summeval.tasks import clean_headline_edits

from .conftest import ROOT, basic_config, read_xsum

LEADS = [
    {"name": "lead", "backend": "lead"},
    {"name": "lead-1", "backend": "lead", "lead_sentences": 1},
]


def _rows(n: int, headline_every: int = 0, field: str = "headline") -> list[dict]:
    rows = []
    for i, r in enumerate(read_xsum(n)):
        row = {"id": r["id"], "article": r["article"], "summary": r["summary"]}
        if headline_every and i % headline_every == 0:
            row[field] = r["summary"].split(",")[0]
        rows.append(row)
    return rows


def test_task_without_references_is_na_everywhere(tmp_path, jsonl, write_config, run_cli):
    data = jsonl(_rows(8))
    cfg = write_config(basic_config(data, tmp_path, models=LEADS))
    code, _, err = run_cli("run", cfg)
    assert code == 0, err
    assert "headline: no article has a headline reference" in err
    assert "dataset.fields.headline" in err
    run_dir = tmp_path / "results" / "cfg"
    doc = json.loads((run_dir / "results.json").read_text())
    for model in ("lead", "lead-1"):
        head = doc["results"][model]["headline"]
        assert head["n_scored"] == 0 and head["n_unscored"] == 8
        assert head["rouge"] and all(v is None for v in head["rouge"].values())
        assert doc["results"][model]["summary"]["rouge"]["rouge1"]["fmeasure"] > 0
    assert "headline" not in doc["significance"]
    table = (run_dir / "table.md").read_text()
    lead_row = next(line for line in table.splitlines() if line.startswith("| lead |"))
    assert lead_row.count("n/a") == 4 and "0.00 [0.00, 0.00]" not in table
    with (run_dir / "table.csv").open() as f:
        row = next(r for r in csv.DictReader(f) if r["model"] == "lead")
    assert row["headline_rouge1_fmeasure"] == "" and row["summary_rouge1_fmeasure"] != ""
    assert "ROUGE n/a" in (run_dir / "report.html").read_text()

    code, _, err = run_cli("compare", tmp_path / "results")
    assert code == 0, err
    board = json.loads((tmp_path / "results" / "leaderboard.json").read_text())
    assert "headline" not in board["tasks"] and board["tasks"]["summary"]["groups"]


def test_some_references_missing_scores_the_others(tmp_path, jsonl, write_config, run_cli):
    data = jsonl(_rows(9, headline_every=3))  # articles 0, 3, 6 have a headline
    cfg = write_config(basic_config(data, tmp_path))
    code, _, err = run_cli("run", cfg)
    assert code == 0, err
    assert "headline: 6 of 9 article(s) have no headline reference" in err
    doc = json.loads((tmp_path / "results" / "cfg" / "results.json").read_text())
    head = doc["results"]["lead"]["headline"]
    assert head["n_scored"] == 3 and head["rouge"]["rouge1"]["fmeasure"] > 0


def test_title_field_is_the_headline_without_mapping(tmp_path, jsonl, write_config, run_cli):
    data = jsonl(_rows(4, headline_every=1, field="title"))
    cfg = write_config(basic_config(data, tmp_path))
    code, _, err = run_cli("run", cfg)
    assert code == 0, err
    assert "headline references from field 'title'" in err
    doc = json.loads((tmp_path / "results" / "cfg" / "results.json").read_text())
    assert doc["results"]["lead"]["headline"]["n_scored"] == 4
    assert doc["data"]["reference_fields"]["headline"] == "title"


def test_article_that_is_not_text_is_an_error(tmp_path, jsonl, write_config, run_cli):
    data = jsonl(
        [{"id": "a", "article": "Fine text."}, {"id": "b", "article": ["not", "a", "string"]}]
    )
    cfg = write_config(basic_config(data, tmp_path))
    code, _, err = run_cli("run", cfg)
    assert code == 2
    assert f"{data}:2" in err and "'article' holds a list" in err
    assert not (tmp_path / "results").exists()  # nothing written before the data is read


@pytest.mark.parametrize(
    ("raw", "text", "edits"),
    [
        ("Storm hits coast", "Storm hits coast", []),
        ("Headline: Storm hits coast", "Storm hits coast", ["prefix"]),
        ('"Storm hits coast"', "Storm hits coast", ["quotes"]),
        ("Storm hits coast\nThe storm arrived on Monday.", "Storm hits coast", ["lines"]),
        ("Here is a headline: **Storm hits coast**", "Storm hits coast", ["prefix", "quotes"]),
        ("one two three four five six", "one two three", ["cut"]),
        ("Storm hits coast.", "Storm hits coast", ["stop"]),
        ("Storm hits the U.S.", "Storm hits the U.S.", []),  # an initialism keeps its period
        ("Markets fall...", "Markets fall...", []),
        ("The article: Storm hits coast", "Storm hits coast", ["prefix"]),
        ("Reply:\nStorm hits coast", "Storm hits coast", ["prefix"]),
        ("Title: Storm hits coast.\n\nArticle:", "Storm hits coast", ["prefix", "lines", "stop"]),
        ('Headline: "Storm hits coast."', "Storm hits coast", ["prefix", "quotes", "stop"]),
        ("Reply:\n", "", ["prefix"]),  # a label and nothing after it: an empty headline
    ],
)
def test_headline_edits(raw: str, text: str, edits: list[str]) -> None:
    assert clean_headline_edits(raw, max_words=3 if "six" in raw else 20) == (text, edits)


def test_headline_checks_hand_made() -> None:
    article = "The storm hit the coast on Monday. Thousands lost power."
    lead = headline_checks("The storm hit the coast on Monday.", article, [], 20, 75)
    assert lead["first_sentence"] and lead["lead_words"] and lead["full_stop"]
    assert lead["novel_1"] == 0.0 and lead["novel_2"] == 0.0
    assert lead["words"] == 7 and lead["chars"] == 34
    prefix = headline_checks("The storm hit", article, ["cut"], 3, 10)
    assert prefix["lead_words"] and not prefix["first_sentence"]
    assert not prefix["within_max_words"] and not prefix["within_max_chars"]
    novel = headline_checks("Storm cuts power to thousands", article, ["prefix"], 20, 75)
    assert not novel["lead_words"] and not novel["full_stop"] and novel["postprocessed"]
    assert novel["edit_prefix"] and not novel["edit_cut"]
    assert novel["novel_1"] == pytest.approx(2 / 5)  # 'cuts', 'to'
    assert novel["novel_2"] == pytest.approx(4 / 4)
    corpus = corpus_headline_checks([lead, prefix, novel])
    assert corpus["n"] == 3 and corpus["lead_words"] == pytest.approx(2 / 3)
    assert corpus["words"] == pytest.approx((7 + 3 + 5) / 3)
    assert ends_with_full_stop("北京下雨了。") and ends_with_full_stop("दिल्ली में बारिश।")
    assert not ends_with_full_stop("Markets fall...") and not ends_with_full_stop("Why?")


def test_full_stop_check_reads_the_models_headline_and_the_budget_flag_is_kept() -> None:
    article = "The storm hit the coast on Monday. Thousands lost power."
    cleaned, edits = clean_headline_edits("Storm hits coast.", 20)
    checks = headline_checks(cleaned, article, edits, 20, 75, hit_token_limit=True)
    assert cleaned == "Storm hits coast" and checks["full_stop"] and checks["edit_stop"]
    assert checks["hit_token_limit"] is True
    lead = headline_checks("The storm hit", article, ["cut"], 3, 75)
    assert lead["hit_token_limit"] is None
    corpus = corpus_headline_checks([checks, lead])
    assert corpus["hit_token_limit"] == 1.0 and corpus["full_stop"] == 0.5


def test_score_without_references_is_na_and_null(tmp_path, jsonl, run_cli):
    preds = jsonl([{"id": "a", "prediction": "Storm hits coast"}], "p.jsonl")
    refs = jsonl([{"id": "a", "article": "The storm hit.", "headlines": []}], "r.jsonl")
    code, out, err = run_cli("score", preds, "--refs", refs, "--refs-field", "headlines")
    assert code == 0, err
    assert "R-1         n/a    n/a    n/a   n/a" in out and "0.00" not in out.split("\nn =")[0]
    assert "n = 0 article(s); 1 without a reference not scored" in out
    assert "no item has a reference" in out
    code, out, err = run_cli("score", preds, "--refs", refs, "--refs-field", "headlines", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["n"] == 0
    assert doc["rouge1"] == {"precision": None, "recall": None, "fmeasure": None, "low": None,
                             "high": None}  # fmt: skip


def test_few_articles_are_flagged_beside_their_intervals(tmp_path, jsonl, write_config, run_cli):
    data = jsonl(_rows(3, headline_every=1))
    cfg = write_config(basic_config(data, tmp_path, models=LEADS))
    code, _, err = run_cli("run", cfg)
    assert code == 0, err
    run_dir = tmp_path / "results" / "cfg"
    note = "only 3 article(s) scored: with fewer than 10, intervals and p-values say little"
    assert note in (run_dir / "table.md").read_text()
    assert note in (run_dir / "report.html").read_text()
    code, _, err = run_cli("compare", tmp_path / "results")
    assert code == 0, err
    assert note in (tmp_path / "results" / "leaderboard.md").read_text()
    many = write_config(basic_config(jsonl(_rows(12), "many.jsonl"), tmp_path, models=LEADS))
    code, _, err = run_cli("run", many, "--run-name", "many")
    assert code == 0, err
    assert (
        "intervals and p-values say little"
        not in (tmp_path / "results" / "many" / "table.md").read_text()
    )


def test_no_reference_box_in_the_length_plot_without_references(monkeypatch, tmp_path, jsonl,
                                                                write_config, run_cli):  # fmt: skip
    from summeval import report

    drawn: list[list[str]] = []
    real = report.length_boxes
    monkeypatch.setattr(
        report, "length_boxes", lambda t, labels, lengths: drawn.append(list(labels)) or real(
            t, labels, lengths)
    )  # fmt: skip
    cfg = write_config(basic_config(jsonl(_rows(4)), tmp_path, models=LEADS))
    code, _, err = run_cli("run", cfg)
    assert code == 0, err
    assert ["lead", "lead-1", "references"] in drawn  # summary: references exist
    assert ["lead", "lead-1"] in drawn  # headline: none, so no box at 0 words


def test_diff_of_a_task_without_references_says_so(tmp_path, jsonl, write_config, run_cli):
    cfg = write_config(basic_config(jsonl(_rows(4)), tmp_path, models=LEADS))
    assert run_cli("run", cfg)[0] == 0
    run = tmp_path / "results" / "cfg"
    code, _, err = run_cli("diff", f"{run}:lead", f"{run}:lead-1", "--task", "headline")
    assert code == 2
    assert "scored no article for the headline task: it has no references" in err
    assert "dataset.fields.headline" in err and "same data" not in err


def test_headline_checks_in_results_table_and_report(tmp_path, jsonl, write_config, run_cli):
    data = jsonl(_rows(5, headline_every=1))
    cfg = write_config(basic_config(data, tmp_path, models=LEADS))
    code, _, err = run_cli("run", cfg)
    assert code == 0, err
    run_dir = tmp_path / "results" / "cfg"
    doc = json.loads((run_dir / "results.json").read_text())
    checks = doc["results"]["lead-1"]["headline"]["headline_checks"]
    assert checks["n"] == 5 and checks["lead_words"] == 1.0 and checks["max_chars"] == 75
    assert "headline_checks" not in doc["results"]["lead-1"]["summary"]
    sample = json.loads((run_dir / "samples_lead-1_headline.jsonl").read_text().splitlines()[0])
    assert sample["checks"]["lead_words"] is True
    assert "## Headline checks" in (run_dir / "table.md").read_text()
    assert 'id="headline-checks"' in (run_dir / "report.html").read_text()


@pytest.mark.parametrize("name", ["xlsum", "gigaword"])
def test_headline_configs_validate(name: str, run_cli) -> None:
    code, out, err = run_cli("validate", ROOT / "configs" / f"{name}.yaml")
    assert code == 0, err
    assert "OK" in out


def test_xlsum_language_from_config_name(run_cli) -> None:
    from summeval.config import load_config
    from summeval.metrics.rouge import settings_from_config

    for lang, iso, seg in [("french", "fr", "none"), ("chinese_simplified", "zh", "jieba")]:
        cfg = load_config(ROOT / "configs" / "xlsum.yaml", [f"dataset.config={lang}"])
        settings = settings_from_config(cfg.metrics.rouge, cfg.dataset.language)
        assert cfg.dataset.language == iso and settings.segmenter == seg
        assert settings.profile == "multilingual"


def test_unreachable_hub_dataset_fails_fast_in_one_line(tmp_path) -> None:
    """No retry loop, no traceback, and no run folder left behind."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HF_HUB_OFF", "HF_DATASETS_OFF"))
    }
    env["HF_ENDPOINT"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    argv = ["run", "configs/xlsum.yaml", "--output-dir", str(tmp_path / "r")]
    proc = subprocess.run(
        [sys.executable, "-m", "summeval", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    # one line: no retry loop of messages (how fast is bench material, not a test's)
    assert len(lines) == 1 and "csebuetnlp/xlsum" in lines[0] and "Traceback" not in proc.stderr
    assert not Path(tmp_path / "r").exists()
