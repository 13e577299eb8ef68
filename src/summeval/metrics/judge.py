"""Reading an LLM judge's answers (G-Eval style, Liu et al. 2023) into 1-5 ratings.

Where the judge model gave the probabilities of the answers "1".."5" as its first token and
they hold at least ``MIN_MASS`` of the probability, the rating is their probability-weighted
mean (G-Eval's score); otherwise it is the first number from 1 to 5 in the answer. An answer
with neither is unparseable: counted, and left out of the means (never read as 0).
"""

from __future__ import annotations

import re

import numpy as np

CHOICES = ("1", "2", "3", "4", "5")
MIN_MASS = 0.5
_NUMBER = re.compile(r"(?<![\d.])([1-5](?:\.\d+)?)(?![\d])")


def parse_rating(text: str) -> float | None:
    """The first number from 1 to 5 in an answer ('4', 'Coherence: 4', '4.5/5'), or None."""
    m = _NUMBER.search(text)
    if m is None:
        return None
    value = float(m.group(1))
    return value if 1.0 <= value <= 5.0 else None


def weighted_rating(probs: dict[str, float] | None) -> float | None:
    """G-Eval's probability-weighted rating, when the choices carry enough probability."""
    if not probs:
        return None
    mass = sum(probs.get(c, 0.0) for c in CHOICES)
    if mass < MIN_MASS:
        return None
    return sum(int(c) * probs.get(c, 0.0) for c in CHOICES) / mass


def rating(text: str, probs: dict[str, float] | None) -> tuple[float | None, str]:
    """The rating of one answer and how it was read: ``weighted``, ``parsed`` or ``none``."""
    weighted = weighted_rating(probs)
    if weighted is not None:
        return weighted, "weighted"
    parsed = parse_rating(text)
    return (parsed, "parsed") if parsed is not None else (None, "none")


def ratings_array(values: list[float | None]) -> np.ndarray:
    """Ratings as floats, NaN where unparseable."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)
