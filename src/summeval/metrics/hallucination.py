"""Entity and number hallucination: the share of an output's named entities and numbers that
do not appear in its article (1 - entity-level precision-source, Nan et al., EACL 2021).

Rule-based (no spaCy English pipeline installs from PyPI under its own publisher here; the
signature says ``ner:rules``):

- numbers: digits with their separators and decimals (``1,200`` = ``1200``), a following
  ``%``/``per cent``/``percent`` or ``million``/``billion``/``thousand``/``trillion`` kept
  as part of the number; an output number is supported if the article has it;
- named entities: runs of capitalised words (``Joe Biden``, ``New York``, ``March``),
  allowing ``of``/``de``/``al`` inside (``Bank of England``); a run's first word at a
  sentence start is dropped when it is a common word (ROUGE-1.5.5's SMART list: ``The``,
  ``It``) or the article or the output also writes it in lower case (``Police``); an entity
  is supported if every word of it occurs in the article, case-insensitive (``Biden`` for
  ``Joe Biden`` in the article).

An output without entities or numbers has no value (NaN: left out of the mean, the interval
and the tests, and counted). Per output: hallucinated / all, 0-1, lower is better.
"""

from __future__ import annotations

import math
import re

from summeval.metrics.tokenize import smart_stopwords

NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
    r"(?:\s*(%|(?:per cent|percent|million|billion|thousand|trillion)\b))?",
    re.IGNORECASE,
)
WORD = re.compile(r"[^\W\d_][\w'’-]*")
CONNECTORS = frozenset({"of", "de", "al", "van", "von", "la", "du"})
SENTENCE_END = re.compile(r"[.!?]['\"”’)]*\s+$")


def numbers(text: str) -> set[str]:
    """Normalised numbers: separators dropped, a unit or multiplier kept with it."""
    out = set()
    for m in NUMBER.finditer(text):
        whole = m.group(1).replace(",", "")
        value = f"{whole}.{m.group(2)}" if m.group(2) else whole
        unit = (m.group(3) or "").lower().replace("per cent", "%").replace("percent", "%")
        out.add(f"{value}{unit}" if unit == "%" else f"{value} {unit}".strip())
    return out


def _sentence_start(text: str, at: int) -> bool:
    before = text[:at]
    return not before.strip() or bool(SENTENCE_END.search(before)) or before.rstrip()[-1:] in '"“'


def entities(text: str, lower_words: set[str]) -> set[str]:
    """Runs of capitalised words; a sentence-initial word that is a common word or is also
    written in lower case (``lower_words``) is not a name."""
    lower_words = lower_words | smart_stopwords()
    out: set[str] = set()
    run: list[str] = []
    pending: list[str] = []  # connectors waiting for the next capitalised word
    last_end = -1

    def close() -> None:
        if run:
            out.add(" ".join(run))
        run.clear()
        pending.clear()

    for m in WORD.finditer(text):
        word, gap = m.group(), text[last_end : m.start()] if last_end >= 0 else ""
        last_end = m.end()
        if run and (gap.strip() or "\n" in gap):
            close()  # punctuation or a line break between words ends a name
        if word[0].isupper():
            if not run and _sentence_start(text, m.start()) and word.lower() in lower_words:
                continue
            run.extend(pending)
            pending.clear()
            run.append(word)
        elif run and word in CONNECTORS:
            pending.append(word)
        else:
            close()
    close()
    return out


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def hallucination(output: str, article: str) -> tuple[float, int, int]:
    """(share of the output's entities and numbers absent from the article, how many were
    absent, how many there were); the share is NaN when there were none."""
    lower = {w for w in WORD.findall(article + " " + output) if w.islower()}
    article_words = _words(article)
    article_numbers = numbers(article)
    found_numbers = numbers(output)
    found_entities = entities(output, lower)
    missing = sum(1 for n in found_numbers if n not in article_numbers)
    missing += sum(
        1 for e in found_entities if not all(w.lower() in article_words for w in WORD.findall(e))
    )
    total = len(found_numbers) + len(found_entities)
    return (missing / total if total else math.nan), missing, total
