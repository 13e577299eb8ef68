"""Headline checks beside ROUGE: cheap statistics of what a headline looks like.

Per headline (``headline_checks``): its length in words and characters; whether the model's
headline fitted ``max_words`` before post-processing cut it, and fits ``max_chars``; whether
the model wrote one line; whether it ends with a full stop (headlines usually do not);
whether it copies the article's first sentence, or the article's first N words, verbatim;
its novel unigrams and bigrams against the article; and which post-processing edits it
needed (``prefix``, ``lines``, ``quotes``, ``cut``), so a model that ignores the instruction
shows it. Per model (``corpus_headline_checks``): means of the numbers, shares of the flags.
Words are the ``unicode`` tokeniser's, lowercased (any script), as in the data statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from summeval.metrics.datastats import words
from summeval.sentences import split_sentences

DEFAULT_MAX_CHARS = 75
EDITS = ("prefix", "lines", "quotes", "cut")
# Sentence-final full stops of several scripts (Latin, CJK, Devanagari, Urdu); not '...'.
FULL_STOPS = (".", "。", "．", "।", "۔")


def ends_with_full_stop(text: str) -> bool:
    """Whether a text ends with one full stop (an ellipsis is not one)."""
    text = text.rstrip(" \t\"'”’»)")
    return text.endswith(FULL_STOPS) and not text.endswith(("..", "…"))


def _share_novel(pred: list[str], article: list[str], n: int) -> float | None:
    grams = list(zip(*(pred[i:] for i in range(n)), strict=False))
    if not grams:
        return None
    seen = set(zip(*(article[i:] for i in range(n)), strict=False))
    return sum(g not in seen for g in grams) / len(grams)


def headline_checks(
    prediction: str,
    article: str | None,
    edits: Sequence[str] = (),
    max_words: int | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> dict[str, Any]:
    """The checks of one headline; article-based ones are None without the article."""
    toks = words(prediction)
    out: dict[str, Any] = {
        "words": len(toks),
        "chars": len(prediction),
        "within_max_words": "cut" not in edits
        and (max_words is None or len(prediction.split()) <= max_words),
        "within_max_chars": len(prediction) <= max_chars,
        "one_line": "lines" not in edits and "\n" not in prediction,
        "full_stop": ends_with_full_stop(prediction),
        "postprocessed": bool(edits),
        **{f"edit_{e}": e in edits for e in EDITS},
    }
    if article is None:
        out.update(first_sentence=None, lead_words=None, novel_1=None, novel_2=None)
        return out
    art = words(article)
    sentences = split_sentences(article)
    first = words(sentences[0]) if sentences else []
    out["first_sentence"] = bool(toks) and toks == first
    out["lead_words"] = bool(toks) and art[: len(toks)] == toks
    out["novel_1"] = _share_novel(toks, art, 1)
    out["novel_2"] = _share_novel(toks, art, 2)
    return out


def corpus_headline_checks(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means of the numeric checks and shares of the flags, over headlines where defined."""
    out: dict[str, Any] = {"n": len(rows)}
    if not rows:
        return out
    for key in rows[0]:
        vals = [r[key] for r in rows if r.get(key) is not None]
        out[key] = sum(float(v) for v in vals) / len(vals) if vals else None
    return out
