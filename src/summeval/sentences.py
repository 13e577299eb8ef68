"""Offline sentence splitting, shared by the lead baseline and ROUGE-Lsum.

The Punkt algorithm with default (untrained) parameters plus a fixed list of English
abbreviations, as nltk's ``PunktSentenceTokenizer`` computes it (``summeval.punkt``, checked
against nltk): no model download (nltk's ``punkt_tab`` data is not needed), deterministic,
the same on every machine and nltk version, and no nltk import. Line breaks always end a
sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache

from summeval.punkt import sentences

SPLITTER_NAME = "punkt-untrained+abbrev"

_ABBREVIATION_TEXT = """
mr mrs ms dr prof st jr sr rev gen col lt sgt capt cmdr gov sen rep pres
inc ltd co corp plc bros no nos vs etc e.g i.e u.s u.k u.n a.m p.m jan feb mar apr
jun jul aug sep sept oct nov dec fig al approx dept est mt ft
"""
ABBREVIATIONS = frozenset(_ABBREVIATION_TEXT.split())
# Sentence-final full stops of several scripts (Latin, CJK, Devanagari, Urdu); not '...'.
FULL_STOPS = (".", "\u3002", "\uff0e", "\u0964", "\u06d4")
_INITIALISM = re.compile(r"\b(?:[^\W\d]\.){2,}$")  # "U.S.": its last period is not a full stop


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; each line is split on its own."""
    if len(text) > 20_000:  # an article: remembering it would hold its text
        return list(_split.__wrapped__(text))
    return list(_split(text))


@lru_cache(maxsize=65_536)  # ROUGE-Lsum and the data statistics split the same outputs
def _split(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if line:
            out.extend(s.strip() for s in sentences(line, ABBREVIATIONS) if s.strip())
    return tuple(out)


def ends_with_full_stop(text: str) -> bool:
    """Whether a text ends with one full stop (an ellipsis is not one)."""
    text = text.rstrip(" \t\"'\u201d\u2019\u00bb)")
    return text.endswith(FULL_STOPS) and not text.endswith(("..", "\u2026"))


def strip_full_stop(text: str) -> str:
    """``text`` without its final full stop; an initialism's ("the U.S.") is kept."""
    stripped = text.rstrip()
    if not ends_with_full_stop(stripped) or not stripped.endswith(FULL_STOPS):
        return text
    if _INITIALISM.search(stripped):
        return text
    return stripped[:-1].rstrip()
