"""A summeval plugin: the ``first-words`` backend writes the article's first N words
(``options: {words: N}``); the ``length_ratio`` metric is the prediction's length in words
over the reference's (``fmeasure``: min(ratio, 1/ratio), 1 when equal)."""

from __future__ import annotations

from typing import Any

from summeval.models.base import Generation, ModelInfo, Prepared


class FirstWords:
    cacheable = True
    loaded = False

    def __init__(self, cfg: Any, tasks: Any, seed: int) -> None:
        self.words = int(cfg.options.get("words", 5))
        self.info = ModelInfo(backend="first-words", model=f"first-{self.words}")

    def load(self) -> None:
        self.loaded = True

    def identity(self) -> dict[str, Any]:
        return {"backend": "first-words", "words": self.words}

    def request_text(self, spec: Any, article: Any) -> str:
        return article.text

    def requested_settings(self, task: str) -> dict[str, Any]:
        return {"words": self.words}

    def generation_settings(self, task: str) -> dict[str, Any]:
        return {"words": self.words}

    def prepare(self, spec: Any, articles: list[Any]) -> list[Prepared]:
        return [Prepared(a, a.text) for a in articles]

    def generate(self, spec: Any, batch: list[Prepared]) -> list[Generation]:
        n = self.words if spec.name == "summary" else max(1, self.words // 2)
        return [
            Generation(
                text=" ".join(p.article.text.split()[:n]),
                prompt=p.prompt,
                new_tokens=n,
                hit_token_limit=False,
            )
            for p in batch
        ]

    def free_memory(self) -> None:
        return None

    def close(self) -> None:
        return None


class LengthRatio:
    name = "length_ratio"

    def score(self, preds: list[str], refs: list[list[str]], task_refs: list[str]):
        values = []
        for pred, group in zip(preds, refs, strict=True):
            p, r = len(pred.split()), max(len(t.split()) for t in group)
            ratio = p / r if r else 0.0
            values.append(min(ratio, 1 / ratio) if ratio else 0.0)
        return {"fmeasure": values}, "length_ratio|words|v:0.1.0"


def length_ratio(options: dict[str, Any]) -> LengthRatio:
    return LengthRatio()
