"""Punkt sentence boundaries with fixed parameters: nltk's rules, without importing nltk.

A port of the tokenising path of nltk 3.10's ``PunktSentenceTokenizer`` (Kiss and Strunk
2006; ``nltk/tokenize/punkt.py``, Apache-2.0, Copyright (C) 2001-2026 NLTK Project) for the
one case summeval uses: a fixed set of abbreviations and no training, hence no collocations,
no frequent sentence starters and no orthographic statistics, which leaves the decisions
below. Why not nltk itself: ``import nltk`` takes 1-2 s (it imports scipy, scikit-learn
and pandas where they are installed), most of a cached rerun; and nltk has changed its
rules between releases (3.10 added curly quotes and guillemets), which would move ROUGE-Lsum
and the lead baseline with the installed version. ``tests/test_sentences.py`` checks this
port against nltk's tokenizer with the same parameters, sentence for sentence.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Iterable, Iterator

SENT_END_CHARS = (".", "?", "!")
PUNCTUATION = tuple(";:,.!?")  # a sentence never starts with one of these

_SENT_END = "[{}]".format(re.escape("".join(SENT_END_CHARS)))
_NON_WORD = r"(?:[)\";}}\]\*:@\'\({{\[\u2018\u2019\u201c\u201d\xab\xbb{}])".format(
    re.escape("".join(sorted(set(SENT_END_CHARS) - {"."})))
)
_MULTI_CHAR = r"(?:\-{2,}|\.{2,}|(?:\.\s){2,}\.)"
_WORD_START = r"[^\(\"\`{\[:;&\#\*@\)}\]\-,]"

# Words, with punctuation other than periods split off (nltk's ``_word_tokenize_fmt``).
WORD_RE = re.compile(
    rf"""(
        {_MULTI_CHAR}
        |
        (?={_WORD_START})\S+?
        (?=
            \s|
            $|
            {_NON_WORD}|{_MULTI_CHAR}|
            ,(?=$|\s|{_NON_WORD}|{_MULTI_CHAR})
        )
        |
        \S
    )""",
    re.UNICODE | re.VERBOSE,
)
# A possible sentence end and what follows it (nltk's ``_period_context_fmt``).
PERIOD_CONTEXT_RE = re.compile(
    rf"""
    {_SENT_END}
    (?=(?P<after_tok>
        {_NON_WORD}
        |
        \s+(?P<next_tok>\S+)
    ))""",
    re.UNICODE | re.VERBOSE,
)
# Closing punctuation after a sentence end belongs to that sentence: "(Sent1.) Sent2."
BOUNDARY_REALIGNMENT = re.compile(
    r'["\')\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:\s+|(?=--)|$)', re.MULTILINE
)
_ELLIPSIS = re.compile(r"\.\.+$")
_NUMERIC = re.compile(r"^-?[\.,]?\d[\d,\.-]*\.?$")
_INITIAL = re.compile(r"[^\W\d]\.$", re.UNICODE)


class _Token:
    """A word token and the two decisions Punkt makes about it."""

    __slots__ = ("abbr", "sentbreak", "tok", "type")

    def __init__(self, tok: str) -> None:
        self.tok = tok
        self.type = _NUMERIC.sub("##number##", tok.lower())
        self.sentbreak = False
        self.abbr = False

    @property
    def type_no_period(self) -> str:
        return self.type[:-1] if len(self.type) > 1 and self.type[-1] == "." else self.type


def _words(text: str) -> Iterator[_Token]:
    """The word tokens of each non-blank line."""
    for line in text.split("\n"):
        if line.strip():
            yield from (_Token(t) for t in WORD_RE.findall(line))


def _first_pass(tok: _Token, abbreviations: frozenset[str]) -> None:
    """By the token alone: '.', '?', '!' and other period-final words (not known
    abbreviations) end a sentence; an ellipsis does not."""
    text = tok.tok
    if text in SENT_END_CHARS:
        tok.sentbreak = True
    elif _ELLIPSIS.match(text):
        return
    elif text.endswith(".") and not text.endswith(".."):
        stem = text[:-1].lower()
        if stem in abbreviations or stem.split("-")[-1] in abbreviations:
            tok.abbr = True
        else:
            tok.sentbreak = True


def _second_pass(tok: _Token, nxt: _Token) -> None:
    """By the next token: an initial ("J.") or an ordinal ("5.") followed by punctuation or a
    lowercase word, or an initial followed by a capitalised word, ends no sentence. (With no
    orthographic statistics, the other rules of Punkt's second pass never fire.)"""
    if not tok.tok.endswith("."):
        return
    initial = bool(_INITIAL.match(tok.tok))
    if not (initial or tok.type_no_period == "##number##"):
        return
    not_a_starter = nxt.tok in PUNCTUATION or nxt.tok[0].islower()
    if not_a_starter or (initial and nxt.tok[0].isupper()):
        tok.sentbreak = False
        tok.abbr = True


def contains_sentbreak(text: str, abbreviations: frozenset[str]) -> bool:
    """Whether a sentence ends inside ``text`` before its last token."""
    tokens = list(_words(text))
    for tok in tokens:
        _first_pass(tok, abbreviations)
    for tok, nxt in itertools.pairwise(tokens):
        _second_pass(tok, nxt)
    return any(tok.sentbreak for tok in tokens[:-1])


def _last_whitespace(text: str) -> int:
    """Index of the last ASCII whitespace character, 0 if none (as nltk)."""
    return max(0, *(text.rfind(c) for c in string.whitespace))


def _end_contexts(text: str) -> Iterator[tuple[re.Match[str], str]]:
    """Each possible sentence end with its context: the word before it, the end itself and
    what follows; overlapping candidates keep the last (nltk's
    ``_match_potential_end_contexts``)."""
    prev_slice = slice(0, 0)
    prev_match: re.Match[str] | None = None
    for match in PERIOD_CONTEXT_RE.finditer(text):
        before = text[prev_slice.stop : match.start()]
        start = _last_whitespace(before)
        start = start + prev_slice.stop + 1 if start else prev_slice.start
        word = slice(start, match.start())
        if prev_match and prev_slice.stop <= word.start:
            yield prev_match, text[prev_slice] + prev_match.group() + prev_match["after_tok"]
        prev_match, prev_slice = match, word
    if prev_match:
        yield prev_match, text[prev_slice] + prev_match.group() + prev_match["after_tok"]


def _slices(text: str, abbreviations: frozenset[str]) -> Iterator[slice]:
    last = 0
    for match, context in _end_contexts(text):
        if contains_sentbreak(context, abbreviations):
            yield slice(last, match.end())
            last = match.start("next_tok") if match["next_tok"] else match.end()
    yield slice(last, len(text.rstrip()))


def _realign(text: str, slices: Iterable[slice]) -> Iterator[slice]:
    """Move closing quotes and brackets after a sentence end into that sentence."""
    items = list(slices)
    realign = 0
    for i, first in enumerate(items):
        first = slice(first.start + realign, first.stop)
        if i + 1 == len(items):
            if text[first]:
                yield first
            continue
        second = items[i + 1]
        m = BOUNDARY_REALIGNMENT.match(text[second])
        if m:
            yield slice(first.start, second.start + len(m.group(0).rstrip()))
            realign = m.end()
        else:
            realign = 0
            if text[first]:
                yield first


def sentences(text: str, abbreviations: frozenset[str]) -> list[str]:
    """The sentences of ``text``, as nltk's ``PunktSentenceTokenizer(params).tokenize(text)``
    with ``params.abbrev_types = abbreviations`` (lowercase, without their final period)."""
    return [text[s] for s in _realign(text, _slices(text, abbreviations))]
