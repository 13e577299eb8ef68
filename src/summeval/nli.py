"""An NLI model for source-based metrics (SummaC): P(entailment), P(contradiction) and
P(neutral) of a hypothesis given a premise, batched, on a GPU when there is one.

Any ``AutoModelForSequenceClassification`` checkpoint (a local folder or a Hub id). Which
output is entailment and which contradiction comes from the model's ``id2label``
(``entailment``/``supports``, ``contradiction``/``refutes``: VitaminC models name them so),
never assumed; a model whose labels say nothing (``LABEL_0``) needs them set in the config.
torch and transformers load here, on first use, never in ``summeval.metrics``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from summeval.errors import ModelError

ENTAIL_NAMES = ("entailment", "entail", "supports", "support")
CONTRADICT_NAMES = ("contradiction", "contradict", "refutes", "refute")


def label_indices(id2label: dict[int, str], key: str) -> tuple[int, int, int]:
    """(entailment, contradiction, neutral) output indices from a model's labels."""
    names = {int(i): str(n).lower().replace("_", " ") for i, n in id2label.items()}
    if len(names) != 3:
        raise ModelError(
            f"the NLI model has {len(names)} labels, not 3 (entailment, neutral, contradiction)",
            where=f"{key}.model",
        )
    ent = [i for i, n in names.items() if n in ENTAIL_NAMES]
    con = [i for i, n in names.items() if n in CONTRADICT_NAMES]
    if len(ent) != 1 or len(con) != 1:
        raise ModelError(
            f"cannot tell entailment and contradiction apart from the model's labels "
            f"{sorted(names.items())}",
            where=f"{key}.model",
            hint=f"set {key}.entailment_index and {key}.contradiction_index",
        )
    return ent[0], con[0], ({0, 1, 2} - {ent[0], con[0]}).pop()


@dataclass
class NLIModel:
    """Premise/hypothesis pairs in, [entail, contradict, neutral] probabilities out."""

    ref: str
    batch_size: int = 32
    device: str = "auto"
    max_length: int = 500  # summac's max_input_length
    entailment_index: int | None = None
    contradiction_index: int | None = None
    key: str = "metrics.summac"
    _indices: tuple[int, int, int] | None = field(init=False, default=None, repr=False)
    _model: Any = field(init=False, default=None, repr=False)
    _tok: Any = field(init=False, default=None, repr=False)

    def _where(self) -> str:
        from summeval.models.tiny import is_tiny, tiny_model_path

        path = tiny_model_path(self.ref) if is_tiny(self.ref) else Path(self.ref).expanduser()
        if not path.exists() and self.ref.startswith(("/", "./", "../", "~")):
            raise ModelError(f"NLI model folder '{self.ref}' not found", where=f"{self.key}.model")
        return str(path) if path.exists() else self.ref

    def check(self) -> None:
        """Before a run folder is touched: the model can be found (its config read, no
        weights loaded) and its labels say which output is entailment and contradiction."""
        from transformers import AutoConfig

        where = self._where()
        try:
            config = AutoConfig.from_pretrained(where)
        except Exception as exc:
            from summeval.models.hf import load_error

            raise load_error(exc, where, f"{self.key}.model") from None
        self._indices = self._order(config.id2label)

    def _order(self, id2label: dict[int, str]) -> tuple[int, int, int]:
        if self.entailment_index is not None and self.contradiction_index is not None:
            ent, con = self.entailment_index, self.contradiction_index
            return ent, con, ({0, 1, 2} - {ent, con}).pop()
        return label_indices(id2label, self.key)

    @property
    def indices(self) -> tuple[int, int, int]:
        """(entailment, contradiction, neutral) outputs, from the config alone if need be."""
        if self._indices is None:
            self.check()
        assert self._indices is not None
        return self._indices

    def load(self) -> None:
        if self._model is not None:
            return
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from summeval.models.device import resolve_device

        where = self._where()
        try:
            self._tok = AutoTokenizer.from_pretrained(where)
            model = AutoModelForSequenceClassification.from_pretrained(where).eval()
        except Exception as exc:
            from summeval.models.hf import load_error

            raise load_error(exc, where, f"{self.key}.model") from None
        self.device = resolve_device(self.device)
        self._model = model.to(self.device)
        self._indices = self._order(model.config.id2label)

    def _encode(self, premises: list[str], hypotheses: list[str]) -> Any:
        """Pairs cut to ``max_length`` tokens longest side first, as summac's call
        (``truncation=True``; its ``truncation_strategy="only_first"`` was never applied)."""
        return self._tok(premises, hypotheses, padding=True, truncation="longest_first",
                         max_length=self.max_length, return_tensors="pt")  # fmt: skip

    def probabilities(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """One [entail, contradict, neutral] row per (premise, hypothesis), in input order;
        batched by length (padding changes nothing: the attention mask hides it)."""
        import torch

        self.load()
        out = np.zeros((len(pairs), 3))
        order = sorted(range(len(pairs)), key=lambda i: -len(pairs[i][0]) - len(pairs[i][1]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            enc = self._encode([pairs[i][0] for i in batch], [pairs[i][1] for i in batch])
            with torch.inference_mode():
                logits = self._model(**{k: v.to(self.device) for k, v in enc.items()}).logits
            probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
            out[batch] = probs[:, list(self.indices)]
        return out
