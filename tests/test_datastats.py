"""Data statistics on hand-computed cases."""

from __future__ import annotations

import pytest

from summeval.metrics.datastats import corpus_stats, fragments, prediction_stats, words


def test_fragments_follow_grusky_et_al():
    article = words("the quick brown fox jumps over the lazy dog")
    summary = words("the lazy dog jumps over quick brown cats")
    # greedy: "the lazy dog" (3), "jumps over" (2), "quick brown" (2), "cats" unmatched
    assert fragments(summary, article) == [3, 2, 2]
    assert fragments([], article) == [] and fragments(summary, []) == []


def test_prediction_stats_hand_computed():
    article = "the quick brown fox jumps over the lazy dog"
    s = prediction_stats("The lazy dog jumps over quick brown cats.", article)
    assert s["words"] == 8 and s["sentences"] == 1
    assert s["compression"] == pytest.approx(9 / 8)
    assert s["coverage"] == pytest.approx(7 / 8)
    assert s["density"] == pytest.approx((9 + 4 + 4) / 8)
    assert s["novel_1"] == pytest.approx(1 / 8)  # cats
    assert s["novel_2"] == pytest.approx(3 / 7)  # dog jumps, over quick, brown cats
    assert s["repeated_1"] == 0.0


def test_repetition_and_empty_predictions():
    s = prediction_stats("we will we will rock you", None)
    assert s["repeated_1"] == pytest.approx(2 / 6)
    assert s["repeated_2"] == pytest.approx(1 / 5)  # the second "we will"
    assert s["compression"] is None and s["novel_1"] is None
    c = corpus_stats(["", "a b"], ["x y z", "a b c d"], [["r s t"], ["r"]], [True, False])
    assert c["empty"] == 0.5 and c["truncated"] == 0.5
    assert c["words"] == 1.0  # mean of 0 and 2
    assert c["compression"] == 2.0  # only defined for the non-empty prediction
    assert c["reference_words"] == 2.0
