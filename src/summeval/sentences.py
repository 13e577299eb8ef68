"""Offline sentence splitting, shared by the lead baseline and ROUGE-Lsum.

nltk's Punkt algorithm with default (untrained) parameters plus a fixed list of English
abbreviations: no model download (nltk's ``punkt_tab`` data is not needed), deterministic,
and the same on every machine. Line breaks always end a sentence.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

SPLITTER_NAME = "punkt-untrained+abbrev"

_ABBREVIATION_TEXT = """
mr mrs ms dr prof st jr sr rev gen col lt sgt capt cmdr gov sen rep pres
inc ltd co corp plc bros no nos vs etc e.g i.e u.s u.k u.n a.m p.m jan feb mar apr
jun jul aug sep sept oct nov dec fig al approx dept est mt ft
"""
ABBREVIATIONS = frozenset(_ABBREVIATION_TEXT.split())


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer  # 0.2 s: on use

    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; each line is split on its own."""
    tok = _tokenizer()
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if line:
            out.extend(s.strip() for s in tok.tokenize(line) if s.strip())
    return out
