"""BLEU, chrF (chrF++ with ``word_order: 2``) and TER from sacrebleu, never re-implemented.

Two views of each: the corpus score exactly as sacrebleu computes it, with sacrebleu's own
signature (what headline and MT papers report), and the sentence-level score of every
article (BLEU with ``effective_order``, as sacrebleu recommends for sentences), whose mean,
bootstrap interval and paired tests sit beside ROUGE's. The two differ: corpus BLEU is not
the mean of sentence BLEUs. Scores are stored on a 0-1 scale (sacrebleu's / 100).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

SACRE_METRICS = ("bleu", "chrf", "ter")
LOWER_IS_BETTER = frozenset({"ter"})


def make_metric(name: str, options: dict[str, Any], sentence: bool = False) -> Any:
    """The sacrebleu metric object for ``bleu``, ``chrf`` or ``ter`` with the options."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    if name == "bleu":
        return BLEU(**options, effective_order=sentence)
    if name == "chrf":
        return CHRF(**options)
    return TER(**options)


def reference_streams(refs: Sequence[Sequence[str]]) -> list[list[str | None]]:
    """sacrebleu's layout: one stream per reference position, None where an article has
    fewer references than the most."""
    width = max((len(r) for r in refs), default=0)
    return [[r[k] if k < len(r) else None for r in refs] for k in range(width)]


def signature_of(metric: Any, n_refs: int) -> str:
    """sacrebleu's signature of an evaluated metric. Before any evaluation (no article had a
    reference) sacrebleu cannot know the number of references; it is then the given one,
    set as sacrebleu sets it when it evaluates."""
    if not hasattr(metric, "num_refs"):
        metric.num_refs = n_refs
    return str(metric.get_signature())


def sentence_scores(
    name: str, options: dict[str, Any], preds: Sequence[str], refs: Sequence[Sequence[str]]
) -> tuple[np.ndarray, str]:
    """Per-article sentence scores (0-1) and sacrebleu's signature of the sentence metric."""
    metric = make_metric(name, options, sentence=True)
    pairs = zip(preds, refs, strict=True)
    values = np.array([metric.sentence_score(p, list(r)).score / 100 for p, r in pairs])
    return values, signature_of(metric, 0)


def corpus_score(
    name: str, options: dict[str, Any], preds: Sequence[str], refs: Sequence[Sequence[str]]
) -> tuple[float | None, str]:
    """The corpus score (0-1; None without articles) and sacrebleu's signature of it."""
    metric = make_metric(name, options)
    score = metric.corpus_score(list(preds), reference_streams(refs)).score / 100 if preds else None
    return score, signature_of(metric, 0)
