"""ROUGE from sufficient statistics, computed once per article (the design of sacrebleu).

For every (article, reference) pair and measure we keep three integers: hits, reference
length and prediction length (n-gram counts for ROUGE-N, LCS hits and token counts for
ROUGE-L/Lsum). Scores under any multi-reference mode, averages, bootstrap intervals and
paired tests are all derived from them; no text is tokenised twice.

Measures: ``rouge1``..``rouge4``; ``rougeL``, the LCS of the whole prediction against the
whole reference; ``rougeLsum``, the summary-level union LCS over sentences (ROUGE-1.5.5 with
one sentence per line), with hits clipped by unigram counts as ROUGE-1.5.5 does.

Multi-reference modes, per article:

- ``pooled`` (ROUGE-1.5.5 ``-f A``): R = sum(hits) / sum(|ref|), P = sum(hits) / (k * |pred|);
- ``max`` (rouge-score ``score_multi``): the reference with the best F, first on ties;
- ``mean``: precision, recall and F averaged over the references.

F = 2PR / (P + R) per article, then P, R and F are each averaged over articles (ROUGE-1.5.5's
default, sentence-level averaging), so the mean F may lie below both mean P and mean R.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from rapidfuzz.distance import LCSseq

from summeval import __version__
from summeval.languages import segmenter_for, snowball_name
from summeval.metrics.ngram_counts import NgramCounts, TokenIds, clipped_hits
from summeval.metrics.resampling import RESAMPLERS, bootstrap_means, interval
from summeval.metrics.tokenize import SEGMENTERS, STEMMERS, TOKENIZERS, TextTokenizer, Tokens
from summeval.sentences import SPLITTER_NAME, split_sentences

ALL_MEASURES = ("rouge1", "rouge2", "rouge3", "rouge4", "rougeL", "rougeLsum")
DEFAULT_MEASURES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
MULTI_REF_MODES = ("pooled", "max", "mean")
SPLITS = ("sentences", "newline")
PARTS = ("precision", "recall", "fmeasure")
DROPPED_WARN = 0.05

PROFILES: dict[str, dict[str, object]] = {
    # ROUGE-1.5.5 (-m, -f A, one sentence per line for ROUGE-Lsum), its bootstrap.
    "rouge155": {
        "tokenizer": "rouge155",
        "stemmer": "porter155",
        "multi_ref": "pooled",
        "split": "sentences",
        "resampler": "rouge155",
    },
    # rouge-score's RougeScorer(use_stemmer=True): score_multi, ROUGE-Lsum on newlines only.
    "rouge-score": {
        "tokenizer": "rouge-score",
        "stemmer": "nltk",
        "multi_ref": "max",
        "split": "newline",
        "resampler": "numpy",
    },
    # transformers' run_summarization.py: rouge-score with sentences split for ROUGE-Lsum.
    "hf": {
        "tokenizer": "rouge-score",
        "stemmer": "nltk",
        "multi_ref": "max",
        "split": "sentences",
        "resampler": "numpy",
    },
    # XL-Sum's multilingual ROUGE (Hasan et al. 2021): any script, the language's Snowball
    # stemmer where nltk has one, a word segmenter for Chinese/Japanese/Thai. docs/rouge.md
    # lists where it differs from XL-Sum's scorer.
    "multilingual": {
        "tokenizer": "unicode",
        "stemmer": "snowball",
        "multi_ref": "max",
        "split": "newline",
        "resampler": "numpy",
    },
}


@dataclass(frozen=True)
class RougeSettings:
    """Everything that decides a ROUGE number; a profile fills what is not given."""

    profile: str = "rouge155"
    measures: tuple[str, ...] = DEFAULT_MEASURES
    tokenizer: str = "rouge155"
    stem: bool = True
    stemmer: str = "porter155"
    multi_ref: str = "pooled"
    split: str = "sentences"
    stopwords: bool = False
    word_limit: int | None = None
    byte_limit: int | None = None
    confidence: float = 0.95
    resamples: int = 1000
    resampler: str = "rouge155"
    seed: int = 0
    language: str | None = None  # ISO 639 code; drives the Snowball stemmer and segmenter
    segmenter: str = "none"

    def __post_init__(self) -> None:
        checks = {
            "profile": (self.profile, tuple(PROFILES)),
            "tokenizer": (self.tokenizer, TOKENIZERS),
            "stemmer": (self.stemmer, STEMMERS),
            "multi_ref": (self.multi_ref, MULTI_REF_MODES),
            "split": (self.split, SPLITS),
            "resampler": (self.resampler, RESAMPLERS),
            "segmenter": (self.segmenter, SEGMENTERS),
        }
        for key, (value, allowed) in checks.items():
            if value not in allowed:
                raise ValueError(f"{key} must be one of {', '.join(allowed)}, not {value!r}")
        for m in self.measures:
            if m not in ALL_MEASURES:
                raise ValueError(f"unknown ROUGE measure {m!r}; choose from {ALL_MEASURES}")
        for name, limit in (("word", self.word_limit), ("byte", self.byte_limit)):
            if limit is not None and limit < 1:
                raise ValueError(
                    f"the {name} limit must be a whole number >= 1 (0, as in ROUGE-1.5.5, or "
                    f"none means no limit), not {limit}"
                )
        if self.word_limit is not None and self.byte_limit is not None:
            raise ValueError("give a length limit in words or in bytes, not both")
        if not 0 < self.confidence < 1:
            raise ValueError("confidence must be between 0 and 1, e.g. 0.95")
        if self.resamples < 0:
            raise ValueError("resamples must be 0 (no intervals) or more, e.g. 1000")
        if self.stem and self.stemmer == "snowball" and snowball_name(self.language) is None:
            raise ValueError(
                f"nltk has no Snowball stemmer for language {self.language!r}; turn stemming off"
            )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def settings_for(profile: str = "rouge155", **overrides: object) -> RougeSettings:
    """The settings of a profile, with single options (those not None) on top."""
    if profile not in PROFILES:
        raise ValueError(f"unknown ROUGE profile {profile!r}; choose one of {', '.join(PROFILES)}")
    values: dict[str, object] = {"profile": profile, **PROFILES[profile]}
    values.update({k: v for k, v in overrides.items() if v is not None})
    for key in ("word_limit", "byte_limit"):  # ROUGE-1.5.5's -l 0 / -b 0: no limit
        if values.get(key) == 0:
            values[key] = None
    if "measures" in values:
        values["measures"] = tuple(values["measures"])  # type: ignore[arg-type]
    if profile == "multilingual":
        lang = values.get("language")
        if not lang:  # its stemmer and word segmenter depend on it: never assume English
            raise ValueError(
                "the multilingual profile needs the texts' language (its stemmer and word "
                "segmenter depend on it), e.g. fr, zh or en"
            )
        if "segmenter" not in overrides or overrides["segmenter"] is None:
            values["segmenter"] = segmenter_for(str(lang))
        if snowball_name(str(lang)) is None and overrides.get("stem") is not False:
            values["stem"] = False  # no Snowball stemmer for this language: none
    return RougeSettings(**values)  # type: ignore[arg-type]


def settings_from_config(cfg: Any, language: str | None = None) -> RougeSettings:
    """The settings of a ``metrics.rouge`` config section (profile defaults, options on top).

    A non-English ``language`` (``dataset.language``) selects the ``multilingual`` profile
    unless the section names a profile itself.
    """
    profile = cfg.profile
    if language and language.split("-")[0] != "en" and "profile" not in cfg.model_fields_set:
        profile = "multilingual"
    return settings_for(
        profile,
        language=language,
        segmenter=cfg.segmenter,
        measures=tuple(dict.fromkeys(cfg.types)),
        tokenizer=cfg.tokenizer,
        stem=cfg.stem,
        multi_ref=cfg.multi_ref,
        split=cfg.split,
        stopwords=cfg.stopwords,
        word_limit=cfg.word_limit,
        byte_limit=cfg.byte_limit,
        confidence=cfg.confidence,
        resamples=cfg.bootstrap,
        seed=cfg.seed,
    )


def rouge_problem(config: Any) -> tuple[tuple[Any, ...], str] | None:
    """A config check: the ROUGE settings for its dataset language can be built and their
    word segmenter is installed; else (key path, message)."""
    from summeval.metrics.tokenize import SegmenterMissing

    rouge = config.metrics.rouge
    if rouge.profile == "multilingual" and not config.dataset.language:
        return ("dataset", "language"), (
            "metrics.rouge.profile multilingual needs the texts' language; set "
            "dataset.language (e.g. fr, zh, en)"
        )
    try:
        settings = settings_from_config(rouge, config.dataset.language)
        make_tokenizer(settings)
    except (ValueError, SegmenterMissing) as err:
        return ("metrics", "rouge"), str(err)
    return None


def _refs_field(ref_counts: Sequence[int]) -> str:
    lo, hi = (min(ref_counts), max(ref_counts)) if ref_counts else (0, 0)
    return str(lo) if lo == hi else f"{lo}-{hi}"


def signature(settings: RougeSettings, ref_counts: Sequence[int] = ()) -> str:
    """A sacrebleu-style string that names every setting behind a score."""
    s = settings
    split = SPLITTER_NAME if s.split == "sentences" else "newline"
    limit = f"{s.word_limit}w" if s.word_limit else f"{s.byte_limit}b" if s.byte_limit else "no"
    ci = (
        f"{round(100 * s.confidence, 3):g}%/{s.resamples}/{s.resampler}:{s.seed}"
        if s.resamples
        else "none"
    )
    parts = [
        "rouge",
        f"profile:{s.profile}",
        f"refs:{_refs_field(ref_counts)}",
        f"multi:{s.multi_ref}",
        f"stem:{s.stemmer if s.stem else 'no'}",
        f"tok:{s.tokenizer}",
        f"split:{split}",
        f"stop:{'smart' if s.stopwords else 'no'}",
        *([f"lang:{s.language}", f"seg:{s.segmenter}"] if s.language else []),
        f"limit:{limit}",
        "avg:article",
        f"ci:{ci}",
        f"v:summeval-{__version__}",
    ]
    return "|".join(parts)


def text_sentences(text: str, split: str) -> list[str]:
    """The sentences ROUGE-Lsum sees: our offline splitter, or only the existing newlines."""
    if split == "sentences":
        return split_sentences(text)
    return [line for line in text.split("\n") if line]


# --- sufficient statistics -------------------------------------------------------------


def lcs_length(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Length of the longest common subsequence (rapidfuzz's bit-parallel LCS, in C++)."""
    return int(LCSseq.similarity(a, b))


def lcs_positions(ref: Sequence[str], pred: Sequence[str]) -> list[int]:
    """Positions in ``ref`` of one LCS, read back as ROUGE-1.5.5 and rouge-score both do
    (on a tie, step back in ``ref``)."""
    n = len(pred)
    table = [[0] * (n + 1)]
    prev = table[0]
    for x in ref:
        cur = [0]
        for j, y in enumerate(pred):
            if x == y:
                cur.append(prev[j] + 1)
            else:
                up, left = prev[j + 1], cur[j]
                cur.append(up if up >= left else left)
        table.append(cur)
        prev = cur
    i, j = len(ref), n
    out: list[int] = []
    while i > 0 and j > 0:
        if ref[i - 1] == pred[j - 1]:
            i -= 1
            j -= 1
            out.append(i)
        elif table[i][j - 1] > table[i - 1][j]:
            j -= 1
        else:
            i -= 1
    out.reverse()
    return out


def union_lcs_hits(
    ref_sents: Sequence[Sequence[str]],
    pred_sents: Sequence[Sequence[str]],
    ref_tokens: Sequence[str],
    pred_tokens: Sequence[str],
) -> int:
    """Summary-level LCS hits: per reference sentence, the union of its LCS with every
    prediction sentence, each token counted at most as often as it occurs in both texts."""
    if not ref_sents or not pred_sents:
        return 0
    left_ref = Counter(ref_tokens)
    left_pred = Counter(pred_tokens)
    hits = 0
    for r in ref_sents:
        union: set[int] = set()
        for c in pred_sents:
            union.update(lcs_positions(r, c))
        for pos in sorted(union):
            t = r[pos]
            if left_pred[t] > 0 and left_ref[t] > 0:
                hits += 1
                left_pred[t] -= 1
                left_ref[t] -= 1
    return hits


def pair_statistics(
    texts: Sequence[Tokens], preds: np.ndarray, refs: np.ndarray, measures: Sequence[str]
) -> np.ndarray:
    """``(hits, reference length, prediction length)`` for each pair and measure, shape
    (pairs, measures, 3); pair ``j`` is ``texts[preds[j]]`` against ``texts[refs[j]]``."""
    out = np.zeros((len(preds), len(measures), 3), dtype=np.int64)
    if not len(preds):
        return out
    to_ids = TokenIds()
    ids = [to_ids(t.tokens) for t in texts]
    lengths = np.fromiter((len(t) for t in ids), dtype=np.int64, count=len(ids))
    orders = sorted({int(m[5:]) for m in measures if m[5:].isdigit()})
    grams = NgramCounts(ids) if orders else None
    lcs: np.ndarray | None = None
    for k, m in enumerate(measures):
        if m in ("rougeL", "rougeLsum") and lcs is None:
            lcs = np.fromiter(
                (
                    lcs_length(ids[r], ids[p])
                    for p, r in zip(preds.tolist(), refs.tolist(), strict=True)
                ),
                dtype=np.int64,
                count=len(preds),
            )
        if m == "rougeL":
            out[:, k] = np.stack([lcs, lengths[refs], lengths[preds]], axis=1)
        elif m == "rougeLsum":
            out[:, k] = [
                lsum_counts(texts[p], texts[r], int(h))
                for p, r, h in zip(preds.tolist(), refs.tolist(), lcs.tolist(), strict=True)
            ]
        else:
            n = int(m[5:])
            assert grams is not None
            out[:, k, 0] = clipped_hits(grams, n, preds, refs)
            out[:, k, 1] = np.maximum(lengths[refs] - n + 1, 0)
            out[:, k, 2] = np.maximum(lengths[preds] - n + 1, 0)
    return out


def _one_sentence(t: Tokens) -> bool:
    return len(t.sentences) == 1 and t.sentences[0] is t.tokens


def lsum_counts(pred: Tokens, ref: Tokens, lcs: int) -> tuple[int, int, int]:
    """ROUGE-Lsum's (hits, reference length, prediction length); ``lcs`` is the pair's
    whole-text LCS, which is the union LCS when both are a single sentence."""
    p = pred.tokens if pred.lsum_tokens is None else pred.lsum_tokens
    r = ref.tokens if ref.lsum_tokens is None else ref.lsum_tokens
    if _one_sentence(pred) and _one_sentence(ref):
        hits = lcs
    else:
        hits = union_lcs_hits(ref.sentences, pred.sentences, r, p)
    return hits, sum(map(len, ref.sentences)), len(p)


@dataclass
class RougeStats:
    """Sufficient statistics of a corpus: ``counts[pair, measure] = (hits, |ref|, |pred|)``;
    the pairs of article ``i`` are ``offsets[i]:offsets[i+1]``."""

    settings: RougeSettings
    ids: list[str]
    counts: np.ndarray
    offsets: np.ndarray
    letters: int = 0
    dropped: int = 0
    multi_sentence_texts: int = 0  # predictions and references of more than one sentence

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def ref_counts(self) -> list[int]:
        return np.diff(self.offsets).tolist()

    @property
    def signature(self) -> str:
        return signature(self.settings, self.ref_counts)

    @property
    def dropped_share(self) -> float:
        return self.dropped / self.letters if self.letters else 0.0


def make_tokenizer(settings: RougeSettings) -> TextTokenizer:
    """The tokeniser for these settings; reuse it across calls so that texts seen before
    (the same references for every model) are not tokenised again."""
    return TextTokenizer(
        settings.tokenizer,
        settings.stemmer if settings.stem else None,
        settings.stopwords,
        settings.word_limit,
        settings.byte_limit,
        settings.language,
        settings.segmenter,
    )


def compute_stats(
    ids: Sequence[str],
    predictions: Sequence[str],
    references: Sequence[Sequence[str]],
    settings: RougeSettings,
    tokenizer: TextTokenizer | None = None,
) -> RougeStats:
    """Tokenise each text once and count hits for every measure and reference.

    Every article needs at least one reference; the caller leaves out those without.
    """
    tokenizer = tokenizer or make_tokenizer(settings)
    index: dict[str, int] = {}  # each distinct text is tokenised once
    texts: list[Tokens] = []
    seen: list[int] = []  # every text as it occurs: a prediction, then its references

    def text(value: str) -> int:
        i = index.get(value)
        if i is None:
            i = index[value] = len(texts)
            texts.append(tokenizer(text_sentences(value, settings.split), value.split("\n")))
        seen.append(i)
        return i

    preds: list[int] = []
    refs: list[int] = []
    offsets = [0]
    for pred_text, ref_texts in zip(predictions, references, strict=True):
        if not ref_texts:
            raise ValueError("every scored article needs at least one reference")
        p = text(pred_text)
        for ref_text in ref_texts:
            preds.append(p)
            refs.append(text(ref_text))
        offsets.append(len(preds))
    counts = pair_statistics(
        texts, np.asarray(preds, dtype=np.int64), np.asarray(refs, dtype=np.int64),
        settings.measures,
    )  # fmt: skip
    return RougeStats(
        settings,
        list(ids),
        counts,
        np.asarray(offsets, dtype=np.int64),
        letters=sum(texts[i].letters for i in seen),
        dropped=sum(texts[i].dropped for i in seen),
        multi_sentence_texts=sum(len(texts[i].sentences) > 1 for i in seen),
    )


# --- scores from statistics -------------------------------------------------------------


def _prf(hits: np.ndarray, ref_len: np.ndarray, pred_len: np.ndarray) -> np.ndarray:
    """Precision, recall, F1 as rows of a (3, n) array; 0 where a denominator is 0."""
    hits = hits.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(pred_len > 0, hits / np.maximum(pred_len, 1), 0.0)
        r = np.where(ref_len > 0, hits / np.maximum(ref_len, 1), 0.0)
        f = np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1.0), 0.0)
    return np.stack([p, r, f])


def article_scores(stats: RougeStats, multi_ref: str | None = None) -> dict[str, np.ndarray]:
    """Per-article precision, recall and F1 for each measure: ``{measure: (3, n_articles)}``."""
    mode = multi_ref or stats.settings.multi_ref
    starts = stats.offsets[:-1]
    sizes = np.diff(stats.offsets)
    out: dict[str, np.ndarray] = {}
    for k, measure in enumerate(stats.settings.measures):
        c = stats.counts[:, k, :]
        if stats.n == 0:
            out[measure] = np.zeros((3, 0))
        elif mode == "pooled" or (sizes == 1).all():
            sums = np.add.reduceat(c, starts, axis=0) if mode == "pooled" else c
            out[measure] = _prf(sums[:, 0], sums[:, 1], sums[:, 2])
        else:
            per_pair = _prf(c[:, 0], c[:, 1], c[:, 2])
            if mode == "mean":
                out[measure] = np.add.reduceat(per_pair, starts, axis=1) / sizes
            else:  # max: the reference with the highest F, the first one on ties
                best = [
                    s + int(np.argmax(per_pair[2, s : s + z]))
                    for s, z in zip(starts, sizes, strict=True)
                ]
                out[measure] = per_pair[:, best]
    return out


@dataclass
class CorpusScores:
    """Averages with bootstrap intervals, per-article scores, and how they were made."""

    settings: RougeSettings
    signature: str
    ids: list[str]
    per_article: dict[str, np.ndarray]
    aggregate: dict[str, dict[str, float]]
    dropped_share: float
    warnings: list[str]

    @property
    def n(self) -> int:
        return len(self.ids)

    def article(self, i: int) -> dict[str, dict[str, float]]:
        """Scores of the i-th article: ``{measure: {precision, recall, fmeasure}}``."""
        return {
            m: {part: float(v[j, i]) for j, part in enumerate(PARTS)}
            for m, v in self.per_article.items()
        }


def aggregate(
    per_article: dict[str, np.ndarray], settings: RougeSettings
) -> dict[str, dict[str, float | None]]:
    """Mean P/R/F per measure with the bootstrap interval of each (``<part>_low/_high``);
    all measures share one set of resamples. Without articles every value is None; with
    ``resamples`` 0 the interval bounds are."""
    names = list(per_article)
    if not names:
        return {}
    stacked = np.concatenate([per_article[m] for m in names])  # (3 * measures, articles)
    if stacked.shape[1] == 0:  # nothing scored: n/a (None), never a score of 0
        none = {f"{p}{s}": None for p in PARTS for s in ("", "_low", "_high")}
        return {m: dict(none) for m in names}
    means = (
        bootstrap_means(stacked, settings.resamples, settings.resampler, settings.seed)
        if settings.resamples
        else None
    )
    out: dict[str, dict[str, float | None]] = {}
    for i, measure in enumerate(names):
        row: dict[str, float | None] = {}
        for j, part in enumerate(PARTS):
            k = 3 * i + j
            row[part] = float(stacked[k].mean())
            row[f"{part}_low"], row[f"{part}_high"] = (
                interval(means[k], settings.confidence) if means is not None else (None, None)
            )
        out[measure] = row
    return out


def score_corpus(
    ids: Sequence[str],
    predictions: Sequence[str],
    references: Sequence[Sequence[str]],
    settings: RougeSettings,
    tokenizer: TextTokenizer | None = None,
    language_key: str = "dataset.language",
) -> CorpusScores:
    """Score a corpus: statistics once, then per-article scores, means and intervals.
    ``language_key`` is where the caller sets the texts' language (named in warnings)."""
    stats = compute_stats(ids, predictions, references, settings, tokenizer)
    return scores_from_stats(stats, language_key)


def scores_from_stats(stats: RougeStats, language_key: str = "dataset.language") -> CorpusScores:
    settings = stats.settings
    per_article = article_scores(stats)
    warnings: list[str] = []
    share = stats.dropped_share
    if share > DROPPED_WARN:
        warnings.append(
            f"the {settings.tokenizer} tokeniser dropped {100 * share:.1f}% of letters and digits "
            f"(non-ASCII text?); set the texts' language with {language_key} (e.g. fr, zh): "
            "it selects the multilingual profile"
        )
    if (
        "rougeLsum" in settings.measures
        and stats.n
        and stats.multi_sentence_texts == 0
        and settings.split == "newline"
    ):
        warnings.append(
            "no prediction or reference has more than one line, so ROUGE-Lsum equals ROUGE-L "
            "(split: newline); use split: sentences to split sentences first"
        )
    return CorpusScores(
        settings,
        stats.signature,
        stats.ids,
        per_article,
        aggregate(per_article, settings),
        share,
        warnings,
    )
