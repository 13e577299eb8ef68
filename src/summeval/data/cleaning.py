"""Text cleaning: whitespace normalisation and removal of exact repeated paragraphs."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
# Line breaks other than \n (NEL, line and paragraph separators) become \n; other control
# characters (NUL, BEL, ESC, DEL, C1) are removed: they break terminals and JSONL readers.
_LINE_BREAKS = re.compile(r"\r\n|[\r\x85\u2028\u2029]")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x84\x86-\x9f]")


def count_controls(text: str) -> int:
    """How many control characters cleaning will remove from a text."""
    return len(CONTROL_CHARS.findall(text))


def remove_controls(text: str) -> str:
    """Other line breaks as \n, control characters (but \n, \t, \f) removed."""
    return CONTROL_CHARS.sub("", _LINE_BREAKS.sub("\n", text))


_PARA_SPLIT = re.compile(r"\n\s*\n|\n")


def normalise_whitespace(text: str) -> str:
    """NFC-normalise, fold runs of spaces/tabs to one space, strip each line, trim blank lines."""
    text = unicodedata.normalize("NFC", remove_controls(text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by line breaks (news scrapes put one per line)."""
    return [p.strip() for p in _PARA_SPLIT.split(text) if p.strip()]


def drop_repeated_paragraphs(paragraphs: list[str]) -> tuple[list[str], int]:
    """Keep the first copy of each paragraph; return the kept ones and how many were dropped."""
    seen: set[str] = set()
    kept: list[str] = []
    for p in paragraphs:
        if p in seen:
            continue
        seen.add(p)
        kept.append(p)
    return kept, len(paragraphs) - len(kept)


def clean_article_text(text: str) -> tuple[str, int]:
    """Normalise whitespace and remove exact repeated paragraphs; paragraphs joined by newlines."""
    paragraphs, removed = drop_repeated_paragraphs(split_paragraphs(normalise_whitespace(text)))
    return "\n".join(paragraphs), removed


def clean_reference(text: str) -> str:
    """References keep their sentence breaks but lose stray whitespace."""
    return normalise_whitespace(text)


def decode_bytes(raw: bytes) -> tuple[str, int]:
    """Decode UTF-8 (with BOM), replacing undecodable bytes; return text and replacements."""
    try:
        return raw.decode("utf-8-sig"), 0
    except UnicodeDecodeError:
        text = raw.decode("utf-8-sig", errors="replace")
        before = raw.decode("utf-8-sig", errors="ignore").count("\ufffd")
        return text, text.count("\ufffd") - before
