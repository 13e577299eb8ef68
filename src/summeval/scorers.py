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
from summeval.metrics.bertscore import (
    TokenEmbeddings,
    bertscore,
    embedding_similarity,
    idf_weights,
)

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


def scorers_from_config(metrics: Any) -> list[Any]:
    """The model-based scorers a ``metrics`` config section turns on."""
    out: list[Any] = []
    if metrics.bertscore is not None:
        out.append(BertScoreScorer(metrics.bertscore))
    if metrics.embedding is not None:
        out.append(EmbeddingScorer(metrics.embedding))
    return out
