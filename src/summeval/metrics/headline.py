"""Headline checks beside ROUGE: cheap statistics of what a headline looks like.

Per headline (``headline_checks``): its length in words and characters; whether the model's
headline fitted ``max_words`` before post-processing cut it, and fits ``max_chars``; whether
the model wrote one line; whether it ends with a full stop (headlines usually do not);
whether it copies the article's first sentence, or the article's first N words, verbatim;
its novel unigrams and bigrams against the article; and which post-processing edits it
needed (``prefix``, ``lines``, ``quotes``, ``stop``, ``cut``), so a model that ignores the
instruction shows it; and whether generation stopped at the token budget (``hit_token_limit``,
None for the lead baseline), the usual sign of a headline cut short. Per model
(``corpus_headline_checks``): means of the numbers, shares of the flags. Words are the
``unicode`` tokeniser's, lowercased (any script), as in the data statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from summeval.metrics.datastats import words
from summeval.sentences import ends_with_full_stop, split_sentences

DEFAULT_MAX_CHARS = 75
EDITS = ("prefix", "lines", "quotes", "stop", "cut")


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
    hit_token_limit: bool | None = None,
) -> dict[str, Any]:
    """The checks of one headline; article-based ones are None without the article. The full
    stop is the model's (post-processing removes it: edit ``stop``)."""
    toks = words(prediction)
    out: dict[str, Any] = {
        "words": len(toks),
        "chars": len(prediction),
        "within_max_words": "cut" not in edits
        and (max_words is None or len(prediction.split()) <= max_words),
        "within_max_chars": len(prediction) <= max_chars,
        "one_line": "lines" not in edits and "\n" not in prediction,
        "full_stop": "stop" in edits or ends_with_full_stop(prediction),
        "hit_token_limit": hit_token_limit,
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
