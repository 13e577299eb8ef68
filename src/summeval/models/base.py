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
    prompt_tokens: int | None = None  # the whole prompt as the model saw it, after any cut
    article_tokens: int | None = None  # the article alone, before any cut
    truncated: bool = False
    new_tokens: int | None = None
    # the new tokens reached max_new_tokens with no end of sequence (or stop string): the
    # output is likely cut short; None where it does not apply (lead) or is not known
    hit_token_limit: bool | None = None
    # rating prompts (LLM judge): probability of each choice as the first new token
    choice_probs: dict[str, float] | None = None


@dataclass
class Prepared:
    """An article made ready for one model: the exact prompt and its token counts."""

    article: Article
    prompt: str
    prompt_tokens: int | None = None
    article_tokens: int | None = None
    truncated: bool = False


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
    """A model that writes text for batches of articles.

    Construction is cheap; the model is loaded on the first ``load`` (or first use), so a
    run whose generations are all cached never loads it. ``identity`` and ``request_text``
    need no model: they make the cache key. ``generation_settings`` returns the decoding
    settings actually used (the model's own defaults merged with the config).
    """

    info: ModelInfo
    cacheable: bool

    @property
    def loaded(self) -> bool: ...

    def load(self) -> None: ...

    def identity(self) -> dict[str, Any]: ...

    def request_text(self, spec: TaskSpec, article: Article) -> str: ...

    def requested_settings(self, task: str) -> dict[str, Any]: ...

    def generation_settings(self, task: str) -> dict[str, Any]: ...

    def prepare(self, spec: TaskSpec, articles: list[Article]) -> list[Prepared]: ...

    def generate(self, spec: TaskSpec, batch: list[Prepared]) -> list[Generation]: ...

    def free_memory(self) -> None: ...

    def close(self) -> None: ...


def generate_articles(
    backend: Backend, spec: TaskSpec, articles: list[Article]
) -> list[Generation]:
    """Prepare and generate in one batch, in article order (tests and small callers)."""
    backend.load()
    return backend.generate(spec, backend.prepare(spec, articles))
