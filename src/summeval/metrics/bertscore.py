"""BERTScore (Zhang et al., ICLR 2020) from token embeddings, and embedding similarity.

Both work on embeddings computed elsewhere (``summeval.encoders``), so this module needs
numpy only. BERTScore, as the ``bert-score`` package computes it:

- each text's token embeddings (special tokens included) are L2-normalised;
- precision: every prediction token takes its best cosine against the reference's tokens;
  recall: every reference token its best cosine against the prediction's; each is a weighted
  mean, weights = idf of the token (``idf``) or 1, with ``[CLS]``/``[SEP]`` weighted 0;
- F = 2PR / (P + R) (0 where undefined); an empty text (special tokens only) gets P = R = 0;
- several references: P, R and F are each the maximum over the references;
- rescaling with a baseline b (per P, R, F): (x - b) / (1 - b).

idf(w) = log((M + 1) / (df(w) + 1)) over the M references of the corpus, unseen tokens
log(M + 1). Embedding similarity: cosine of the two texts' sentence embeddings, maximum over
references.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TokenEmbeddings:
    """One text as the encoder saw it: token ids and their embeddings (tokens x dim)."""

    ids: np.ndarray
    vectors: np.ndarray


def idf_weights(references: Sequence[Sequence[int]]) -> tuple[dict[int, float], float]:
    """idf of each token id over the reference texts, and the weight of unseen ids."""
    counts: Counter[int] = Counter()
    for ids in references:
        counts.update(set(int(i) for i in ids))
    m = len(references)
    return {i: math.log((m + 1) / (c + 1)) for i, c in counts.items()}, math.log(m + 1)


def _weights(
    ids: np.ndarray, idf: tuple[dict[int, float], float] | None, special: set[int]
) -> np.ndarray:
    if idf is None:
        w = np.ones(len(ids), dtype=np.float32)
    else:
        table, unseen = idf
        w = np.array([table.get(int(i), unseen) for i in ids], dtype=np.float32)
    for k, i in enumerate(ids):
        if int(i) in special:
            w[k] = 0.0
    return w


def _normalised(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def pair_prf(
    pred: TokenEmbeddings,
    ref: TokenEmbeddings,
    idf: tuple[dict[int, float], float] | None,
    special: set[int],
) -> tuple[float, float, float]:
    """BERTScore P, R, F of one prediction against one reference."""
    p = _normalised(pred.vectors.astype(np.float32))
    r = _normalised(ref.vectors.astype(np.float32))
    sim = p @ r.T
    wp = _weights(pred.ids, idf, special)
    wr = _weights(ref.ids, idf, special)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = float((sim.max(axis=1) * (wp / wp.sum())).sum())
        recall = float((sim.max(axis=0) * (wr / wr.sum())).sum())
    if len(pred.ids) <= 2:  # special tokens only: an empty prediction
        precision = recall = 0.0
    if len(ref.ids) <= 2:
        precision = recall = 0.0
    precision = 0.0 if math.isnan(precision) else precision
    recall = 0.0 if math.isnan(recall) else recall
    f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f


def bertscore(
    preds: Sequence[TokenEmbeddings],
    refs: Sequence[Sequence[TokenEmbeddings]],
    special: set[int],
    idf: tuple[dict[int, float], float] | None = None,
    baseline: Sequence[float] | None = None,
) -> np.ndarray:
    """Per article (rows) BERTScore P, R, F (columns): the maximum of each over the
    article's references, rescaled when a baseline is given."""
    out = np.zeros((len(preds), 3))
    for i, (pred, group) in enumerate(zip(preds, refs, strict=True)):
        scores = np.array([pair_prf(pred, ref, idf, special) for ref in group])
        out[i] = scores.max(axis=0) if len(scores) else np.nan
    if baseline is not None:
        b = np.asarray(baseline, dtype=float)
        out = (out - b) / (1 - b)
    return out


def embedding_similarity(pred: np.ndarray, refs: Sequence[np.ndarray]) -> np.ndarray:
    """Per article, the best cosine between the prediction's sentence embedding (rows of
    ``pred``) and the embeddings of its references."""
    out = np.zeros(len(pred))
    for i, (p, group) in enumerate(zip(pred, refs, strict=True)):
        g = np.atleast_2d(group)
        cos = _normalised(g) @ _normalised(p)
        out[i] = float(cos.max()) if len(g) else np.nan
    return out


def aggregate(
    per_article: dict[str, np.ndarray],
    resamples: int = 1000,
    resampler: str = "numpy",
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, float]:
    """Mean of each part over articles, with its bootstrap interval (``part_low``/``_high``),
    through the same resampling as ROUGE."""
    from summeval.metrics.resampling import bootstrap_means, interval

    parts = list(per_article)
    stacked = np.vstack([per_article[p] for p in parts])
    out: dict[str, float] = {}
    if stacked.shape[1] == 0:
        return {p: float("nan") for p in parts}
    means = bootstrap_means(stacked, resamples, resampler, seed)
    for k, part in enumerate(parts):
        out[part] = float(stacked[k].mean())
        out[f"{part}_low"], out[f"{part}_high"] = interval(means[k], confidence)
    return out
