"""The extractive floor: lead-k sentences as the summary, the first sentence as headline."""

from __future__ import annotations

from typing import Any

from summeval.config import ModelConfig, TasksConfig
from summeval.data.article import Article
from summeval.models.base import Generation, ModelInfo, Prepared
from summeval.sentences import SPLITTER_NAME, split_sentences
from summeval.tasks import TaskSpec


class LeadBackend:
    """Lead-k sentences for summaries; the first sentence (cut to N words later) for headlines.

    Instant and deterministic, so its outputs are not cached.
    """

    cacheable = False
    loaded = True

    def __init__(self, cfg: ModelConfig, tasks: TasksConfig, seed: int) -> None:
        self.k = cfg.lead_sentences
        self.info = ModelInfo(backend="lead", details={"k": self.k, "splitter": SPLITTER_NAME})

    def load(self) -> None:
        return None

    def identity(self) -> dict[str, Any]:
        return {"backend": "lead", "k": self.k, "splitter": SPLITTER_NAME}

    def request_text(self, spec: TaskSpec, article: Article) -> str:
        return article.text

    def requested_settings(self, task: str) -> dict[str, Any]:
        return self.generation_settings(task)

    def generation_settings(self, task: str) -> dict[str, Any]:
        return {"sentences": self.k if task == "summary" else 1}

    def prepare(self, spec: TaskSpec, articles: list[Article]) -> list[Prepared]:
        return [Prepared(a, "", len(a.text.split())) for a in articles]

    def generate(self, spec: TaskSpec, batch: list[Prepared]) -> list[Generation]:
        n = self.k if spec.name == "summary" else 1
        return [
            Generation(text="\n".join(split_sentences(p.article.text)[:n]), prompt="")
            for p in batch
        ]

    def free_memory(self) -> None:
        return None

    def close(self) -> None:
        return None
