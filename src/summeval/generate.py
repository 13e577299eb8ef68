"""Run one model on one task over the articles, batch by batch, with a progress bar."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from summeval.data.article import Article
from summeval.models.base import Backend
from summeval.tasks import TaskSpec


@dataclass
class Sample:
    """One article's output for one model and task, post-processed."""

    id: str
    prompt: str
    raw_output: str
    prediction: str
    references: list[str]
    truncated: bool = False
    input_tokens: int | None = None
    original_input_tokens: int | None = None
    new_tokens: int | None = None
    scores: dict[str, dict[str, float]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class TaskRun:
    """All samples of one model on one task, and how long generation took."""

    model: str
    task: str
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0


def generate_task(
    backend: Backend,
    spec: TaskSpec,
    articles: list[Article],
    *,
    model_name: str,
    batch_size: int,
    show_progress: bool = True,
) -> TaskRun:
    """Generate for every article in article order; outputs are post-processed per task."""
    run = TaskRun(model=model_name, task=spec.name)
    started = time.perf_counter()
    bar = tqdm(
        total=len(articles),
        desc=f"{model_name}/{spec.name}",
        unit="article",
        disable=not show_progress,
        leave=True,
        dynamic_ncols=True,
    )
    try:
        for start in range(0, len(articles), batch_size):
            batch = articles[start : start + batch_size]
            for art, gen in zip(batch, backend.generate(spec, batch), strict=True):
                run.samples.append(
                    Sample(
                        id=art.id,
                        prompt=gen.prompt,
                        raw_output=gen.text,
                        prediction=spec.postprocess(gen.text),
                        references=art.references(spec.name),
                        truncated=gen.truncated,
                        input_tokens=gen.input_tokens,
                        original_input_tokens=gen.original_input_tokens,
                        new_tokens=gen.new_tokens,
                    )
                )
            bar.update(len(batch))
    finally:
        bar.close()
    run.seconds = time.perf_counter() - started
    return run
