"""The run pipeline: config -> articles -> model backends -> generations -> ROUGE -> results."""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summeval import __version__
from summeval.config import TASK_NAMES, SummevalConfig, dump_config
from summeval.data import load_articles
from summeval.generate import TaskRun, generate_task
from summeval.metrics.rouge import RougeScorer, average
from summeval.models import create_backend
from summeval.results import (
    git_commit,
    package_versions,
    write_atomic,
    write_json,
    write_samples,
    write_tables,
)
from summeval.tasks import task_spec


def log(msg: str) -> None:
    print(f"summeval: {msg}", file=sys.stderr, flush=True)


@dataclass
class RunOutcome:
    run_dir: Path
    results: dict[str, Any]


def summarise_task(task_run: TaskRun) -> dict[str, Any]:
    """Averages and counts for one model x task."""
    samples = task_run.samples
    summary = average([s.scores for s in samples])
    summary.update(
        {
            "n_articles": len(samples),
            "n_truncated": sum(s.truncated for s in samples),
            "n_empty_predictions": sum(not s.prediction.strip() for s in samples),
            "new_tokens": sum(s.new_tokens or 0 for s in samples),
            "seconds": round(task_run.seconds, 3),
        }
    )
    return summary


def execute(
    config: SummevalConfig, *, config_path: str, run_name: str, show_progress: bool = True
) -> RunOutcome:
    """Run every model on every task it takes; write everything under ``<output.dir>/<run>``."""
    started = time.perf_counter()
    run_dir = Path(config.output.dir) / run_name
    run_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(run_dir / "config.yaml", dump_config(config))

    articles, report = load_articles(config.dataset)
    log(
        f"{report.used} article(s) from {report.source}"
        + (f"; {report.skipped_empty} empty skipped" if report.skipped_empty else "")
        + (
            f"; {report.repeated_paragraphs_removed} repeated paragraph(s) removed"
            if report.repeated_paragraphs_removed
            else ""
        )
        + (
            f"; {report.undecodable_replaced} undecodable byte(s) replaced"
            if report.undecodable_replaced
            else ""
        )
    )
    scorer = RougeScorer(tuple(config.metrics.rouge.types), config.metrics.rouge.use_stemmer)
    enabled = [t for t in TASK_NAMES if config.tasks.get(t).enabled]
    results: dict[str, dict[str, Any]] = {}
    models_info: dict[str, Any] = {}
    head: dict[str, Any] = {
        "summeval_version": __version__,
        "run": run_name,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "config_file": config_path,
        "seed": config.seed,
        "git_commit": git_commit(),
        "versions": package_versions(),
        "scale": "0-1 (tables: 0-100)",
        "signature": scorer.signature,
        "data": report.to_dict(),
    }

    def save(status: str) -> dict[str, Any]:
        doc = {
            **head,
            "status": status,
            "models": models_info,
            "results": results,
            "timings": {"total_seconds": round(time.perf_counter() - started, 3)},
        }
        write_json(run_dir / "results.json", doc)
        notes = [
            "ROUGE F1 on a 0-100 scale; precision and recall are in results.json.",
            f"n = articles scored; articles used: {report.used}.",
            f"Signature: `{scorer.signature}`",
        ]
        write_tables(run_dir, run_name, results, enabled, notes)
        return doc

    for model_cfg in config.models:
        tasks = [t for t in model_cfg.tasks if t in enabled]
        if not tasks:
            continue
        t0 = time.perf_counter()
        log(f"loading {model_cfg.name} ({model_cfg.backend})")
        backend = create_backend(model_cfg, config.tasks, config.seed)
        load_seconds = time.perf_counter() - t0
        info = backend.info
        models_info[model_cfg.name] = {
            "backend": info.backend,
            "model": info.model,
            "revision": info.revision,
            "device": info.device,
            "dtype": info.dtype,
            "batch_size": model_cfg.batch_size,
            "load_seconds": round(load_seconds, 3),
            "generation": {t: backend.generation_settings(t) for t in tasks},
            **info.details,
        }
        results[model_cfg.name] = {}
        try:
            for task in tasks:
                spec = task_spec(task, config.tasks.get(task), model_cfg)
                task_run = generate_task(
                    backend,
                    spec,
                    articles,
                    model_name=model_cfg.name,
                    batch_size=model_cfg.batch_size,
                    show_progress=show_progress,
                )
                for sample in task_run.samples:
                    sample.scores = scorer.score(sample.prediction, sample.references)
                write_samples(run_dir, task_run)
                results[model_cfg.name][task] = summarise_task(task_run)
                save("running")
        finally:
            backend.close()
    doc = save("complete")
    log(f"results written to {run_dir}/ (table.md, table.csv, results.json)")
    return RunOutcome(run_dir, doc)
