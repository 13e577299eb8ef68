"""Data statistics of predictions: length, abstraction, extractiveness and repetition.

Words are lowercase runs of letters, marks and digits in any script (the ``unicode``
tokeniser, unstemmed); sentences come from the offline splitter. Per prediction:

- ``words``, ``sentences``: its length;
- ``compression``: article words / prediction words (Grusky et al. 2018);
- ``novel_1..3``: share of its n-grams that never occur in the article;
- ``coverage``, ``density``: Grusky et al.'s extractive fragments F (greedy longest shared
  word sequences): coverage = sum |f| / |S|, density = sum |f|^2 / |S|;
- ``repeated_1..3``: share of its n-grams that repeat an earlier n-gram of itself.

Corpus values are means over predictions; ratios over predictions where they are defined
(e.g. not for empty predictions), shares ``empty`` and ``truncated`` over all articles, and
``hit_token_limit`` (generation stopped by the ``max_new_tokens`` budget, not by the model)
over the predictions where the backend knows it (not the lead baseline).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from summeval.metrics.tokenize import tokenize_unicode
from summeval.sentences import split_sentences

NGRAM_ORDERS = (1, 2, 3)


def words(text: str) -> list[str]:
    """Lowercase words of a text, in any script."""
    return tokenize_unicode(text.lower())


def fragments(summary: Sequence[str], article: Sequence[str]) -> list[int]:
    """Lengths of the extractive fragments of ``summary`` in ``article`` (Grusky et al. 2018,
    greedy: at each summary position, the longest article match, then skip past it)."""
    positions: dict[str, list[int]] = {}
    for j, w in enumerate(article):
        positions.setdefault(w, []).append(j)
    out: list[int] = []
    i, n, m = 0, len(summary), len(article)
    while i < n:
        best = 0
        resume = 0  # the article scan continues after each match, as in the paper's loop
        for j in positions.get(summary[i], ()):
            if j < resume:
                continue
            k = 0
            while i + k < n and j + k < m and summary[i + k] == article[j + k]:
                k += 1
            best = max(best, k)
            resume = j + k
        if best:
            out.append(best)
        i += max(best, 1)
    return out


def _ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return list(zip(*(tokens[i:] for i in range(n)), strict=False))


def prediction_stats(prediction: str, article: str | None) -> dict[str, float | None]:
    """The statistics of one prediction; article-based ones are None without an article."""
    toks = words(prediction)
    n = len(toks)
    out: dict[str, float | None] = {
        "words": float(n),
        "sentences": float(len(split_sentences(prediction))),
    }
    for k in NGRAM_ORDERS:
        grams = _ngrams(toks, k)
        out[f"repeated_{k}"] = (len(grams) - len(set(grams))) / len(grams) if grams else None
    art = words(article) if article is not None else None
    if art is None:
        out.update({"compression": None, "coverage": None, "density": None})
        out.update({f"novel_{k}": None for k in NGRAM_ORDERS})
        return out
    out["compression"] = len(art) / n if n else None
    frags = fragments(toks, art)
    out["coverage"] = sum(frags) / n if n else None
    out["density"] = sum(f * f for f in frags) / n if n else None
    for k in NGRAM_ORDERS:
        grams = _ngrams(toks, k)
        seen = set(_ngrams(art, k))
        out[f"novel_{k}"] = sum(g not in seen for g in grams) / len(grams) if grams else None
    return out


def share_known(flags: Sequence[bool | None]) -> float | None:
    """The share of True among the flags that are known (None: none is)."""
    known = [bool(f) for f in flags if f is not None]
    return sum(known) / len(known) if known else None


def corpus_stats(
    predictions: Sequence[str],
    articles: Sequence[str | None] | None = None,
    references: Sequence[Sequence[str]] | None = None,
    truncated: Sequence[bool] | None = None,
    hit_token_limit: Sequence[bool | None] | None = None,
) -> dict[str, Any]:
    """Means of the per-prediction statistics, plus shares of empty predictions, truncated
    inputs and outputs cut by the token budget, and the mean reference length in words."""
    arts = articles if articles is not None else [None] * len(predictions)
    rows = [prediction_stats(p, a) for p, a in zip(predictions, arts, strict=True)]
    out: dict[str, Any] = {"n": len(rows)}
    keys = rows[0].keys() if rows else ()
    for key in keys:
        vals = [r[key] for r in rows if r[key] is not None]
        out[key] = float(np.mean(vals)) if vals else None
    out["empty"] = sum(not p.strip() for p in predictions) / len(rows) if rows else None
    if truncated is not None:
        out["truncated"] = sum(map(bool, truncated)) / len(rows) if rows else None
    if hit_token_limit is not None:
        out["hit_token_limit"] = share_known(hit_token_limit)
    if references is not None:
        lengths = [len(words(r)) for refs in references for r in refs]
        out["reference_words"] = float(np.mean(lengths)) if lengths else None
    return out
