"""Paired significance tests between models scored on the same articles.

Each model's per-article ROUGE F1 is paired with another model's on the article ids both
have; the tests (paired bootstrap and approximate randomisation, see ``resampling``) take
those pairs only, so models scored on different article sets are never mixed silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from summeval.metrics.resampling import approximate_randomization, paired_bootstrap

ALPHA = 0.05


@dataclass
class ModelScores:
    """One model's per-article F1 per measure, with the article ids they belong to."""

    ids: Sequence[str]
    fmeasure: dict[str, np.ndarray]


def paired_test(
    system: ModelScores,
    baseline: ModelScores,
    *,
    bootstrap: int = 1000,
    permutations: int = 10_000,
    resampler: str = "rouge155",
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Per measure: mean F1 difference (system - baseline) on shared articles and p-values."""
    where = {a: i for i, a in enumerate(baseline.ids)}
    pairs = [(i, where[a]) for i, a in enumerate(system.ids) if a in where]
    si = np.array([p[0] for p in pairs], dtype=np.int64)
    bi = np.array([p[1] for p in pairs], dtype=np.int64)
    out: dict[str, dict[str, Any]] = {}
    for measure, values in system.fmeasure.items():
        if measure not in baseline.fmeasure:
            continue
        a, b = values[si], baseline.fmeasure[measure][bi]
        p_boot = paired_bootstrap(a, b, bootstrap, resampler, seed)
        p_ar = approximate_randomization(a, b, permutations, seed)
        delta = float((a - b).mean()) if len(a) else 0.0
        out[measure] = {
            "n": len(pairs),
            "delta": delta,
            "paired_bootstrap_p": p_boot,
            "approximate_randomization_p": p_ar,
            "significant": bool(len(a) and max(p_boot, p_ar) < ALPHA),
        }
    return out


def compare_models(
    models: dict[str, ModelScores],
    baseline: str,
    *,
    all_pairs: bool = False,
    **options: Any,
) -> list[dict[str, Any]]:
    """Tests of every model against ``baseline`` (or of every pair), one entry per pair."""
    names = list(models)
    if all_pairs:
        pairs = [(a, b) for i, b in enumerate(names) for a in names[i + 1 :]]
    else:
        pairs = [(a, baseline) for a in names if a != baseline] if baseline in models else []
    return [
        {"system": a, "baseline": b, "measures": paired_test(models[a], models[b], **options)}
        for a, b in pairs
    ]


def merge_tests(into: list[dict[str, Any]], more: list[dict[str, Any]]) -> None:
    """Add ``more`` tests' measures to the entries of ``into`` for the same pair (or add the
    pair), so measures tested on different article sets appear as one list."""
    by_pair = {(t["system"], t["baseline"]): t for t in into}
    for t in more:
        key = (t["system"], t["baseline"])
        if key in by_pair:
            by_pair[key]["measures"].update(t["measures"])
        else:
            into.append(t)
            by_pair[key] = t
