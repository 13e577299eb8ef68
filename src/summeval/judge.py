"""The LLM judge: a summeval model rates each summary (coherence, consistency, fluency,
relevance) and each headline (faithfulness, informativeness) from 1 to 5, G-Eval style.

Prompts are files in the package (``judge_prompts/v1/``), named with their SHA-256 in the
signature. The text to rate comes first and the article after it, so truncation (which cuts
the article's end) never cuts the text or the instruction. Ratings go through the judge
model's generation cache like any generation: a rerun makes no model calls, a killed run
resumes. Reading the answers is ``metrics.judge``; means, intervals and paired tests come
from the same machinery as ROUGE.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from summeval import __version__
from summeval.cache import GenerationCache, generations_folder, model_fingerprint
from summeval.config import GenerationSettings, JudgeConfig, TaskConfig, TasksConfig
from summeval.data.article import Article
from summeval.errors import UserError
from summeval.generate import generate_task
from summeval.metrics.judge import CHOICES, rating
from summeval.models import create_backend
from summeval.tasks import TaskSpec

PROMPT_VERSION = "v1"
KIND = {"summary": "Summary", "headline": "Headline"}


def _prompt_file(name: str) -> str:
    folder = resources.files("summeval").joinpath(f"judge_prompts/{PROMPT_VERSION}")
    return folder.joinpath(name).read_text(encoding="utf-8").strip()


def judge_prompt(task: str, dimension: str) -> str:
    """The template for one task and dimension; ``{article}`` takes text + article."""
    kind = KIND[task].lower()
    parts = [
        _prompt_file("_header.txt").replace("{text_kind}", kind),
        _prompt_file(f"{dimension}.txt"),
        _prompt_file("_footer.txt").replace("{Dimension}", dimension.capitalize()),
    ]
    return "\n\n".join(parts)


def judged_text(task: str, prediction: str, article: str) -> str:
    """What fills ``{article}``: the text to rate first, then the article."""
    return f"{KIND[task]}:\n{prediction}\n\nArticle:\n{article}"


@dataclass
class Judge:
    """One judge model for a run; loaded on the first cache miss."""

    cfg: JudgeConfig
    seed: int
    use_cache: bool = True
    backend: Any = field(init=False, default=None)
    cache: GenerationCache | None = field(init=False, default=None)

    def prepare(self) -> None:
        """Build the judge's backend and cache (no weights loaded): fails early on a bad
        judge config, before the run folder is touched."""
        with self._own_keys():
            self._ready()

    def preflight(self) -> None:
        """A served judge's servers, checked as a served model's are (before the folder)."""
        with self._own_keys():
            self._ready()
            check = getattr(self.backend, "preflight", None)
            if check is not None:
                check()

    @contextmanager
    def _own_keys(self) -> Iterator[None]:
        """Errors about the judge model name the judge's config keys, not a model's."""
        try:
            yield
        except UserError as err:
            own = f"models.{self.cfg.model.name}"
            if err.where and err.where.startswith(own):
                err.where = "metrics.judge.model" + err.where[len(own) :]
                err.args = (err.one_line(),)
            raise

    def _ready(self) -> None:
        if self.backend is not None:
            return
        decoding = GenerationSettings(max_new_tokens=self.cfg.max_new_tokens)
        tasks = TasksConfig(
            summary=TaskConfig(generation=decoding), headline=TaskConfig(generation=decoding)
        )
        self.backend = create_backend(self.cfg.model, tasks, self.seed)
        self.cache = GenerationCache(
            generations_folder(),
            model_fingerprint(self.backend.identity()),
            enabled=self.use_cache and self.backend.cacheable,
        )

    def dimensions(self, task: str) -> list[str]:
        return list(getattr(self.cfg, task))

    def signature(self, task: str) -> str:
        digest = hashlib.sha256()
        for dim in self.dimensions(task):
            digest.update(judge_prompt(task, dim).encode("utf-8"))
        m = self.cfg.model
        return "|".join(
            [
                "judge",
                f"model:{m.model or m.package or m.gguf_file or m.name}",
                f"backend:{m.backend}",
                f"prompts:{PROMPT_VERSION}/{digest.hexdigest()[:12]}",
                "scale:1-5",
                "read:weighted-or-parsed" if self.cfg.logprobs else "read:parsed",
                f"max_new_tokens:{self.cfg.max_new_tokens}",
                f"logprobs:{'yes' if self.cfg.logprobs else 'no'}",
                f"v:summeval-{__version__}",
            ]
        )

    def rate(
        self,
        task: str,
        model_name: str,
        ids: Sequence[str],
        predictions: Sequence[str],
        articles: Sequence[str],
        show_progress: bool = False,
    ) -> dict[str, Any]:
        """Ratings of one model's texts: per dimension the per-article ratings (NaN where
        unparseable) and how each answer was read, plus the raw answers."""
        with self._own_keys():
            self._ready()
            out: dict[str, Any] = {"ratings": {}, "read": {}, "answers": {}, "generated": 0}
            items = [
                Article(f"{model_name}/{i}", judged_text(task, p, a))
                for i, p, a in zip(ids, predictions, articles, strict=True)
            ]
            for dim in self.dimensions(task):
                choices = CHOICES if self.cfg.logprobs else ()
                spec = TaskSpec(task, judge_prompt(task, dim), None, choices=choices)
                run = generate_task(
                    self.backend,
                    spec,
                    items,
                    model_name=f"judge:{dim}",
                    batch_size=self.cfg.model.batch_size,
                    cache=self.cache,
                    max_input=self.cfg.model.max_input_tokens,
                    show_progress=show_progress,
                )
                read = [rating(s.raw_output, s.choice_probs) for s in run.samples]
                out["ratings"][dim] = np.array(
                    [np.nan if r is None else r for r, _ in read], dtype=float
                )
                out["read"][dim] = [how for _, how in read]
                out["answers"][dim] = [s.raw_output for s in run.samples]
                out["generated"] += run.generated
            return out

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
