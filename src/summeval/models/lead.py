"""The extractive floor: lead-k sentences as the summary, the first sentence as headline."""

from __future__ import annotations

from typing import Any

from summeval.config import ModelConfig, TasksConfig
from summeval.data.article import Article
from summeval.models.base import Generation, ModelInfo
from summeval.sentences import SPLITTER_NAME, split_sentences
from summeval.tasks import TaskSpec


class LeadBackend:
    """Lead-k sentences for summaries; the first sentence (cut to N words later) for headlines."""

    def __init__(self, cfg: ModelConfig, tasks: TasksConfig, seed: int) -> None:
        self.k = cfg.lead_sentences
        self.info = ModelInfo(backend="lead", details={"k": self.k, "splitter": SPLITTER_NAME})

    def generation_settings(self, task: str) -> dict[str, Any]:
        return {"sentences": self.k if task == "summary" else 1}

    def generate(self, spec: TaskSpec, articles: list[Article]) -> list[Generation]:
        n = self.k if spec.name == "summary" else 1
        out = []
        for art in articles:
            sentences = split_sentences(art.text)
            out.append(Generation(text="\n".join(sentences[:n]), prompt=""))
        return out

    def close(self) -> None:
        return None
