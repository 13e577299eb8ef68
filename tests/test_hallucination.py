"""Entity and number hallucination: hand-made cases with known answers, and a run where the
references change and the metric does not (it reads the article)."""

from __future__ import annotations

import json
import math

import pytest

from summeval.metrics.hallucination import entities, hallucination, numbers

ARTICLE = (
    "Police in New York said on Monday that 1,200 people were evacuated. The Bank of "
    "England raised rates by 0.5 per cent. Joe Biden spoke. It cost 3 million dollars."
)


def test_numbers_keep_their_units_and_drop_separators():
    assert numbers(ARTICLE) == {"1200", "0.5%", "3 million"}
    assert numbers("12.5% of 2,000,000 and 7 percent") == {"12.5%", "2000000", "7%"}


def test_entities_are_runs_of_capitalised_words():
    found = entities(ARTICLE, {"police"})
    assert found == {"New York", "Monday", "Bank of England", "Joe Biden"}


@pytest.mark.parametrize(
    ("output", "missing", "total"),
    [
        ("Biden said 1200 people left New York.", 0, 3),  # Biden, 1200, New York: all there
        ("Trump said 1,300 people left Boston on Monday.", 3, 4),  # Trump, 1300, Boston
        ("The Bank of England raised rates by 0.5%.", 0, 2),
        ("It cost 3 billion dollars.", 1, 1),  # the multiplier is part of the number
        ("Police said it was fine in Paris.", 1, 2),  # Police (in the article), Paris (not)
    ],
)
def test_hallucination_by_hand(output, missing, total):
    share, got_missing, got_total = hallucination(output, ARTICLE)
    assert (got_missing, got_total) == (missing, total)
    assert share == pytest.approx(missing / total)


def test_an_output_without_entities_has_no_value():
    share, missing, total = hallucination("people were evacuated.", ARTICLE)
    assert math.isnan(share) and (missing, total) == (0, 0)


def test_hallucination_reads_the_article_never_the_reference(tmp_path, jsonl, write_config,
                                                             run_cli):  # fmt: skip
    rows = [
        {"id": "a", "article": "Mr Smith visited Leeds on Friday. He met 40 nurses.",
         "summary": "Mr Smith met nurses in Leeds.", "other": "Jones went to Paris."},
        {"id": "b", "article": "The river flooded the town. Nobody was hurt.",
         "summary": "A town flooded.", "other": "Floods hit London and 900 homes."},
    ]  # fmt: skip

    def run(name: str, field: str) -> dict:
        cfg = {
            "dataset": {"path": str(jsonl(rows)), "fields": {"summary": field}},
            "tasks": {"headline": {"enabled": False}},
            "models": [{"name": "lead-2", "backend": "lead", "lead_sentences": 2}],
            "metrics": {"hallucination": {}},
            "output": {"dir": str(tmp_path / "r"), "run_name": name, "report": False},
        }
        code, _, err = run_cli("run", write_config(cfg, f"{name}.yaml"), "--no-progress")
        assert code == 0, err
        return json.loads((tmp_path / "r" / name / "results.json").read_text())

    a, b = run("a", "summary"), run("b", "other")
    ha = a["results"]["lead-2"]["summary"]["metrics"]["hallucination"]
    hb = b["results"]["lead-2"]["summary"]["metrics"]["hallucination"]
    # lead copies the article: nothing hallucinated; article b has no entity: no value
    assert ha["fmeasure"] == 0.0 and ha["n"] == 1 and ha["n_without_value"] == 1
    assert ha == hb  # other references, the same hallucination scores
    sig = a["results"]["lead-2"]["summary"]["metric_signatures"]["hallucination"]
    assert sig.startswith("hallucination|ner:rules")
