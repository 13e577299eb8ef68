"""Parity with the official ROUGE-1.5.5 Perl script under the ``rouge155`` profile.

Per article, the script's raw counts (``-t 2``: hits, reference and prediction n-grams or
LCS tokens, pooled over references) must equal our sufficient statistics exactly; its
printed averages, confidence intervals and per-article scores (5 decimals) must agree with
ours to 1e-5. ROUGE-Lsum is the script with one sentence per line; ROUGE-L with each
summary on one line.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from summeval.metrics.resampling import bootstrap_means
from summeval.metrics.rouge import compute_stats, scores_from_stats, settings_for
from summeval.sentences import split_sentences

from .conftest import read_xsum
from .rouge155 import run_rouge155

_WORDS = """
the a of to and in said was for on that is with by it as at from he his has have be are
agreement agreements agreed agreeing co-operation co-operate U.S. $5bn 3.5% £20m 2016
Running runs ran runner connection connected connecting generalizations happiness
relational hopeful Müller café naïve Zoë Bank-of-England well-known e-mail x-ray
government governments minister ministers police say says saying year-old children
child's isn't don't O'Neill Yorkshire yellow yields YES quickly flying flies skies
"""
VOCAB = _WORDS.split()
PUNCT = ["", "", "", ",", ".", ";", ":", "!", "?", "'", '"', ")", " -", " --"]


def _sentence(rng: random.Random, lo: int = 1, hi: int = 14) -> str:
    words = [rng.choice(VOCAB) + rng.choice(PUNCT) for _ in range(rng.randint(lo, hi))]
    return " ".join(words)


def _generated(seed: int, n: int, refs: int) -> tuple[list[list[str]], list[list[list[str]]]]:
    rng = random.Random(seed)
    preds = [[_sentence(rng) for _ in range(rng.randint(1, 3))] for _ in range(n)]
    preds[3] = []  # an empty prediction
    refs_ = [
        [[_sentence(rng) for _ in range(rng.randint(1, 3))] for _ in range(refs)] for _ in range(n)
    ]
    return preds, refs_


def _real(n: int, refs: int) -> tuple[list[list[str]], list[list[list[str]]]]:
    rows = read_xsum(n)
    preds, refs_ = [], []
    for row in rows:
        sents = split_sentences(row["article"])
        preds.append(sents[:2])
        extra = [[s] for s in sents[2 : 2 + refs - 1]]
        refs_.append([[row["summary"]], *extra][:refs])
    return preds, refs_


def _ours(preds, refs, measures, **options):
    settings = settings_for("rouge155", split="newline", measures=measures, **options)
    stats = compute_stats(
        [str(i) for i in range(len(preds))],
        ["\n".join(p) for p in preds],
        [["\n".join(r) for r in rs] for rs in refs],
        settings,
    )
    return settings, stats


def _check(home: Path, tmp_path: Path, preds, refs, stem: bool, perl_opts: list[str], **options):
    """Run both the sentence-per-line (ROUGE-1..4, Lsum) and one-line (ROUGE-L) comparisons."""
    perl_common = [*perl_opts, *(["-m"] if stem else [])]
    one_line = lambda texts: [[" ".join(t)] if t else [] for t in texts]  # noqa: E731
    runs = [
        (["rouge1", "rouge2", "rouge3", "rouge4", "rougeLsum"], preds, refs, ["-n", "4"]),
        (["rougeL"], one_line(preds), [one_line(r) for r in refs], []),
    ]
    for k, (measures, p, r, extra) in enumerate(runs):
        settings, stats = _ours(p, r, measures, stem=stem, **options)
        names = [f"ROUGE-{m[5:]}" if m[5:].isdigit() else "ROUGE-L" for m in measures]
        counts = run_rouge155(home, tmp_path / f"c{k}", p, r, [*perl_common, *extra, "-t", "2"])
        scores = run_rouge155(home, tmp_path / f"s{k}", p, r, [*perl_common, *extra])
        pooled = np.add.reduceat(stats.counts, stats.offsets[:-1], axis=0)
        result = scores_from_stats(stats)
        for j, (measure, name) in enumerate(zip(measures, names, strict=True)):
            # raw counts per article: (reference total, prediction total, hits), exactly
            perl_counts = np.array(counts.per_article[name], dtype=np.int64)
            assert (perl_counts == pooled[:, j, [1, 2, 0]]).all(), (measure, perl_counts)
            # per-article R, P (5 decimals) and F (made from the rounded R and P)
            ours = result.per_article[measure]
            perl = np.array(scores.per_article[name])
            assert np.abs(perl[:, 0] - ours[1]).max() <= 5e-6 + 1e-9, measure
            assert np.abs(perl[:, 1] - ours[0]).max() <= 5e-6 + 1e-9, measure
            assert np.abs(perl[:, 2] - ours[2]).max() <= 1.6e-5, measure
            # the mean, the bootstrap average the script prints, and its 95% interval
            agg = result.aggregate[measure]
            boot = bootstrap_means(ours, 1000, "rouge155", 0)
            for part, key, row in (("R", "recall", 1), ("P", "precision", 0), ("F", "fmeasure", 2)):
                avg, lo, hi = scores.average[name][part]
                assert abs(agg[key] - perl[:, "RPF".index(part)].mean()) <= 1e-5, (measure, part)
                assert abs(boot[row].mean() - avg) <= 1e-5, (measure, part)
                assert abs(agg[f"{key}_low"] - lo) <= 1e-5, (measure, part)
                assert abs(agg[f"{key}_high"] - hi) <= 1e-5, (measure, part)
    assert settings.resampler == "rouge155" and settings.resamples == 1000


def test_generated_one_reference_stemmed(rouge155_home, tmp_path):
    preds, refs = _generated(1, 40, 1)
    _check(rouge155_home, tmp_path, preds, refs, True, [])


def test_generated_several_references(rouge155_home, tmp_path):
    preds, refs = _generated(2, 40, 3)
    _check(rouge155_home, tmp_path, preds, refs, True, [])


def test_generated_several_references_no_stemming(rouge155_home, tmp_path):
    preds, refs = _generated(3, 40, 3)
    _check(rouge155_home, tmp_path, preds, refs, False, [])


def test_real_one_reference(rouge155_home, tmp_path):
    preds, refs = _real(60, 1)
    _check(rouge155_home, tmp_path, preds, refs, True, [])


def test_real_several_references(rouge155_home, tmp_path):
    preds, refs = _real(40, 3)
    _check(rouge155_home, tmp_path, preds, refs, True, [])


def test_stopwords_removed(rouge155_home, tmp_path):
    preds, refs = _real(40, 2)
    _check(rouge155_home, tmp_path, preds, refs, True, ["-s"], stopwords=True)


def test_word_limit(rouge155_home, tmp_path):
    preds, refs = _real(40, 2)
    _check(rouge155_home, tmp_path, preds, refs, True, ["-l", "20"], word_limit=20)


def test_byte_limit(rouge155_home, tmp_path):
    preds, refs = _real(40, 2)
    _check(rouge155_home, tmp_path, preds, refs, True, ["-b", "100"], byte_limit=100)


def test_generated_limits_cut_inside_sentences(rouge155_home, tmp_path):
    preds, refs = _generated(4, 30, 2)
    _check(rouge155_home, tmp_path, preds, refs, True, ["-b", "40"], byte_limit=40)
    _check(rouge155_home, tmp_path / "l", preds, refs, False, ["-l", "7"], word_limit=7)


@pytest.mark.parametrize("limit", [100, 40])
def test_byte_limit_on_one_line_texts(rouge155_home, tmp_path, limit):
    """Each text one line, sentences split by summeval (the default): ROUGE-1..4 and L match
    the script given the text as one line (its -b counts the spaces between sentences), and
    ROUGE-Lsum matches it given one sentence a line, as ROUGE-Lsum is defined."""
    preds, refs = _real(40, 2)
    flat = lambda sents: " ".join(sents)  # noqa: E731
    one_pred = [flat(p) for p in preds]
    one_refs = [[flat(r) for r in rs] for rs in refs]
    measures = ["rouge1", "rouge2", "rouge3", "rouge4", "rougeL", "rougeLsum"]
    settings = settings_for("rouge155", measures=measures, byte_limit=limit)
    stats = compute_stats([str(i) for i in range(40)], one_pred, one_refs, settings)
    ours = np.add.reduceat(stats.counts, stats.offsets[:-1], axis=0)
    b = ["-b", str(limit), "-m", "-t", "2"]
    lines = lambda text: [text] if text else []  # noqa: E731
    given = run_rouge155(
        rouge155_home,
        tmp_path / "given",
        [lines(p) for p in one_pred],
        [[lines(r) for r in rs] for rs in one_refs],
        [*b, "-n", "4"],
    )
    by_sentence = run_rouge155(
        rouge155_home,
        tmp_path / "sentences",
        [split_sentences(p) for p in one_pred],
        [[split_sentences(r) for r in rs] for rs in one_refs],
        b,
    )
    names = ["ROUGE-1", "ROUGE-2", "ROUGE-3", "ROUGE-4", "ROUGE-L"]
    for j, name in enumerate(names):
        perl = np.array(given.per_article[name], dtype=np.int64)
        assert (perl == ours[:, j, [1, 2, 0]]).all(), name
    perl = np.array(by_sentence.per_article["ROUGE-L"], dtype=np.int64)
    assert (perl == ours[:, 5, [1, 2, 0]]).all(), "rougeLsum"
