"""The small interface every model backend implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from summeval.data.article import Article
from summeval.tasks import TaskSpec


@dataclass
class Generation:
    """One model output for one article and task, before post-processing."""

    text: str
    prompt: str
    input_tokens: int | None = None
    original_input_tokens: int | None = None
    truncated: bool = False
    new_tokens: int | None = None


@dataclass
class ModelInfo:
    """What was actually run: saved per model in results.json."""

    backend: str
    model: str | None = None
    revision: str | None = None
    device: str | None = None
    dtype: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    """A model that writes text for a batch of articles.

    ``generation_settings`` returns the decoding settings actually used for a task
    (the model's own defaults merged with the config), recorded with the results.
    """

    info: ModelInfo

    def generation_settings(self, task: str) -> dict[str, Any]: ...

    def generate(self, spec: TaskSpec, articles: list[Article]) -> list[Generation]: ...

    def close(self) -> None: ...
