"""Metrics beside ROUGE that need a model: BERTScore and embedding similarity.

Each scorer turns predictions and their references into per-article scores (the parts of the
metric, e.g. P/R/F) and a signature; means, intervals and paired tests then come from the
same machinery as ROUGE. Encoders load on first use; reference embeddings are kept for the
run, so every model's predictions are compared with references encoded once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from summeval import __version__
from summeval.encoders import SentenceEncoder, TokenEncoder
from summeval.errors import ConfigError
from summeval.metrics.bertscore import (
    TokenEmbeddings,
    bertscore,
    embedding_similarity,
    idf_weights,
)
from summeval.metrics.hallucination import hallucination
from summeval.metrics.sacre import SACRE_METRICS, corpus_score, sentence_scores
from summeval.metrics.summac import (
    MAX_ARTICLE_CHUNKS,
    MIN_CHUNK_CHARS,
    ConvWeights,
    chunks,
    conv_score,
    image_from,
    pairs,
    zs_score,
)
from summeval.nli import NLIModel
from summeval.plugins import METRIC_GROUP, load_plugin
from summeval.sentences import SPLITTER_NAME, split_sentences

PARTS = {"bertscore": ("precision", "recall", "fmeasure"), "embedding": ("fmeasure",)}


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


@dataclass
class BertScoreScorer:
    """BERTScore P/R/F per article, max over references (``metrics.bertscore``)."""

    cfg: Any
    name: str = "bertscore"
    encoder: TokenEncoder = field(init=False)
    _refs: dict[str, TokenEmbeddings] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.encoder = TokenEncoder(self.cfg.model, self.cfg.layer, self.cfg.batch_size)

    def check(self) -> None:
        self.encoder.check()

    def signature(self, refs: int) -> str:
        c = self.cfg
        rescale = "no" if c.baseline is None else "/".join(f"{b:g}" for b in c.baseline)
        return "|".join(
            [
                "bertscore",
                f"model:{self.encoder.name}",
                f"layer:{self.encoder.layer}",
                f"idf:{'refs' if c.idf else 'no'}",
                f"rescale:{rescale}",
                f"refs:{refs}",
                "multi:max",
                f"v:summeval-{__version__}",
                f"transformers-{_version('transformers')}",
            ]
        )

    def _encode_refs(self, texts: list[str]) -> None:
        new = list(dict.fromkeys(t for t in texts if t not in self._refs))
        for text, emb in zip(new, self.encoder.encode(new), strict=True):
            self._refs[text] = emb

    def score(
        self, preds: Sequence[str], refs: Sequence[Sequence[str]], task_refs: Sequence[str]
    ) -> tuple[dict[str, np.ndarray], str]:
        self.encoder.load()
        self._encode_refs([r for group in refs for r in group])
        pred_emb = self.encoder.encode(list(preds))
        ref_emb = [[self._refs[r] for r in group] for group in refs]
        idf = idf_weights([self.encoder.ids(r) for r in task_refs]) if self.cfg.idf else None
        prf = bertscore(pred_emb, ref_emb, self.encoder.special_ids, idf, self.cfg.baseline)
        n_refs = max((len(g) for g in refs), default=0)
        per_article = {p: prf[:, k] for k, p in enumerate(PARTS["bertscore"])}
        return per_article, self.signature(n_refs)


@dataclass
class EmbeddingScorer:
    """Cosine of sentence embeddings per article, max over references."""

    cfg: Any
    name: str = "embedding"
    encoder: SentenceEncoder = field(init=False)
    _refs: dict[str, np.ndarray] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.encoder = SentenceEncoder(self.cfg.model, self.cfg.batch_size)

    def check(self) -> None:
        self.encoder.check()

    def score(
        self, preds: Sequence[str], refs: Sequence[Sequence[str]], task_refs: Sequence[str]
    ) -> tuple[dict[str, np.ndarray], str]:
        new = list(dict.fromkeys(r for g in refs for r in g if r not in self._refs))
        if new:
            for text, v in zip(new, self.encoder.encode(new), strict=True):
                self._refs[text] = v
        pred = self.encoder.encode(list(preds)) if preds else np.zeros((0, 1))
        cos = embedding_similarity(pred, [np.array([self._refs[r] for r in g]) for g in refs])
        sig = "|".join(
            [
                "embedding",
                f"model:{self.encoder.name}",
                "pool:sentence-transformers",
                "sim:cos",
                f"refs:{max((len(g) for g in refs), default=0)}",
                "multi:max",
                f"v:summeval-{__version__}",
                f"sentence-transformers-{_version('sentence-transformers')}",
            ]
        )
        return {"fmeasure": cos}, sig


@dataclass
class PluginScorer:
    """A metric an installed package adds, under the name the config gives it. Its
    ``score`` returns per-article values by part (``fmeasure`` is the one tables, intervals
    and paired tests use) and a signature."""

    name: str
    impl: Any

    def score(
        self, preds: Sequence[str], refs: Sequence[Sequence[str]], task_refs: Sequence[str]
    ) -> tuple[dict[str, np.ndarray], str]:
        values, sig = self.impl.score(list(preds), [list(g) for g in refs], list(task_refs))
        if "fmeasure" not in values:
            raise ConfigError(
                f"plugin metric '{self.name}' returned no 'fmeasure' values",
                where=f"metrics.{self.name}",
                hint="its score() must return {'fmeasure': per-article values, ...}",
            )
        return {p: np.asarray(v, dtype=float) for p, v in values.items()}, str(sig)


@dataclass
class SummaCScorer:
    """SummaC-ZS and -Conv of each output against its article (``metrics.summac``): the
    NLI image of every article chunk x output chunk, then the scores of
    ``summeval.metrics.summac``. Source-based: it never reads the references."""

    cfg: Any
    nli: NLIModel = field(init=False)
    weights: ConvWeights | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        c = self.cfg
        self.nli = NLIModel(c.model, c.batch_size, c.device, c.max_length,
                            c.entailment_index, c.contradiction_index)  # fmt: skip
        if "conv" in c.modes:
            self.weights = ConvWeights.published()

    def check(self) -> None:
        self.nli.check()

    def images(self, outputs: Sequence[str], articles: Sequence[str]) -> list[np.ndarray]:
        """One NLI image per (output, article), all pairs batched together."""
        gran = self.cfg.granularity
        plans = []
        todo: list[tuple[str, str]] = []
        for output, article in zip(outputs, articles, strict=True):
            doc = chunks(article, gran, split_sentences)[:MAX_ARTICLE_CHUNKS]
            out = chunks(output, gran, split_sentences)
            plans.append((len(todo), len(doc), len(out)))
            todo += [(doc[i], out[j]) for i, j in pairs(doc, out)]
        probs = self.nli.probabilities(todo) if todo else np.zeros((0, 3))
        return [image_from(probs[at : at + n * m], n, m) for at, n, m in plans]

    def signature(self, mode: str) -> str:
        c = self.cfg
        ent, con, _ = self.nli.indices
        parts = [
            f"summac-{mode}",
            f"model:{c.model}",
            f"gran:{c.granularity}",
            f"split:{SPLITTER_NAME}",
            f"chunks:>{MIN_CHUNK_CHARS}ch,doc<={MAX_ARTICLE_CHUNKS}",
            f"maxlen:{c.max_length}",
            f"labels:e{ent}/c{con}",
            "src:article",
        ]
        if mode == "conv":
            parts.append("conv:summac_conv_vitc_sent_perc_e")
        return "|".join([*parts, f"v:summeval-{__version__}",
                         f"transformers-{_version('transformers')}"])  # fmt: skip

    def score_sources(
        self, outputs: Sequence[str], articles: Sequence[str]
    ) -> list[tuple[str, dict[str, np.ndarray], str]]:
        """Per mode: the per-article scores (as ``fmeasure``) and the signature."""
        images = self.images(outputs, articles)
        out = []
        for mode in self.cfg.modes:
            if mode == "zs":
                values = np.array([zs_score(im) for im in images])
            else:
                assert self.weights is not None
                values = np.array([conv_score(im, self.weights) for im in images])
            out.append((f"summac_{mode}", {"fmeasure": values}, self.signature(mode)))
        return out


@dataclass
class SacreScorer:
    """BLEU, chrF or TER from sacrebleu (``metrics.bleu`` / ``chrf`` / ``ter``): sentence
    scores per article as ``fmeasure`` (0-1); ``corpus`` gives the corpus score with
    sacrebleu's own signature, for the run's summary."""

    name: str
    cfg: Any

    def score(
        self, preds: Sequence[str], refs: Sequence[Sequence[str]], task_refs: Sequence[str]
    ) -> tuple[dict[str, np.ndarray], str]:
        values, sacre_sig = sentence_scores(self.name, self.cfg.model_dump(), preds, refs)
        sig = f"{self.name}|sentence-level mean|sacrebleu:{sacre_sig}|v:summeval-{__version__}"
        return {"fmeasure": values}, sig

    def corpus(self, preds: Sequence[str], refs: Sequence[Sequence[str]]) -> dict[str, Any]:
        score, sig = corpus_score(self.name, self.cfg.model_dump(), preds, refs)
        return {"corpus": score, "sacrebleu_signature": sig}


@dataclass
class HallucinationScorer:
    """Entity and number hallucination against the article (``metrics.hallucination``)."""

    cfg: Any

    def score_sources(
        self, outputs: Sequence[str], articles: Sequence[str]
    ) -> list[tuple[str, dict[str, np.ndarray], str]]:
        found = [hallucination(o, a) for o, a in zip(outputs, articles, strict=True)]
        values = np.array([share for share, _, _ in found])
        sig = f"hallucination|ner:rules|numbers+entities|src:article|v:summeval-{__version__}"
        return [("hallucination", {"fmeasure": values}, sig)]


def source_scorers_from_config(metrics: Any) -> list[Any]:
    """The metrics that read the article instead of the references."""
    out: list[Any] = []
    if metrics.summac is not None:
        out.append(SummaCScorer(metrics.summac))
    if metrics.hallucination is not None:
        out.append(HallucinationScorer(metrics.hallucination))
    return out


def check_scorers(scorers: Sequence[Any]) -> None:
    """Each metric's model can be found (config read, no weights): before the run folder is
    touched, so a mistyped model never replaces a complete run."""
    for scorer in scorers:
        check = getattr(scorer, "check", None)
        if check is not None:
            check()


def scorers_from_config(metrics: Any) -> list[Any]:
    """The model-based scorers a ``metrics`` config section turns on, then plugin metrics."""
    out: list[Any] = []
    if metrics.bertscore is not None:
        out.append(BertScoreScorer(metrics.bertscore))
    if metrics.embedding is not None:
        out.append(EmbeddingScorer(metrics.embedding))
    for name in SACRE_METRICS:
        if getattr(metrics, name) is not None:
            out.append(SacreScorer(name, getattr(metrics, name)))
    for name, options in (metrics.model_extra or {}).items():
        factory = load_plugin(METRIC_GROUP, name, f"metrics.{name}")
        out.append(PluginScorer(name, factory(dict(options or {}))))
    return out
