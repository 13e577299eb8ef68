"""Run one model on one task over the articles: cache first, then length-sorted batches.

Cached generations are reused without loading the model. Misses are sorted by input length
(longest first, so an out-of-memory error shows up at once), generated in batches that are
appended to the cache as each finishes, and put back in article order. On out-of-memory
the batch size is halved and the same articles are retried; none is ever skipped.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from summeval.cache import GenerationCache, sample_key
from summeval.data.article import Article
from summeval.errors import ModelError
from summeval.models.base import Backend, Generation, Prepared
from summeval.tasks import TaskSpec

AUTO_BATCH_START = {"cuda": 64, "mps": 16, "cpu": 16}


@dataclass
class Sample:
    """One article's output for one model and task, post-processed."""

    id: str
    prompt: str
    raw_output: str
    prediction: str
    references: list[str]
    truncated: bool = False
    prompt_tokens: int | None = None  # the prompt the model saw (template + cut article)
    article_tokens: int | None = None  # the article alone, before any truncation
    new_tokens: int | None = None
    hit_token_limit: bool | None = None  # generation stopped at max_new_tokens, not by itself
    cached: bool = False
    scores: dict[str, dict[str, float]] | None = None
    edits: list[str] = field(default_factory=list)  # what post-processing changed
    choice_probs: dict[str, float] | None = None  # rating prompts only
    judge: dict[str, Any] | None = None  # the LLM judge's ratings of this prediction
    checks: dict[str, Any] | None = None  # headline checks of this prediction

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class TaskRun:
    """All samples of one model on one task, with what generating them cost."""

    model: str
    task: str
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0
    cache_hits: int = 0
    generated: int = 0
    batch_sizes: list[int] = field(default_factory=list)
    settings: dict[str, Any] | None = None
    determinism: dict[str, Any] | None = None


def _oom_errors() -> tuple[type[BaseException], ...]:
    """torch's out-of-memory errors; none where torch is not loaded (no model can run out)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return ()
    errors: list[type[BaseException]] = [torch.cuda.OutOfMemoryError]
    if hasattr(torch, "OutOfMemoryError"):
        errors.append(torch.OutOfMemoryError)
    return tuple(errors)


def start_batch_size(batch_size: int | str, device: str | None, n: int) -> int:
    """``auto``: 64 on CUDA, 16 on MPS and CPU, halved on out-of-memory; never above ``n``."""
    if batch_size != "auto":
        return max(1, int(batch_size))
    kind = (device or "cpu").split(":")[0]
    return max(1, min(n, AUTO_BATCH_START.get(kind, 4)))


def run_batches(
    backend: Backend,
    spec: TaskSpec,
    prepared: list[Prepared],
    batch_size: int,
    on_batch: Any,
) -> list[int]:
    """Generate ``prepared`` in order, halving the batch on out-of-memory; return sizes used."""
    oom = _oom_errors()
    sizes: list[int] = []
    pos = 0
    while pos < len(prepared):
        batch = prepared[pos : pos + batch_size]
        try:
            gens = backend.generate(spec, batch)
        except oom as exc:
            backend.free_memory()
            if batch_size == 1:
                raise ModelError(
                    f"out of memory at batch size 1 ({exc.__class__.__name__})",
                    hint="lower max_input_tokens or max_new_tokens, or use a smaller dtype",
                ) from None
            batch_size = max(1, batch_size // 2)
            continue
        sizes.append(len(batch))
        on_batch(batch, gens)
        pos += len(batch)
    return sizes


def _record(
    key: str, model: str, spec: TaskSpec, p: Prepared, g: Generation, settings: dict[str, Any]
) -> dict[str, Any]:
    return {
        "key": key,
        "model": model,
        "task": spec.name,
        "id": p.article.id,
        "text": g.text,
        "prompt": g.prompt,
        "prompt_tokens": g.prompt_tokens,
        "article_tokens": g.article_tokens,
        "truncated": g.truncated,
        "new_tokens": g.new_tokens,
        "hit_token_limit": g.hit_token_limit,
        **({"choice_probs": g.choice_probs} if g.choice_probs is not None else {}),
        "settings": settings,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


@dataclass
class TaskPlan:
    """What a run would do for one model x task, found without loading model weights."""

    model: str
    task: str
    articles: int
    cached: int
    settings: dict[str, Any] | None
    first_id: str | None = None
    first_prompt: str | None = None
    prompt_tokens: int | None = None
    article_tokens: int | None = None
    truncated: bool = False


def cache_keys(
    backend: Backend,
    spec: TaskSpec,
    articles: list[Article],
    cache: GenerationCache | None,
    max_input: int | None,
) -> dict[str, str]:
    """Each article's generation-cache key for this backend and task."""
    requested = backend.requested_settings(spec.name)
    fp = cache.model_fp if cache else ""
    return {
        a.id: sample_key(fp, spec.name, backend.request_text(spec, a), requested, max_input)
        for a in articles
    }


def count_misses(
    backend: Backend,
    spec: TaskSpec,
    articles: list[Article],
    cache: GenerationCache | None,
    max_input: int | None,
) -> int:
    """How many articles this backend would have to generate for the task (all of them when
    it does not cache, or the cache is off); reads the cache, contacts nothing."""
    if cache is None or not cache.enabled or not backend.cacheable:
        return len(articles)
    keys = cache_keys(backend, spec, articles, cache, max_input)
    stored = cache.load()
    return sum(keys[a.id] not in stored for a in articles)


def plan_task(
    backend: Backend,
    spec: TaskSpec,
    articles: list[Article],
    *,
    model_name: str,
    cache: GenerationCache | None = None,
    max_input: int | None = None,
) -> TaskPlan:
    """The first article's exact prompt (after truncation), the resolved decoding settings
    and how many generations the cache holds; tokenizer and configs only, no weights."""
    keys = cache_keys(backend, spec, articles, cache, max_input)
    stored = cache.load() if cache is not None and backend.cacheable else {}
    plan = TaskPlan(
        model_name,
        spec.name,
        len(articles),
        sum(keys[a.id] in stored for a in articles),
        backend.generation_settings(spec.name),
    )
    if articles:
        (first,) = backend.prepare(spec, articles[:1])
        plan.first_id, plan.first_prompt = first.article.id, first.prompt
        plan.prompt_tokens, plan.article_tokens = first.prompt_tokens, first.article_tokens
        plan.truncated = first.truncated
    return plan


def generate_task(
    backend: Backend,
    spec: TaskSpec,
    articles: list[Article],
    *,
    model_name: str,
    batch_size: int | str,
    cache: GenerationCache | None = None,
    max_input: int | None = None,
    check_determinism: int = 0,
    show_progress: bool = True,
    fresh: frozenset[str] = frozenset(),
) -> TaskRun:
    """Every article's generation for this task: from the cache, else from the model.
    ``fresh``: cache keys that other ranks of this run generated (not ``cached`` samples)."""
    run = TaskRun(model=model_name, task=spec.name)
    started = time.perf_counter()
    use_cache = cache is not None and backend.cacheable
    keys = cache_keys(backend, spec, articles, cache, max_input)
    stored = cache.load() if use_cache and cache else {}
    results: dict[str, dict[str, Any]] = {
        a.id: stored[keys[a.id]] for a in articles if keys[a.id] in stored
    }
    run.cache_hits = len(results)
    misses = [a for a in articles if a.id not in results]
    miss_ids = {a.id for a in misses}
    bar = tqdm(
        total=len(articles),
        initial=run.cache_hits,
        desc=f"{model_name}/{spec.name}",
        unit="art",
        disable=not show_progress,
        dynamic_ncols=True,
    )
    try:
        if misses:
            backend.load()
            settings = backend.generation_settings(spec.name)
            prepared = backend.prepare(spec, misses)
            prepared.sort(key=lambda p: -(p.prompt_tokens or 0))

            def on_batch(batch: list[Prepared], gens: list[Generation]) -> None:
                recs = [
                    _record(keys[p.article.id], model_name, spec, p, g, settings)
                    for p, g in zip(batch, gens, strict=True)
                ]
                if use_cache and cache:
                    cache.append(recs)
                for rec in recs:
                    results[rec["id"]] = rec
                run.generated += len(batch)
                bar.update(len(batch))
                bar.set_postfix(new_tok=sum(r["new_tokens"] or 0 for r in recs), refresh=False)

            each = getattr(backend, "generate_each", None)
            if each is not None:  # served models: every response is cached as it arrives
                each(spec, prepared, lambda p, g: on_batch([p], [g]))
                run.batch_sizes = [1] * len(prepared)
            else:
                size = start_batch_size(
                    batch_size, getattr(backend.info, "device", None), len(prepared)
                )
                run.batch_sizes = run_batches(backend, spec, prepared, size, on_batch)
    finally:
        bar.close()
    run.settings = (
        backend.generation_settings(spec.name)
        if backend.loaded
        else next((r.get("settings") for r in results.values() if r.get("settings")), None)
    )
    for art in articles:
        rec = results[art.id]
        prediction, edits = spec.postprocess_edits(rec["text"])
        run.samples.append(
            Sample(
                id=art.id,
                prompt=rec["prompt"],
                raw_output=rec["text"],
                prediction=prediction,
                edits=edits,
                references=art.references(spec.name),
                truncated=bool(rec.get("truncated")),
                # cache lines written by summeval 0.2 use the older names
                prompt_tokens=rec.get("prompt_tokens", rec.get("input_tokens")),
                article_tokens=rec.get("article_tokens", rec.get("original_input_tokens")),
                new_tokens=rec.get("new_tokens"),
                hit_token_limit=rec.get("hit_token_limit", _inferred_hit(rec)),
                cached=art.id not in miss_ids and keys[art.id] not in fresh,
                choice_probs=rec.get("choice_probs"),
            )
        )
    if check_determinism:
        run.determinism = check_batch_determinism(backend, spec, articles[:check_determinism], run)
    run.seconds = time.perf_counter() - started
    return run


def _inferred_hit(rec: dict[str, Any]) -> bool | None:
    """For cache lines written before ``hit_token_limit`` was recorded: new tokens at the
    budget (None where either is unknown)."""
    budget = (rec.get("settings") or {}).get("max_new_tokens")
    if rec.get("new_tokens") is None or not budget:
        return None
    return int(rec["new_tokens"]) >= int(budget)


def check_batch_determinism(
    backend: Backend, spec: TaskSpec, articles: list[Article], run: TaskRun
) -> dict[str, Any]:
    """Regenerate some articles one at a time (no cache) and list those whose text differs."""
    if not backend.cacheable:
        return {"checked": 0, "diverged": []}
    backend.load()
    by_id = {s.id: s for s in run.samples}
    diverged = []
    for art in articles:
        (gen,) = backend.generate(spec, backend.prepare(spec, [art]))
        if gen.text != by_id[art.id].raw_output:
            diverged.append(art.id)
    return {"checked": len(articles), "diverged": diverged}
