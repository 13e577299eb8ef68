"""Clipped n-gram hits for many (prediction, reference) pairs at once, with numpy.

ROUGE-N's hits for a pair are ``sum over n-grams g of min(count_pred(g), count_ref(g))``.
Counting n-grams in Python dicts costs a Counter per text and order; here every token is an
integer id, each n-gram order is one array over all texts, and counts, the clipping and the
per-pair sums are a few sorts and reductions over the whole corpus: the same integers, made
in C. Texts are given once each (a reference shared by many predictions is counted once).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class TokenIds:
    """Every distinct token gets a small integer, in order of first appearance."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __call__(self, tokens: Sequence[str]) -> list[int]:
        ids = self.ids
        get = ids.get
        out = []
        for t in tokens:
            i = get(t)
            if i is None:
                i = ids[t] = len(ids)
            out.append(i)
        return out


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of ``arange(s, s + l)`` for each start and length."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    shift = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return shift + np.arange(total, dtype=np.int64)


class NgramCounts:
    """The n-gram counts of a list of texts (each a list of token ids), order by order."""

    def __init__(self, texts: Sequence[Sequence[int]]) -> None:
        self.lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        self.flat = np.fromiter(
            (i for t in texts for i in t), dtype=np.int64, count=int(self.lengths.sum())
        )
        self.starts = np.cumsum(self.lengths) - self.lengths
        self.owner = np.repeat(np.arange(len(texts), dtype=np.int64), self.lengths)
        self._grams: dict[int, np.ndarray] = {1: self.flat}

    def grams(self, n: int) -> np.ndarray:
        """A dense id for the n-gram starting at each position (-1 where none fits)."""
        got = self._grams.get(n)
        if got is not None:
            return got
        prev = self.grams(n - 1)
        out = np.full(len(self.flat), -1, dtype=np.int64)
        k = len(self.flat) - (n - 1)  # positions with n-1 tokens after them
        if k > 0:
            ok = self.owner[:k] == self.owner[n - 1 :]  # ... all in the same text
            keys = prev[:k][ok] * (int(self.flat.max()) + 1) + self.flat[n - 1 :][ok]
            out[:k][ok] = np.unique(keys, return_inverse=True)[1]
        self._grams[n] = out
        return out

    def table(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per text, its distinct n-grams and their counts, sorted by (text, gram):
        (gram ids, counts, first row of each text, rows of each text)."""
        g = self.grams(n)
        ok = g >= 0
        width = int(g.max()) + 1 if ok.any() else 1
        keys, counts = np.unique(self.owner[ok] * width + g[ok], return_counts=True)
        text = keys // width
        rows = np.bincount(text, minlength=len(self.lengths))
        return keys % width, counts, np.cumsum(rows) - rows, rows


def clipped_hits(counts: NgramCounts, n: int, preds: np.ndarray, refs: np.ndarray) -> np.ndarray:
    """For each pair ``(preds[j], refs[j])`` (indices into the texts): ROUGE-N's hits."""
    grams, freq, first, rows = counts.table(n)
    width = int(grams.max()) + 1 if len(grams) else 1
    pairs = np.arange(len(preds), dtype=np.int64)

    def side(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = _ranges(first[texts], rows[texts])
        return np.repeat(pairs, rows[texts]) * width + grams[idx], freq[idx]

    pred_keys, pred_freq = side(preds)
    ref_keys, ref_freq = side(refs)
    _, i, j = np.intersect1d(pred_keys, ref_keys, assume_unique=True, return_indices=True)
    shared = np.minimum(pred_freq[i], ref_freq[j])
    return np.bincount(pred_keys[i] // width, weights=shared, minlength=len(preds)).astype(np.int64)
