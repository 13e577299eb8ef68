"""ROUGE against rouge-score called directly, and hand-computed cases."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer

from summeval.metrics.rouge import RougeScorer, average
from summeval.sentences import split_sentences

from .conftest import SEED, SHARED

TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
XSUM = SHARED / "data" / "xsum_test1000.jsonl"


def _direct(pred: str, ref: str, stem: bool = True):
    scorer = rouge_scorer.RougeScorer(TYPES, use_stemmer=stem)
    split = lambda t: "\n".join(split_sentences(t))  # noqa: E731 - rougeLsum wants one sentence a line
    return scorer.score(split(ref), split(pred))


def _assert_equal(ours, direct):
    for name in TYPES:
        for part in ("precision", "recall", "fmeasure"):
            assert ours[name][part] == pytest.approx(getattr(direct[name], part), abs=1e-12)


def test_hand_computed():
    s = RougeScorer(use_stemmer=False).score("the cat sat on the mat", ["the cat was on the mat"])
    assert s["rouge1"]["precision"] == pytest.approx(5 / 6)
    assert s["rouge1"]["recall"] == pytest.approx(5 / 6)
    assert s["rouge2"]["fmeasure"] == pytest.approx(3 / 5)
    assert s["rougeL"]["fmeasure"] == pytest.approx(5 / 6)


def test_stemming_matters():
    pred, ref = ["the cats were running"], "the cat was running"
    assert (
        RougeScorer(use_stemmer=True).score(ref, pred)["rouge1"]["fmeasure"]
        > RougeScorer(use_stemmer=False).score(ref, pred)["rouge1"]["fmeasure"]
    )


def test_lsum_is_summary_level_not_rouge_l():
    ref = ["The minister resigned on Monday. Prices rose again in May."]
    pred = "Prices rose again in May. The minister resigned on Monday."
    s = RougeScorer().score(pred, ref)
    assert s["rougeLsum"]["fmeasure"] == pytest.approx(1.0)
    assert s["rougeL"]["fmeasure"] < 0.7


@pytest.mark.skipif(not XSUM.exists(), reason=f"{XSUM} missing: shared XSum sample not available")
def test_matches_rouge_score_on_xsum():
    rows = [json.loads(line) for line in XSUM.open()][:150]
    ours = RougeScorer()
    for row in rows:
        pred = " ".join(split_sentences(row["article"])[:2])
        _assert_equal(ours.score(pred, [row["summary"]]), _direct(pred, row["summary"]))


def test_matches_rouge_score_on_seed_without_stemming():
    text = SEED.read_text(encoding="utf-8").split("\n")
    pred, ref = " ".join(text[5:8]), text[4]
    _assert_equal(RougeScorer(use_stemmer=False).score(pred, [ref]), _direct(pred, ref, stem=False))


def test_several_references_take_the_best():
    refs = ["A storm closed the bridge.", "The bridge was closed by a storm on Monday."]
    pred = "A storm closed the bridge on Monday."
    ours = RougeScorer().score(pred, refs)
    direct = rouge_scorer.RougeScorer(TYPES, use_stemmer=True).score_multi(refs, pred)
    _assert_equal(ours, direct)


def test_empty_prediction_scores_zero():
    s = RougeScorer().score("", ["Some reference text."])
    assert all(s[n]["fmeasure"] == 0 for n in TYPES)


def test_missing_reference_is_none():
    assert RougeScorer().score("pred", []) is None
    assert RougeScorer().score("pred", ["  "]) is None


def test_average_skips_unscored():
    s = RougeScorer()
    per = [s.score("a b c", ["a b c"]), None, s.score("x", ["a b c"])]
    avg = average(per)
    assert avg["n_scored"] == 2 and avg["n_unscored"] == 1
    assert avg["rouge1_fmeasure"] == pytest.approx(0.5)


def test_average_of_nothing():
    assert average([None]) == {"n_scored": 0, "n_unscored": 1}


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abc .\n", max_size=60), st.text(alphabet="abc .\n", max_size=60))
def test_scores_bounded_and_identical_is_one(pred, ref):
    s = RougeScorer().score(pred, [ref])
    if s is None:
        assert not ref.strip()
        return
    for name in TYPES:
        for part in ("precision", "recall", "fmeasure"):
            assert 0.0 <= s[name][part] <= 1.0
    same = RougeScorer().score(ref, [ref])
    if any(c.isalnum() for c in ref):
        assert same["rouge1"]["fmeasure"] == pytest.approx(1.0)
