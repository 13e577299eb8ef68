"""Text -> ROUGE tokens: length limits, tokenisers, stopwords and stemmers.

Three tokenisers, each a function from one line of text to its tokens:

- ``rouge155``: ROUGE-1.5.5's. ASCII-lowercase, ``-`` becomes `` - ``, every other character
  outside ``[A-Za-z0-9-]`` becomes a space; then only tokens starting with ``[a-z0-9$]`` count,
  so a hyphen separates words but is never a token itself.
- ``rouge-score``: rouge-score 0.1.2's. Unicode-lowercase, every run outside ``[a-z0-9]``
  becomes a space (hyphens join nothing and count for nothing).
- ``unicode``: for other languages. Lowercase; a token is a run of letters, marks and digits
  in any script, and each Chinese/Japanese character is a token of its own.

Stemmers (words over 3 characters only, as ROUGE-1.5.5, rouge-score and XL-Sum's scorer do):
``porter155`` (ROUGE-1.5.5's Porter, see ``porter155``), ``nltk`` (nltk's PorterStemmer,
which rouge-score uses, vendored in ``porter_nltk``) and ``snowball`` (nltk's Snowball
stemmer for the text's language).

Word segmenters, for scripts written without spaces (used with the ``unicode`` tokeniser):
``jieba`` (Chinese), ``fugashi`` (Japanese, MeCab with UniDic-lite) and ``pythainlp``
(Thai, ``newmm``), the ones XL-Sum's multilingual ROUGE uses. Punctuation becomes a space
before segmenting, as there; the segments' letters, marks and digits are the tokens.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import regex

TOKENIZERS = ("rouge155", "rouge-score", "unicode")
STEMMERS = ("porter155", "nltk", "snowball")
SEGMENTERS = ("none", "jieba", "fugashi", "pythainlp")

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_R155_DROP = re.compile(r"[^A-Za-z0-9\-]")
_R155_START = re.compile(r"[a-z0-9$]")
_RS_DROP = re.compile(r"[^a-z0-9]+")
_UNICODE_TOKEN = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}]|[[\p{L}\p{M}\p{N}]--[\p{Han}\p{Hiragana}\p{Katakana}]]+",
    regex.V1,
)
_ALNUM = re.compile(r"[^\W_]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_ASCII_NOT_ALNUM = str.maketrans(
    "", "", "".join(chr(c) for c in range(128) if not chr(c).isalnum())
)
_WORD_RUN = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_NOT_WORD = regex.compile(r"[^\p{L}\p{M}\p{N}]+")


def tokenize_rouge155(line: str) -> list[str]:
    text = _R155_DROP.sub(" ", line.replace("-", " - "))
    return [t for t in text.split() if _R155_START.match(t)]


def tokenize_rouge_score(line: str) -> list[str]:
    return _RS_DROP.sub(" ", line).split()


def tokenize_unicode(line: str) -> list[str]:
    if line.isascii():  # the same tokens: ASCII letters and digits are all \p{L} and \p{N}
        return _ASCII_WORD.findall(line)
    return _UNICODE_TOKEN.findall(line)


def count_letters_and_digits(text: str) -> int:
    """How many letters and digits (in any script) a text has."""
    if text.isascii():
        return len(text.translate(_ASCII_NOT_ALNUM))
    return len(_ALNUM.findall(text))


def letters_and_digits(tokens: list[str]) -> int:
    """Letters and digits in tokens (the rouge155 and rouge-score tokenisers' tokens are
    nothing else, so their lengths are the count; the unicode ones may hold marks)."""
    return sum(map(count_letters_and_digits, tokens))


def lowercase(text: str, tokenizer: str) -> str:
    """ROUGE-1.5.5 lowercases ASCII only (``tr/A-Z/a-z/``); the others use ``str.lower``."""
    return text.translate(_ASCII_LOWER) if tokenizer == "rouge155" else text.lower()


_TOKENIZE: dict[str, Callable[[str], list[str]]] = {
    "rouge155": tokenize_rouge155,
    "rouge-score": tokenize_rouge_score,
    "unicode": tokenize_unicode,
}


@lru_cache(maxsize=1)
def smart_stopwords() -> frozenset[str]:
    """ROUGE-1.5.5's stopwords for ``-s``: ``smart_common_words.txt``, 596 distinct words."""
    text = resources.files("summeval.metrics").joinpath("data/smart_common_words.txt")
    return frozenset(text.read_text(encoding="ascii").split())


def _segmenter(name: str) -> Callable[[str], list[str]]:
    """A word segmenter: text -> words (loaded on first use; a missing package is named)."""
    try:
        if name == "jieba":
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            return jieba.lcut
        if name == "fugashi":
            from fugashi import Tagger

            tagger = Tagger("-O wakati -b 50000")
            return lambda text: tagger.parse(text).split()
        if name == "pythainlp":
            from pythainlp.tokenize import word_tokenize

            return lambda text: word_tokenize(text, engine="newmm")
    except ImportError as err:
        raise SegmenterMissing(name, err) from None
    raise ValueError(f"unknown segmenter {name!r}; choose one of {', '.join(SEGMENTERS)}")


class SegmenterMissing(ImportError):
    """A word segmenter's package is not installed."""

    def __init__(self, name: str, err: ImportError) -> None:
        package = {"fugashi": "fugashi unidic-lite"}.get(name, name)
        super().__init__(
            f"the {name} word segmenter is not installed ({err}); pip install {package} "
            "(or pip install 'summeval[multilingual]')"
        )


def segmented(segment: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    """The ``unicode`` tokeniser after a word segmenter: punctuation becomes a space, the
    segmenter splits the rest into words, each word's letters/marks/digits are tokens."""

    def split(line: str) -> list[str]:
        text = _NOT_WORD.sub(" ", line).strip()
        if not text:
            return []
        return [t for word in segment(text) for t in _WORD_RUN.findall(word)]

    return split


def _stemmer(name: str | None, language: str | None = None) -> Callable[[str], str] | None:
    if name is None:
        return None
    if name == "snowball":
        from nltk.stem.snowball import SnowballStemmer

        from summeval.languages import snowball_name

        lang = snowball_name(language)
        if lang is None:
            raise ValueError(f"nltk has no Snowball stemmer for language {language!r}")
        return lru_cache(maxsize=200_000)(SnowballStemmer(lang).stem)
    if name == "porter155":
        from summeval.metrics.porter155 import stem

        return stem
    if name == "nltk":  # nltk's own code, vendored: importing nltk takes seconds
        from summeval.metrics.porter_nltk import FastPorterStemmer

        return lru_cache(maxsize=200_000)(FastPorterStemmer().stem)
    raise ValueError(f"unknown stemmer {name!r}; choose one of {', '.join(STEMMERS)}")


def limit_words(lines: list[str], limit: int) -> list[str]:
    """The first ``limit`` whitespace-separated words, kept line by line (ROUGE-1.5.5 ``-l``)."""
    out: list[str] = []
    used = 0
    for line in lines:
        words = line.split()
        if used + len(words) < limit:
            out.append(line)
            used += len(words)
        else:
            out.append(" ".join(words[: limit - used]))
            break
    return out


def _cut_bytes(line: str, n: int) -> str:
    return line.encode("utf-8")[:n].decode("utf-8", errors="ignore")


def limit_bytes(lines: list[str], limit: int) -> list[str]:
    """The first ``limit`` bytes of the lines, not counting the spaces that join them (``-b``)."""
    out: list[str] = []
    used = 0
    for line in lines:
        size = len(line.encode("utf-8"))
        if used + size < limit:
            out.append(line)
            used += size
        else:
            out.append(_cut_bytes(line, limit - used))
            break
    return out


def limit_bytes_per_line_rouge155(lines: list[str], limit: int) -> list[str]:
    """ROUGE-1.5.5's byte limit for ROUGE-L (``readText_LCS``): its running total never grows,
    so every line under ``limit`` bytes is kept whole, up to the first longer line, cut."""
    out: list[str] = []
    for line in lines:
        if len(line.encode("utf-8")) < limit:
            out.append(line)
        else:
            out.append(_cut_bytes(line, limit))
            break
    return out


@dataclass(frozen=True)
class Tokens:
    """One text, tokenised: all tokens (for n-grams) and tokens per sentence (for ROUGE-Lsum)."""

    tokens: list[str]
    sentences: list[list[str]]
    letters: int  # letters and digits in the text
    dropped: int  # ... of which the tokeniser dropped
    # ROUGE-Lsum's own token list for clipping hits, where a byte limit cut it differently
    lsum_tokens: list[str] | None = None


class TextTokenizer:
    """Turns a text, given as its sentences, into ROUGE tokens under one set of options."""

    def __init__(
        self,
        tokenizer: str = "rouge155",
        stemmer: str | None = "porter155",
        stopwords: bool = False,
        word_limit: int | None = None,
        byte_limit: int | None = None,
        language: str | None = None,
        segmenter: str = "none",
    ) -> None:
        if tokenizer not in _TOKENIZE:
            raise ValueError(f"unknown tokenizer {tokenizer!r}; choose one of {TOKENIZERS}")
        self.tokenizer = tokenizer
        self._split = _TOKENIZE[tokenizer]
        if segmenter != "none":
            self._split = segmented(_segmenter(segmenter))
        # rouge155's and rouge-score's tokens are [a-z0-9]+: their lengths count letters
        self._ascii_tokens = tokenizer != "unicode" and segmenter == "none"
        self._stem = _stemmer(stemmer, language)
        self._stop = smart_stopwords() if stopwords else frozenset()
        self.word_limit = word_limit
        self.byte_limit = byte_limit
        self._cache: dict[str, tuple[list[str], int]] = {}

    def _line_tokens(self, line: str) -> tuple[list[str], int]:
        """Tokens of one lowercased line (split, stopwords dropped, long words stemmed), and
        how many letters and digits the split kept."""
        cached = self._cache.get(line)
        if cached is not None:
            return cached
        raw = self._split(line)
        kept = sum(map(len, raw)) if self._ascii_tokens else letters_and_digits(raw)
        stop, stem = self._stop, self._stem
        if stop:
            raw = [t for t in raw if t not in stop]
        if stem is not None:
            raw = [stem(t) if len(t) > 3 else t for t in raw]
        if len(self._cache) < 100_000:
            self._cache[line] = (raw, kept)
        return raw, kept

    def __call__(self, sentences: list[str], given: list[str] | None = None) -> Tokens:
        """Tokenise each sentence once; the text's tokens are their concatenation (every
        tokeniser here splits at spaces, and the sentences are joined with spaces).

        ``given`` is the text's own lines, before sentence splitting. ROUGE-1.5.5 applies a
        byte limit to the text as given to it: n-grams and ROUGE-L count the bytes of those
        lines (the spaces inside a line count, the line breaks do not); ROUGE-Lsum is given one
        sentence a line, so its cut counts each sentence's bytes, and its LCS lines follow
        ``readText_LCS``'s own rule. Word limits cut the same words either way.
        """
        lines = [lowercase(s, self.tokenizer) for s in sentences]
        lsum_lines = lsum_clip = None
        if self.word_limit is not None:
            lines = limit_words(lines, self.word_limit)
        elif self.byte_limit is not None:
            limit = self.byte_limit
            lsum_clip = limit_bytes(lines, limit)
            if self.tokenizer == "rouge155":  # ROUGE-1.5.5 cuts ROUGE-L's text its own way
                lsum_lines = limit_bytes_per_line_rouge155(lines, limit)
            else:
                lsum_lines = lsum_clip
            if given is not None:
                own = [lowercase(g.strip(), self.tokenizer) for g in given if g.strip()]
                lines = limit_bytes(own, limit)
            else:
                lines = lsum_clip
        per_line = [self._line_tokens(line) for line in lines]
        tokens = [t for toks, _ in per_line for t in toks]
        lsum_tokens = None
        if lsum_lines is not None and lsum_clip is not None:
            sents = [self._line_tokens(line)[0] for line in lsum_lines]
            lsum_tokens = [t for line in lsum_clip for t in self._line_tokens(line)[0]]
        elif len(per_line) == 1:
            sents = [tokens]  # the same list: ROUGE-Lsum then reuses ROUGE-L's LCS
        else:
            sents = [toks for toks, _ in per_line]
        # A length limit cuts text on purpose: only what the tokeniser drops counts.
        letters = sum(map(count_letters_and_digits, lines))
        kept = sum(k for _, k in per_line)
        return Tokens(tokens, sents, letters, max(letters - kept, 0), lsum_tokens)
