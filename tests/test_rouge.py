"""ROUGE: hand-computed cases, rouge-score itself as the oracle for the rouge-score and hf
profiles, and properties that hold for any text (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer

from summeval.metrics.porter155 import stem
from summeval.metrics.rouge import (
    article_scores,
    compute_stats,
    lcs_length,
    lcs_positions,
    score_corpus,
    settings_for,
    signature,
    union_lcs_hits,
)
from summeval.metrics.tokenize import TextTokenizer, limit_bytes, limit_words, smart_stopwords
from summeval.sentences import split_sentences

from .conftest import SEED, read_xsum

TYPES = ["rouge1", "rouge2", "rouge3", "rouge4", "rougeL", "rougeLsum"]


def _one(pred: str, refs: list[str], profile: str = "rouge155", **options):
    """Per-article scores of a single article: {measure: (P, R, F)}."""
    s = settings_for(profile, measures=TYPES, **options)
    stats = compute_stats(["a"], [pred], [refs], s)
    return {m: tuple(float(x) for x in v[:, 0]) for m, v in article_scores(stats).items()}


# --- hand-computed ---------------------------------------------------------------------


def test_hand_computed_single_reference():
    r = _one("the cat sat on the mat", ["the cat was on the mat"], stem=False)
    assert r["rouge1"] == pytest.approx((5 / 6, 5 / 6, 5 / 6))
    assert r["rouge2"] == pytest.approx((3 / 5, 3 / 5, 3 / 5))  # the cat, on the, the mat
    assert r["rouge3"] == pytest.approx((1 / 4, 1 / 4, 1 / 4))  # on the mat
    assert r["rouge4"] == (0.0, 0.0, 0.0)
    assert r["rougeL"] == pytest.approx((5 / 6, 5 / 6, 5 / 6))


def test_pooled_max_and_mean_hand_computed():
    pred = "a b c d"
    refs = ["a b x", "c d e f g h"]  # unigram hits 2 and 2; lengths 3 and 6
    pooled = _one(pred, refs, multi_ref="pooled", stem=False)["rouge1"]
    # R = (2 + 2) / (3 + 6), P = (2 + 2) / (2 * 4)
    p, r = 4 / 8, 4 / 9
    assert pooled == pytest.approx((p, r, 2 * p * r / (p + r)))
    best = _one(pred, refs, multi_ref="max", stem=False)["rouge1"]
    # F vs ref 1: P 2/4, R 2/3 -> 0.5714; vs ref 2: P 2/4, R 2/6 -> 0.4
    assert best == pytest.approx((0.5, 2 / 3, 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3)))
    mean = _one(pred, refs, multi_ref="mean", stem=False)["rouge1"]
    f1, f2 = 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3), 2 * 0.5 * (1 / 3) / (0.5 + 1 / 3)
    assert mean == pytest.approx((0.5, (2 / 3 + 1 / 3) / 2, (f1 + f2) / 2))


def test_union_lcs_is_the_rouge_paper_example():
    # Lin 2004, section 3.2: r = w1..w5, c1 = w1 w2 w6 w7 w8, c2 = w1 w3 w8 w9 w5
    ref = [["w1", "w2", "w3", "w4", "w5"]]
    cands = [["w1", "w2", "w6", "w7", "w8"], ["w1", "w3", "w8", "w9", "w5"]]
    flat_r = ref[0]
    flat_c = cands[0] + cands[1]
    assert union_lcs_hits(ref, cands, flat_r, flat_c) == 4  # w1 w2 w3 w5
    assert lcs_length(flat_r, cands[0]) == 2 and lcs_length(flat_r, cands[1]) == 3


def test_union_lcs_clips_tokens_used_twice():
    # "a" occurs once in the prediction; two reference sentences cannot both match it
    assert union_lcs_hits([["a"], ["a"]], [["a"]], ["a", "a"], ["a"]) == 1


def test_lsum_differs_from_l_across_sentences():
    r = _one("police arrested him. the man fled.", ["the man fled. police arrested him."])
    assert r["rougeLsum"][2] == pytest.approx(1.0)
    assert r["rougeL"][2] < 1.0


def test_lcs_positions_breaks_ties_like_rouge155():
    # on a tie the read-back steps back in the reference (ROUGE-1.5.5's markLCS "^")
    assert lcs_positions(["a", "b"], ["b", "a"]) == [0]
    assert lcs_positions(["x", "a", "y"], ["a"]) == [1]


def test_porter155_differs_from_nltk_where_rouge155_does():
    assert stem("agreement") == "agreem"  # Lin's 2004 change to step 4
    assert stem("replacement") == "replac"
    assert stem("running") == "run" and stem("connections") == "connect"
    assert stem("yields") == "yield"  # an initial y is a consonant


def test_rouge155_tokeniser_splits_on_hyphens_and_drops_non_ascii():
    tok = TextTokenizer("rouge155", None)
    assert tok(["Co-operation with Müller's $5bn firm"]).tokens == [
        "co",
        "operation",
        "with",
        "m",
        "ller",
        "s",
        "5bn",
        "firm",
    ]
    assert TextTokenizer("rouge-score", None)(["co-operation"]).tokens == ["co", "operation"]
    assert TextTokenizer("unicode", None)(["Müller, 東京"]).tokens == ["müller", "東", "京"]


def test_dropped_share_and_warning_for_non_latin_text():
    greek = "Η κυβέρνηση ανακοίνωσε νέα μέτρα"
    out = score_corpus(["1"], [greek], [[greek]], settings_for("rouge155"))
    assert out.dropped_share == pytest.approx(1.0)
    assert out.aggregate["rouge1"]["fmeasure"] == 0.0
    assert any("dropped 100.0%" in w for w in out.warnings)
    uni = score_corpus(["1"], [greek], [[greek]], settings_for("rouge155", tokenizer="unicode"))
    assert uni.dropped_share == 0.0 and uni.aggregate["rouge1"]["fmeasure"] == 1.0
    assert not uni.warnings


def test_stopwords_are_rouge155s_list():
    words = smart_stopwords()
    assert len(words) == 596 and {"the", "of", "reuters"} <= words
    r = _one("the cat of the house", ["a cat in a house"], stopwords=True, stem=False)
    assert r["rouge1"] == pytest.approx((1.0, 1.0, 1.0))  # cat, house


def test_length_limits_follow_rouge155():
    assert limit_words(["a b c", "d e f"], 4) == ["a b c", "d"]
    assert limit_words(["a b c"], 3) == ["a b c"]
    # bytes count the lines but not the spaces that join them
    assert limit_bytes(["abc", "def"], 5) == ["abc", "de"]
    r = _one("a b c d e", ["a b x y z"], word_limit=2, stem=False)
    assert r["rouge1"] == pytest.approx((1.0, 1.0, 1.0))


def test_lsum_equals_l_warning_only_without_sentences():
    s = settings_for("rouge-score")
    out = score_corpus(["1"], ["one sentence. two"], [["ref"]], s)
    assert any("ROUGE-Lsum equals ROUGE-L" in w for w in out.warnings)
    out = score_corpus(["1"], ["one\ntwo"], [["ref"]], s)
    assert not out.warnings


def test_signature_names_every_setting():
    sig = signature(settings_for("rouge155"), [1, 3, 3])
    assert sig.startswith(
        "rouge|profile:rouge155|refs:1-3|multi:pooled|stem:porter155|tok:rouge155"
    )
    assert "split:punkt-untrained+abbrev|stop:no|limit:no" in sig
    assert "ci:95%/1000/rouge155:0" in sig and "v:summeval-" in sig
    sig = signature(settings_for("rouge-score", stem=False, byte_limit=75), [1])
    assert "multi:max|stem:no|tok:rouge-score|split:newline" in sig and "limit:75b" in sig


def test_profiles_and_overrides():
    assert settings_for("hf").split == "sentences" and settings_for("hf").multi_ref == "max"
    assert settings_for("rouge-score", multi_ref="pooled").multi_ref == "pooled"
    with pytest.raises(ValueError, match="profile"):
        settings_for("nope")
    with pytest.raises(ValueError, match="not both"):
        settings_for("rouge155", word_limit=10, byte_limit=10)


def test_intervals_are_identical_across_reruns_and_bracket_the_mean():
    preds = [f"word{i % 7} common text {i} and {i % 3}" for i in range(50)]
    refs = [[f"common word{i % 5} text {i % 4}"] for i in range(50)]
    ids = [str(i) for i in range(50)]
    a = score_corpus(ids, preds, refs, settings_for("rouge155"))
    b = score_corpus(ids, preds, refs, settings_for("rouge155"))
    assert a.aggregate == b.aggregate
    r = a.aggregate["rouge1"]
    assert r["fmeasure_low"] < r["fmeasure"] < r["fmeasure_high"]
    for other in (settings_for("rouge155", seed=1), settings_for("rouge-score")):
        c = score_corpus(ids, preds, refs, other)
        assert c.aggregate["rouge1"]["fmeasure"] == r["fmeasure"]
        assert c.aggregate["rouge1"] != r  # other resamples, other bounds


# --- rouge-score as the oracle ----------------------------------------------------------


def _xsum(n: int) -> list[dict]:
    return read_xsum(n)


def _compare_with_rouge_score(preds, refs, profile, stem_on, prep=lambda t: t):
    measures = ["rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum"]
    s = settings_for(profile, measures=measures, stem=stem_on)
    ours = article_scores(compute_stats([str(i) for i in range(len(preds))], preds, refs, s))
    scorer = rouge_scorer.RougeScorer(measures, use_stemmer=stem_on)
    for i, (p, rs) in enumerate(zip(preds, refs, strict=True)):
        theirs = (
            scorer.score(prep(rs[0]), prep(p))
            if len(rs) == 1
            else scorer.score_multi([prep(r) for r in rs], prep(p))
        )
        for m in measures:
            got = ours[m][:, i]
            want = (theirs[m].precision, theirs[m].recall, theirs[m].fmeasure)
            assert np.abs(got - np.array(want)).max() <= 1e-9, (i, m, got, want)


@pytest.mark.parametrize("stem_on", [True, False])
def test_rouge_score_profile_equals_rouge_score_on_xsum(stem_on):
    rows = _xsum(300)
    preds = [
        "\n".join(split_sentences(r["article"])[: 1 + i % 3]) for i, r in enumerate(rows)
    ]  # one to three lines
    refs = [
        [r["summary"]] if i % 4 else [r["summary"], split_sentences(r["article"])[-1]]
        for i, r in enumerate(rows)
    ]
    _compare_with_rouge_score(preds, refs, "rouge-score", stem_on)


def test_hf_profile_is_rouge_score_on_split_sentences():
    text = SEED.read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if len(p) > 200][:6]
    preds = [" ".join(p.split()[:60]) for p in paragraphs]
    refs = [[" ".join(p.split()[20:90])] for p in paragraphs]
    joined = lambda t: "\n".join(split_sentences(t))  # noqa: E731 - what run_summarization does
    _compare_with_rouge_score(preds, refs, "hf", True, prep=joined)


# --- properties -------------------------------------------------------------------------

_words = st.lists(st.sampled_from(["the", "cat", "sat", "mat", "on", "dogs", "ran", "X-ray"]))
_texts = _words.map(" ".join)


@settings(max_examples=60, deadline=None)
@given(pred=_texts, ref=_texts, profile=st.sampled_from(["rouge155", "rouge-score", "hf"]))
def test_bounded_and_identical_text_scores_one(pred, ref, profile):
    r = _one(pred, [ref], profile)
    for p, rec, f in r.values():
        assert 0.0 <= p <= 1.0 and 0.0 <= rec <= 1.0 and 0.0 <= f <= 1.0
    same = _one(ref, [ref], profile)
    for m, (p, rec, f) in same.items():
        n = int(m[5:]) if m[5:].isdigit() else 1
        expected = 1.0 if len(TextTokenizer()([ref]).tokens) >= n else 0.0
        if profile != "rouge155":
            expected = 1.0 if len(TextTokenizer("rouge-score", "nltk")([ref]).tokens) >= n else 0
        assert (p, rec, f) == pytest.approx((expected, expected, expected)), m


@settings(max_examples=60, deadline=None)
@given(text=_texts, mode=st.sampled_from(["pooled", "max", "mean"]))
def test_empty_prediction_or_reference_scores_zero(text, mode):
    for pred, ref in (("", text), (text, ""), ("", "")):
        for p, r, f in _one(pred, [ref, ref], multi_ref=mode).values():
            assert (p, r, f) == (0.0, 0.0, 0.0)


@settings(max_examples=100, deadline=None)
@given(a=_words, b=_words)
def test_lcs_equals_rouge_scores_read_back(a, b):
    assert lcs_positions(a, b) == rouge_scorer.lcs_ind(a, b)
    assert lcs_length(a, b) == len(lcs_positions(a, b))


@settings(max_examples=40, deadline=None)
@given(pred=_texts, ref=_texts)
def test_one_reference_modes_agree(pred, ref):
    assert _one(pred, [ref], multi_ref="pooled") == _one(pred, [ref], multi_ref="max")
    assert _one(pred, [ref], multi_ref="max") == _one(pred, [ref], multi_ref="mean")
