"""Data-parallel generation over processes, GPUs and nodes (``torchrun``, ``accelerate launch``).

Every rank builds the same plan. For each model and task, the generations that no rank
holds in its cache are split into disjoint, length-balanced shards (longest first, each to
the rank with the least text so far); each rank generates its shard on its own device
(``LOCAL_RANK``) into a part file beside the model's cache file, line by line, so a rank
that dies loses nothing it finished. Then every rank sends rank 0, through torch.distributed
object collectives (gloo: no shared filesystem needed), the records rank 0 lacks; rank 0,
the one writer of the model's cache file, appends each exactly once. The part files are
then deleted, and rank 0 scores and writes the run folder as a fully cached rerun would;
the other ranks exit. A rerun after a rank died reads the part files it left.
"""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from summeval.errors import ServiceError, UserError
from summeval.logs import log

if TYPE_CHECKING:  # the run machinery loads only in a data-parallel run
    from summeval.cache import GenerationCache
    from summeval.data import Article

T = TypeVar("T")
TIMEOUT_ENV = "SUMMEVAL_DIST_TIMEOUT"  # seconds a rank waits for the others (default 24 h)


@dataclass(frozen=True)
class Ranks:
    """This process's place among the ranks, from the launcher's environment."""

    rank: int
    world: int
    local_rank: int


def ranks_from_env(env: dict[str, str] | None = None) -> Ranks | None:
    """The launcher's ``RANK``/``WORLD_SIZE``/``LOCAL_RANK``; None for a single process."""
    env = dict(os.environ) if env is None else env
    world = int(env.get("WORLD_SIZE", "1") or 1)
    if world <= 1:
        return None
    return Ranks(int(env.get("RANK", "0")), world, int(env.get("LOCAL_RANK", "0")))


def is_secondary_rank() -> bool:
    """A rank other than 0: it prints no result and no input error (rank 0 does, once)."""
    ranks = ranks_from_env()
    return ranks is not None and ranks.rank != 0


def shards(sizes: Sequence[int], world: int) -> list[list[int]]:
    """Indices split into ``world`` disjoint shards balanced by size: longest first, each
    to the shard with the least total so far (the lowest rank on ties)."""
    out: list[list[int]] = [[] for _ in range(world)]
    totals = [0] * world
    for i in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        r = min(range(world), key=lambda r: (totals[r], r))
        out[r].append(i)
        totals[r] += sizes[i]
    return [sorted(s) for s in out]


@dataclass
class Tally:
    """What each rank generated, per model: the final line rank 0 prints."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)  # the cache keys generated, by any rank

    def add(self, model: str, per_rank: list[int]) -> None:
        old = self.counts.setdefault(model, [0] * len(per_rank))
        self.counts[model] = [a + b for a, b in zip(old, per_rank, strict=True)]

    def lines(self) -> list[str]:
        return [
            f"{model}: {len(per_rank)} ranks generated {sum(per_rank)} "
            f"({' + '.join(map(str, per_rank))})"
            for model, per_rank in self.counts.items()
        ]


def _dist() -> Any:
    import torch.distributed as dist

    return dist


def init_process_group(ranks: Ranks) -> None:
    """gloo for the object collectives (CPU or GPU); each rank's device is its LOCAL_RANK."""
    import torch

    dist = _dist()
    if not dist.is_initialized():
        seconds = float(os.environ.get(TIMEOUT_ENV, 24 * 3600))
        dist.init_process_group("gloo", timeout=timedelta(seconds=seconds))
    if torch.cuda.is_available():
        torch.cuda.set_device(ranks.local_rank % torch.cuda.device_count())


def destroy_process_group() -> None:
    dist = _dist()
    if dist.is_initialized():
        dist.destroy_process_group()


def _collective(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A collective; a rank that died makes it fail: a one-line error, resume by rerunning."""
    try:
        return fn(*args, **kwargs)
    except RuntimeError as err:
        raise ServiceError(
            f"another rank stopped ({' '.join(str(err).split())[:200]}); what every rank "
            "generated is in the generation cache",
            where="torch.distributed",
            hint="rerun the same command to resume",
        ) from None


def all_gather(obj: T, world: int) -> list[T]:
    out: list[Any] = [None] * world
    _collective(_dist().all_gather_object, out, obj)
    return out


def generate_shards(plan: Any, ranks: Ranks, show_progress: bool) -> Tally:
    """Stage 3a: every rank generates its shard of what no rank has; rank 0 merges."""
    from summeval.tasks import task_spec

    tally = Tally()
    part_name = f"{socket.gethostname()}-{os.getpid()}"
    parts: set[Any] = set()
    for model_cfg in plan.config.models:
        backend, cache = plan.prepared[model_cfg.name]
        if not backend.cacheable:  # the lead baseline: rank 0 makes it while scoring
            continue
        if not cache.enabled:
            raise UserError(
                "a data-parallel run needs the generation cache: it is how the ranks' "
                "generations reach rank 0",
                where="cache",
                hint="drop --no-cache / set cache: true, or run one process",
            )
        part = cache.with_part(part_name)
        parts.update(cache.part_paths())
        parts.add(part.path)
        for task in (t for t in model_cfg.tasks if t in plan.tasks):
            spec = task_spec(task, plan.config.tasks.get(task), model_cfg)
            done, made = _generate_task_shard(
                plan.articles, backend, spec, model_cfg, cache, part, ranks, show_progress
            )
            tally.add(model_cfg.name, done)
            tally.keys.update(made)
        if ranks.rank != 0:
            backend.close()
    _collective(_dist().barrier)  # every merge is durable: the part files can go
    for path in parts:
        path.unlink(missing_ok=True)
    _collective(_dist().barrier)
    return tally


def _generate_task_shard(
    articles: list[Article],
    backend: Any,
    spec: Any,
    model_cfg: Any,
    cache: GenerationCache,
    part: GenerationCache,
    ranks: Ranks,
    show_progress: bool,
) -> tuple[list[int], set[str]]:
    """One model x task: shard what is missing everywhere, generate, merge on rank 0.
    Returns how many generations each rank made, and their cache keys."""
    from summeval.generate import cache_keys, generate_task

    keys = cache_keys(backend, spec, articles, cache, model_cfg.max_input_tokens)
    held = cache.load()
    have = all_gather({k for k in keys.values() if k in held}, ranks.world)
    anywhere = set().union(*have)
    missing = [a for a in articles if keys[a.id] not in anywhere]
    sizes = [len(backend.request_text(spec, a)) for a in missing]
    mine = [missing[i] for i in shards(sizes, ranks.world)[ranks.rank]]
    run = generate_task(
        backend,
        spec,
        mine,
        model_name=model_cfg.name,
        batch_size=model_cfg.batch_size,
        cache=part,
        max_input=model_cfg.max_input_tokens,
        show_progress=show_progress and ranks.rank == 0,
    )
    cache.forget()  # reread: the part file now holds this rank's new lines
    held = cache.load()
    lacking = [k for k in dict.fromkeys(keys.values()) if k not in have[0]]
    sent = [held[k] for k in lacking if k in held] if ranks.rank != 0 else []
    received = all_gather(sent, ranks.world)
    if ranks.rank == 0:
        _merge(cache, [rec for batch in received for rec in batch])
    made = {keys[a.id] for a in missing}
    return all_gather(run.generated, ranks.world), made


def _merge(cache: GenerationCache, records: list[dict[str, Any]]) -> None:
    """Rank 0 appends to the model's cache file what it lacks, each key once: the records
    sent, and those of every part file it can see (its own; the others' on a shared disk)."""
    from summeval.cache import read_records
    from summeval.locks import generation_lock

    with generation_lock(cache.path, log):
        present = set(read_records(cache.path)) if cache.path.exists() else set()
        seen = (rec for path in cache.part_paths() for rec in read_records(path).values())
        fresh: dict[str, dict[str, Any]] = {}
        for rec in itertools.chain(seen, records):
            if rec["key"] not in present:
                fresh.setdefault(rec["key"], rec)
        cache.append(list(fresh.values()))
    cache.forget()
