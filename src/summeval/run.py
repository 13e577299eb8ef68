"""The run pipeline: config -> articles -> model backends -> generations -> ROUGE -> results."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from summeval import __version__
from summeval.cache import GenerationCache, generations_folder, model_fingerprint
from summeval.config import TASK_NAMES, ModelConfig, SummevalConfig, dump_config, run_name_for
from summeval.data import Article, load_articles
from summeval.errors import ServiceError, UserError
from summeval.generate import TaskRun, count_misses, generate_task, plan_task
from summeval.judge import Judge
from summeval.locks import generation_lock, run_folder_lock
from summeval.logs import log
from summeval.metrics.bertscore import aggregate
from summeval.metrics.datastats import corpus_stats
from summeval.metrics.headline import DEFAULT_MAX_CHARS, corpus_headline_checks, headline_checks
from summeval.metrics.rouge import (
    CorpusScores,
    RougeSettings,
    make_tokenizer,
    score_corpus,
    settings_from_config,
)
from summeval.metrics.significance import ModelScores, compare_models, merge_tests
from summeval.models import create_backend
from summeval.results import (
    article_set,
    git_commit,
    package_versions,
    write_articles,
    write_atomic,
    write_json,
    write_samples,
    write_tables,
)
from summeval.schema import SCHEMA_VERSION, ModelRecord, PairedTest, RunResults, TaskResult
from summeval.scorers import check_scorers, scorers_from_config, source_scorers_from_config
from summeval.tasks import task_spec


@dataclass
class RunOptions:
    """How to run, beyond the config: cache use, determinism check, progress bars."""

    use_cache: bool = True
    check_determinism: int = 0
    show_progress: bool = True
    fresh: frozenset[str] = frozenset()  # generated this run by data-parallel ranks


@dataclass
class RunOutcome:
    """Where the run was written, and its results.json as typed results."""

    run_dir: Path
    results: RunResults | None  # None on a data-parallel rank other than 0: it writes nothing


RougeScorer = Callable[[list[str], list[str], list[list[str]]], CorpusScores]


JudgeFn = Callable[[TaskRun, dict[str, str]], tuple[dict[str, Any] | None, dict[str, ModelScores]]]
ExtraScorer = Callable[
    [list[str], list[list[str]], list[str]],
    list[tuple[str, dict[str, Any], dict[str, float], str]],
]
SourceScorer = Callable[
    [list[str], list[str]], list[tuple[str, dict[str, Any], dict[str, float], str]]
]


def score_task(
    task_run: TaskRun,
    articles: dict[str, str],
    rouge: RougeScorer,
    limits: tuple[int | None, int] | None = None,
    extra: ExtraScorer | None = None,
    judge: JudgeFn | None = None,
    source: SourceScorer | None = None,
) -> tuple[dict[str, Any], ModelScores, dict[str, ModelScores]]:
    """ROUGE with intervals, data statistics and counts for one model x task.

    Articles without a reference are not scored by ROUGE and the reference metrics (counted
    in ``n_unscored``); source-based metrics (SummaC) and the judge read the article and
    score every sample. Per-article scores are stored on the samples. Returns the summary,
    the reference metrics' per-article scores, and those measured on their own articles.
    """
    samples = task_run.samples
    scored = [s for s in samples if any(r.strip() for r in s.references)]
    ids = [s.id for s in scored]
    refs = [[r for r in s.references if r.strip()] for s in scored]
    corpus = rouge(ids, [s.prediction for s in scored], refs)
    for i, sample in enumerate(scored):
        sample.scores = corpus.article(i)
    # No reference at all: every measure is n/a (null), never a score of 0.
    rouge_scores = corpus.aggregate if scored else {m: None for m in corpus.aggregate}
    summary: dict[str, Any] = {
        "n_scored": len(scored),
        "n_unscored": len(samples) - len(scored),
        "rouge": rouge_scores,
        "signature": corpus.signature,
        "article_set": article_set(ids, refs),
        "tokenizer_dropped": corpus.dropped_share,
        "warnings": corpus.warnings + token_limit_warnings(task_run),
        "data_stats": corpus_stats(
            [s.prediction for s in samples],
            [articles.get(s.id) for s in samples],
            [s.references for s in samples],
            [s.truncated for s in samples],
            [s.hit_token_limit for s in samples],
        ),
        "n_articles": len(samples),
        "n_truncated": sum(s.truncated for s in samples),
        "n_hit_token_limit": sum(bool(s.hit_token_limit) for s in samples),
        "n_empty_predictions": sum(not s.prediction.strip() for s in samples),
        "new_tokens": sum(s.new_tokens or 0 for s in samples),
        "cache_hits": task_run.cache_hits,
        "generated": task_run.generated,
        "max_batch_size": max(task_run.batch_sizes, default=0),
        "seconds": round(task_run.seconds, 3),
    }
    if task_run.task == "headline":
        max_words, max_chars = limits or (None, DEFAULT_MAX_CHARS)
        rows = []
        for sample in samples:
            sample.checks = headline_checks(
                sample.prediction,
                articles.get(sample.id),
                sample.edits,
                max_words,
                max_chars,
                sample.hit_token_limit,
            )
            rows.append(sample.checks)
        summary["headline_checks"] = {
            **corpus_headline_checks(rows),
            "max_words": max_words,
            "max_chars": max_chars,
        }
    if task_run.determinism is not None:
        summary["determinism"] = task_run.determinism
    per_measure = {m: v[2] for m, v in corpus.per_article.items()}
    if extra is not None:  # BERTScore, embedding similarity: beside ROUGE, same machinery
        summary["metrics"], summary["metric_signatures"] = {}, {}
        task_refs = [r for group in refs for r in group]
        for name, values, agg, sig in extra([s.prediction for s in scored], refs, task_refs):
            for i, sample in enumerate(scored):
                sample.scores = {
                    **(sample.scores or {}),
                    name: {p: float(v[i]) for p, v in values.items()},
                }
            summary["metrics"][name] = agg if scored else None
            summary["metric_signatures"][name] = sig
            per_measure[name] = np.asarray(values["fmeasure"], dtype=float)
    per_article = ModelScores(corpus.ids, per_measure)
    judged: dict[str, ModelScores] = {}
    if source is not None:  # against the article the model saw (cleaned, before any cut)
        judged |= add_source_scores(summary, samples, articles, source)
    if judge is not None:  # every sample is rated, with or without a reference
        rated, rated_scores = judge(task_run, articles)
        judged |= rated_scores
        if rated is not None:
            summary["judge"] = rated
    return summary, per_article, judged


def add_source_scores(
    summary: dict[str, Any], samples: list[Any], articles: dict[str, str], source: SourceScorer
) -> dict[str, ModelScores]:
    """Source-based metrics on every sample: per-article values on the samples, mean and
    interval and signature in the summary; their per-article scores for paired tests."""
    summary.setdefault("metrics", {})
    summary.setdefault("metric_signatures", {})
    ids = [s.id for s in samples]
    out: dict[str, ModelScores] = {}
    preds = [s.prediction for s in samples]
    for name, values, agg, sig in source(preds, [articles.get(i, "") for i in ids]):
        main = np.asarray(values["fmeasure"], dtype=float)
        for i, sample in enumerate(samples):
            if np.isfinite(main[i]):  # no value (NaN) leaves the sample without this score
                sample.scores = {
                    **(sample.scores or {}),
                    name: {p: float(v[i]) for p, v in values.items()},
                }
        summary["metrics"][name] = agg if samples else None
        summary["metric_signatures"][name] = sig
        ok = np.isfinite(main)
        out[name] = ModelScores([i for i, keep in zip(ids, ok, strict=True) if keep],
                                {name: main[ok]})  # fmt: skip
    return out


HIT_LIMIT_WARN_SHARE = 0.10  # above this share of outputs cut by the budget, say so


def token_limit_warnings(task_run: TaskRun) -> list[str]:
    """One line when more than 10% of the outputs stopped at ``max_new_tokens`` rather than
    ending by themselves: those outputs are likely cut mid-sentence."""
    known = [s.hit_token_limit for s in task_run.samples if s.hit_token_limit is not None]
    hits = sum(known)
    if not known or hits / len(known) <= HIT_LIMIT_WARN_SHARE:
        return []
    budget = (task_run.settings or {}).get("max_new_tokens", "?")
    return [
        f"{hits} of {len(known)} outputs ({100 * hits / len(known):.0f}%) stopped at the "
        f"token budget (max_new_tokens {budget}), not by themselves: they may be cut short. "
        f"Raise tasks.{task_run.task}.generation.max_new_tokens if they are; if the model "
        f"just does not stop (see raw_output in samples_{task_run.model}_{task_run.task}"
        ".jsonl), a bigger budget changes nothing"
    ]


def missing_reference_lines(
    articles: list[Article], tasks: list[str], fields: dict[str, Any]
) -> list[str]:
    """One line per task whose articles lack references: how many, and which key to set."""
    out = []
    for task in tasks:
        missing = sum(1 for a in articles if not any(r.strip() for r in a.references(task)))
        if not missing:
            continue
        field = fields.get(task)
        where = f"field '{field}'" if field else "no field (dataset.fields." + task + ": null)"
        fix = f"set dataset.fields.{task} to the field that holds {task} references"
        if missing == len(articles):
            out.append(
                f"{task}: no article has a {task} reference ({where}); {task} scores are n/a; {fix}"
            )
        else:
            out.append(
                f"{task}: {missing} of {len(articles)} article(s) have no {task} reference "
                f"({where}); {task} scores cover the other {len(articles) - missing}"
            )
    return out


def _data_line(report: Any) -> str:
    parts = [f"{report.used} article(s) from {report.source}"]
    if report.skipped_empty:
        parts.append(f"{report.skipped_empty} empty skipped")
    if report.repeated_paragraphs_removed:
        parts.append(f"{report.repeated_paragraphs_removed} repeated paragraph(s) removed")
    if report.undecodable_replaced:
        parts.append(f"{report.undecodable_replaced} undecodable byte(s) replaced")
    if report.control_chars_removed:
        parts.append(f"{report.control_chars_removed} control character(s) removed")
    for task in report.guessed:
        parts.append(
            f"{task} references from field '{report.reference_fields[task]}' "
            f"(set dataset.fields.{task} to change)"
        )
    return "; ".join(parts)


def _backend_and_cache(
    config: SummevalConfig, model_cfg: ModelConfig, options: RunOptions
) -> tuple[Any, GenerationCache]:
    """A model's backend (nothing loaded) and its generation cache."""
    backend = create_backend(model_cfg, config.tasks, config.seed)
    cache = GenerationCache(
        generations_folder(),
        model_fingerprint(backend.identity()),
        enabled=options.use_cache and config.cache,
    )
    return backend, cache


def preflight(
    config: SummevalConfig,
    prepared: dict[str, tuple[Any, GenerationCache]],
    articles: list[Article],
    enabled: list[str],
) -> bool:
    """What can fail on a server or the cache is checked before the run folder is touched
    (``GET /v1/models``, ``/tokenize``, a writable generation cache), for the models that
    have generations to make: a rerun served wholly from the cache needs neither. Returns
    whether any model has generations to make."""
    needed = False
    for model_cfg in config.models:
        backend, cache = prepared[model_cfg.name]
        if not backend.cacheable:  # the lead baseline: nothing to reach, nothing to store
            continue
        specs = [
            task_spec(t, config.tasks.get(t), model_cfg) for t in model_cfg.tasks if t in enabled
        ]
        if not any(
            count_misses(backend, spec, articles, cache, model_cfg.max_input_tokens)
            for spec in specs
        ):
            continue
        needed = True
        if cache.enabled and backend.cacheable:
            check_writable_cache(cache.path.parent)
        check = getattr(backend, "preflight", None)
        if check is not None:
            check()
    return needed


def check_writable_cache(folder: Path) -> None:
    """The generation cache must take new lines before anything is generated or the run
    folder written: a read-only cache found later would lose the generations made."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UserError(
            f"the generation cache cannot be written ({exc.strerror or exc})",
            where=str(folder),
            hint="set $SUMMEVAL_GENERATION_CACHE to a writable folder, or run with --no-cache",
        ) from None


def run_model(
    config: SummevalConfig,
    model_cfg: ModelConfig,
    prepared: tuple[Any, GenerationCache],
    tasks: list[str],
    articles: list[Article],
    rouge: RougeScorer,
    run_dir: Path,
    options: RunOptions,
    on_task_done: Callable[..., None],
    extra: ExtraScorer | None = None,
    judge: JudgeFn | None = None,
    source: SourceScorer | None = None,
) -> None:
    """Generate and score every task of one model (its backend and cache from
    ``_backend_and_cache``); the model loads only on a cache miss."""
    backend, cache = prepared
    t0 = time.perf_counter()
    bodies = {a.id: a.text for a in articles}
    runs: list[TaskRun] = []
    held = ExitStack()
    try:
        if cache.enabled and backend.cacheable:  # one process generates with a cache at once
            held.enter_context(
                generation_lock(cache.path, lambda msg: log(f"{model_cfg.name}: {msg}"))
            )
            cache.forget()  # read what another process may have added while we waited
        for task in tasks:
            spec = task_spec(task, config.tasks.get(task), model_cfg)
            task_run = generate_task(
                backend,
                spec,
                articles,
                model_name=model_cfg.name,
                batch_size=model_cfg.batch_size,
                cache=cache,
                max_input=model_cfg.max_input_tokens,
                check_determinism=options.check_determinism,
                show_progress=options.show_progress,
                fresh=options.fresh,
            )
            runs.append(task_run)
            limits = (spec.max_words, config.tasks.get(task).max_chars)
            summary, per_article, judged = score_task(
                task_run, bodies, rouge, limits, extra, judge, source
            )
            for warning in summary["warnings"]:
                log(f"{model_cfg.name}/{task}: {warning}")
            write_samples(run_dir, task_run)
            info = _model_info(backend, model_cfg, cache, runs)
            on_task_done(model_cfg.name, task, summary, info, per_article, judged)
            if task_run.determinism and task_run.determinism["diverged"]:
                log(
                    f"{model_cfg.name}/{task}: batched output differs from batch size 1 for "
                    f"{len(task_run.determinism['diverged'])} of "
                    f"{task_run.determinism['checked']} article(s): "
                    f"{', '.join(task_run.determinism['diverged'][:5])}"
                )
    finally:
        held.close()
        backend.close()
    _final_line(model_cfg.name, runs, time.perf_counter() - t0)


def _model_info(
    backend: Any, model_cfg: ModelConfig, cache: GenerationCache, runs: list[TaskRun]
) -> dict[str, Any]:
    """What was run for this model; details come from the cache when it was not loaded."""
    info = backend.info
    details = dict(info.details)
    if backend.loaded and backend.cacheable:
        cache.save_info({"name": model_cfg.name, "model": info.model, **details})
    elif backend.cacheable:  # what the run that loaded it saw, less what only it measured
        saved = cache.load_info()
        skip = ("name", "model", "load_seconds", "requests")
        details = {k: v for k, v in saved.items() if k not in skip} | details
    return {
        "backend": info.backend,
        "model": info.model,
        "revision": info.revision,
        "device": info.device,
        "dtype": info.dtype,
        "batch_size": model_cfg.batch_size,
        "loaded_this_run": bool(backend.loaded),
        "cache_fingerprint": cache.model_fp if backend.cacheable else None,
        "generation": {r.task: r.settings for r in runs},
        **details,
    }


def _final_line(name: str, runs: list[TaskRun], seconds: float) -> None:
    articles = sum(len(r.samples) for r in runs)
    generated = sum(r.generated for r in runs)
    new_tokens = sum(s.new_tokens or 0 for r in runs for s in r.samples if not s.cached)
    hits = sum(r.cache_hits for r in runs)
    tokens = (
        f", {new_tokens} new tokens ({new_tokens / seconds:.1f} tokens/s)"
        if new_tokens and seconds > 0
        else ""
    )
    log(
        f"{name}: {articles} article-task(s), {generated} generated{tokens}, {seconds:.1f} s, "
        f"cache hits {hits}/{articles}"
    )


def dry_run(config: SummevalConfig, options: RunOptions | None = None) -> str:
    """What ``run`` would do, per model x task, without generating or loading weights: the
    first article's exact prompt after truncation, the decoding settings, and how many
    generations the cache already holds. Nothing is written."""
    options = options or RunOptions()
    articles, report = load_articles(config.dataset)
    enabled = [t for t in TASK_NAMES if config.tasks.get(t).enabled]
    out = [f"dry run: {_data_line(report)}; nothing generated, no weights loaded", ""]
    for model_cfg in config.models:
        backend, cache = _backend_and_cache(config, model_cfg, options)
        try:
            for task in [t for t in model_cfg.tasks if t in enabled]:
                spec = task_spec(task, config.tasks.get(task), model_cfg)
                plan = plan_task(
                    backend,
                    spec,
                    articles,
                    model_name=model_cfg.name,
                    cache=cache if backend.cacheable else None,
                    max_input=model_cfg.max_input_tokens,
                )
                cached = (
                    f"{plan.cached}/{plan.articles} in the cache"
                    if backend.cacheable and cache.enabled
                    else f"{plan.articles} article(s), not cached"
                )
                out.append(f"== {plan.model} / {plan.task}: {cached}")
                out.append(f"settings: {json.dumps(plan.settings, sort_keys=True)}")
                if plan.first_prompt is not None and plan.first_prompt != "":
                    tokens = (
                        f"{plan.prompt_tokens} prompt tokens, article {plan.article_tokens} "
                        f"tokens{', truncated' if plan.truncated else ''}"
                        if plan.prompt_tokens is not None
                        else ""
                    )
                    out.append(f"first article ({plan.first_id}) prompt, {tokens}:")
                    out.append(plan.first_prompt)
                out.append("")
        finally:
            backend.close()
    return "\n".join(out)


def _write_report(run_dir: Path) -> bool:
    """The HTML report, from the folder just written; a failure here loses no result."""
    from summeval.report import write_report
    from summeval.runs import RunProblem, load_run

    try:
        write_report(load_run(run_dir))
        return True
    except (RunProblem, OSError, ValueError) as err:
        log(f"report.html not written: {err}")
        (run_dir / "report.html").unlink(missing_ok=True)  # an older run's report would mislead
        return False


@dataclass
class Plan:
    """A run checked before its folder is touched: the articles, the ROUGE settings, every
    model's backend and cache (nothing loaded), the judge, and whether anything is to be
    generated. ``plan_run`` makes it; ``execute`` and the API carry it out."""

    config: SummevalConfig
    articles: list[Article]
    data: Any  # the reader's DataReport
    tasks: list[str]  # the enabled tasks, in order
    settings: RougeSettings
    tokenizer: Any
    prepared: dict[str, tuple[Any, GenerationCache]]
    judge: Judge | None
    generating: bool
    scorers: list[Any] = field(default_factory=list)  # reference metrics beside ROUGE
    sources: list[Any] = field(default_factory=list)  # metrics that read the article

    def close(self) -> None:
        """Free every backend (those of models with no task to run too) and the judge."""
        for backend, _ in self.prepared.values():
            backend.close()
        if self.judge is not None:
            self.judge.close()


def load_data(config: SummevalConfig) -> tuple[list[Article], Any, list[str]]:
    """Stage 1: the articles, the reader's report, and the enabled tasks (said on stderr:
    how many articles, and which tasks lack references)."""
    articles, report = load_articles(config.dataset)
    log(_data_line(report))
    enabled = [t for t in TASK_NAMES if config.tasks.get(t).enabled]
    for line in missing_reference_lines(articles, enabled, report.reference_fields):
        log(line)
    return articles, report, enabled


def plan_run(config: SummevalConfig, options: RunOptions) -> Plan:
    """Stages 1-2: data, scorer and backends, and every pre-flight check (servers, cache,
    judge, the metrics' models): everything that can fail on bad input or a missing model
    or server."""
    articles, report, enabled = load_data(config)
    settings = settings_from_config(config.metrics.rouge, config.dataset.language)
    tokenizer = make_tokenizer(settings)  # shared: references are tokenised once per run
    prepared = {m.name: _backend_and_cache(config, m, options) for m in config.models}
    generating = preflight(config, prepared, articles, enabled)
    judge = None
    if config.metrics.judge is not None:  # its backend and cache identity, nothing loaded
        judge = Judge(config.metrics.judge, config.seed, options.use_cache and config.cache)
        judge.prepare()
        if generating:  # new outputs to rate: a served judge must be there too
            judge.preflight()
    scorers = scorers_from_config(config.metrics)
    sources = source_scorers_from_config(config.metrics)
    check_scorers([*scorers, *sources])
    return Plan(config, articles, report, enabled, settings, tokenizer, prepared, judge,
                generating, scorers, sources)  # fmt: skip


@dataclass
class TaskScorer:
    """Stage 4's pieces for one run: ROUGE, the other reference metrics and the judge, all
    with the run's settings (intervals, resampler, seed)."""

    settings: RougeSettings
    tokenizer: Any
    scorers: list[Any]
    judge: Judge | None
    show_progress: bool
    sources: list[Any] = field(default_factory=list)  # read the article, not the references

    def rouge(self, ids: list[str], preds: list[str], refs: list[list[str]]) -> CorpusScores:
        return score_corpus(ids, preds, refs, self.settings, self.tokenizer)

    def _aggregate(self, values: dict[str, Any]) -> dict[str, Any]:
        s = self.settings
        return aggregate(values, s.resamples, s.resampler, s.seed, s.confidence)

    def extra(
        self, preds: list[str], refs: list[list[str]], task_refs: list[str]
    ) -> list[tuple[str, dict[str, Any], dict[str, float], str]]:
        """BERTScore and embedding similarity: per-article values, intervals, signature."""
        out = []
        for scorer in self.scorers:
            values, sig = scorer.score(preds, refs, task_refs)
            agg = self._aggregate(values)
            if hasattr(scorer, "corpus"):  # sacrebleu: its corpus score and signature too
                agg |= scorer.corpus(preds, refs)
            out.append((scorer.name, values, agg, sig))
        return out

    def source(
        self, preds: list[str], articles: list[str]
    ) -> list[tuple[str, dict[str, Any], dict[str, float], str]]:
        """SummaC: per-article values against each article, intervals, signature."""
        out = []
        for scorer in self.sources:
            for name, values, sig in scorer.score_sources(preds, articles):
                ok = np.isfinite(values["fmeasure"])  # NaN: no value (no entity to check)
                agg = (
                    self._aggregate({p: v[ok] for p, v in values.items()})
                    if ok.any()
                    else {"fmeasure": None, "fmeasure_low": None, "fmeasure_high": None}
                )
                agg |= {"n": int(ok.sum()), "n_without_value": int((~ok).sum())}
                out.append((name, values, agg, sig))
        return out

    def judge_task(
        self, task_run: TaskRun, bodies: dict[str, str]
    ) -> tuple[dict[str, Any] | None, dict[str, ModelScores]]:
        """The judge's ratings of one model x task: mean with interval per dimension, the
        rating on every sample, and the per-article values for paired tests."""
        assert self.judge is not None
        if not self.judge.dimensions(task_run.task):
            return None, {}
        samples = task_run.samples
        res = self.judge.rate(
            task_run.task,
            task_run.model,
            [s.id for s in samples],
            [s.prediction for s in samples],
            [bodies.get(s.id, "") for s in samples],
            show_progress=self.show_progress,
        )
        dims: dict[str, Any] = {}
        judged: dict[str, ModelScores] = {}
        for dim, values in res["ratings"].items():
            ok = ~np.isnan(values)
            agg = (
                self._aggregate({"mean": values[ok]})
                if ok.any()
                else {"mean": None, "mean_low": None, "mean_high": None}
            )
            reads = res["read"][dim]
            dims[dim] = {
                **agg,
                "n": int(ok.sum()),
                "unparseable": int((~ok).sum()),
                "weighted": sum(r == "weighted" for r in reads),
            }
            for i, sample in enumerate(samples):
                sample.judge = {
                    **(sample.judge or {}),
                    dim: {"rating": None if np.isnan(values[i]) else float(values[i]),
                          "read": reads[i], "answer": res["answers"][dim][i]},
                }  # fmt: skip
            judged[dim] = ModelScores(
                [s.id for s, keep in zip(samples, ok, strict=True) if keep],
                {f"judge_{dim}": values[ok]},
            )
        for dim, d in dims.items():
            if d["unparseable"]:
                log(f"{task_run.model}/{task_run.task}: judge {dim}: {d['unparseable']} of "
                    f"{len(samples)} answer(s) unparseable (left out of the mean)")  # fmt: skip
        out = {"dimensions": dims, "signature": self.judge.signature(task_run.task),
               "generated": res["generated"]}  # fmt: skip
        return out, judged


def task_scorer(plan: Plan, options: RunOptions) -> TaskScorer:
    return TaskScorer(
        plan.settings, plan.tokenizer, plan.scorers, plan.judge, options.show_progress, plan.sources
    )


@dataclass
class RunRecord:
    """Stage 5: ``results.json`` and the tables as the run grows, rewritten (atomically)
    after every model x task with the paired tests against the baseline so far."""

    run_dir: Path
    run_name: str
    head: dict[str, Any]
    plan: Plan
    started: float
    results: dict[str, dict[str, TaskResult]] = field(default_factory=dict)
    models: dict[str, ModelRecord] = field(default_factory=dict)
    significance: dict[str, list[PairedTest]] = field(default_factory=dict)
    per_article: dict[str, dict[str, ModelScores]] = field(default_factory=dict)
    judged: dict[str, dict[str, dict[str, ModelScores]]] = field(default_factory=dict)

    def add(
        self,
        model: str,
        task: str,
        summary: dict[str, Any],
        info: dict[str, Any],
        scores: ModelScores,
        judged: dict[str, ModelScores],
    ) -> None:
        """One model x task done: keep it, redo that task's paired tests, save."""
        self.results.setdefault(model, {})[task] = TaskResult.model_validate(summary)
        self.models[model] = ModelRecord.model_validate(info)
        if summary["n_scored"]:  # n/a: no paired tests without references
            self.per_article.setdefault(task, {})[model] = scores
        for dim, dim_scores in judged.items():  # judge ratings: their own articles
            self.judged.setdefault(task, {}).setdefault(dim, {})[model] = dim_scores
        sig = self.plan.config.metrics.significance
        baseline = sig.baseline or self.plan.config.models[0].name
        tests = dict(
            resampler=self.plan.settings.resampler,
            all_pairs=sig.all_pairs,
            bootstrap=sig.bootstrap,
            permutations=sig.permutations,
            seed=sig.seed,
        )
        found = (
            compare_models(self.per_article[task], baseline, **tests)
            if task in self.per_article
            else []
        )
        for by_model in self.judged.get(task, {}).values():
            merge_tests(found, compare_models(by_model, baseline, **tests))
        if found:
            self.significance[task] = [PairedTest.model_validate(t) for t in found]
        self.save("running")

    def save(self, status: str) -> RunResults:
        """results.json (written through its typed model) and the tables, atomically."""
        doc = RunResults(
            schema_version=SCHEMA_VERSION,
            **self.head,
            status=status,
            models=self.models,
            results=self.results,
            significance=self.significance,
            timings={"total_seconds": round(time.perf_counter() - self.started, 3)},
        )
        write_json(self.run_dir / "results.json", doc.to_json())
        write_tables(self.run_dir, self.run_name, self.results, self.plan.tasks,
                     self.significance, self.plan.data.used)  # fmt: skip
        return doc


def run_head(plan: Plan, run_name: str, config_path: str) -> dict[str, Any]:
    """What results.json says about the run itself: versions, settings, data."""
    return {
        "summeval_version": __version__,
        "run": run_name,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "config_file": config_path,
        "seed": plan.config.seed,
        "git_commit": git_commit(),
        "versions": package_versions(),
        "scale": "0-1 (tables: 0-100)",
        "rouge_settings": plan.settings.to_dict(),
        "data": plan.data.to_dict(),
    }


def generate_and_score(
    plan: Plan, scorer: TaskScorer, record: RunRecord, options: RunOptions
) -> None:
    """Stages 3-4: every model generates (cache first) and is scored, task by task, each
    result going into ``record`` as it comes."""
    for model_cfg in plan.config.models:
        tasks = [t for t in model_cfg.tasks if t in plan.tasks]
        if tasks:
            run_model(
                plan.config,
                model_cfg,
                plan.prepared[model_cfg.name],
                tasks,
                plan.articles,
                scorer.rouge,
                record.run_dir,
                options,
                record.add,
                scorer.extra if scorer.scorers else None,
                scorer.judge_task if scorer.judge is not None else None,
                scorer.source if scorer.sources else None,
            )


def generate_in_parallel(plan: Plan, options: RunOptions) -> frozenset[str] | None:
    """Stage 3a, under ``torchrun`` or ``accelerate launch`` only: every rank generates its
    shard of the missing generations into the cache (``parallel``). Returns the cache keys
    the ranks generated if this process goes on to score and write the run (rank 0, or a
    single process: none), else None."""
    from summeval.parallel import ranks_from_env

    ranks = ranks_from_env()
    if ranks is None:
        return frozenset()
    from summeval import parallel

    try:
        parallel.init_process_group(ranks)
        tally = parallel.generate_shards(plan, ranks, options.show_progress)
        parallel.destroy_process_group()
    except BaseException:
        plan.close()
        raise
    if ranks.rank != 0:
        plan.close()
        return None
    for line in tally.lines():
        log(line)
    return frozenset(tally.keys)


def execute(
    config: SummevalConfig,
    *,
    config_path: str,
    run_name: str,
    options: RunOptions | None = None,
) -> RunOutcome:
    """Run every model on every task it takes; write everything under ``<output.dir>/<run>``.

    The stages: ``plan_run`` (data, scorer, backends, pre-flight: all before the folder is
    touched), then ``generate_and_score`` into a ``RunRecord`` that rewrites the results
    after each model x task, so a run that dies keeps what it finished; generations are in
    the cache, so a rerun resumes where it stopped.
    """
    options = options or RunOptions()
    started = time.perf_counter()
    run_dir = Path(config.output.dir) / run_name_for(config, config_path, run_name)
    plan = plan_run(config, options)
    fresh = generate_in_parallel(plan, options)
    if fresh is None:  # a data-parallel rank other than 0: its shard is done
        return RunOutcome(run_dir, None)
    options = dataclasses.replace(options, fresh=fresh)
    run_dir.mkdir(parents=True, exist_ok=True)
    with run_folder_lock(run_dir):
        record = RunRecord(run_dir, run_name, run_head(plan, run_name, config_path), plan, started)
        # A folder always describes one run: first mark it as this run, still running (an
        # older complete run here stops counting at once), then write its config and data.
        record.save("running")
        try:
            write_atomic(run_dir / "config.yaml", dump_config(config))
            write_articles(run_dir, plan.articles)  # a disk that fills here marks it failed
            generate_and_score(plan, task_scorer(plan, options), record, options)
        except (KeyboardInterrupt, ServiceError):
            record.save("interrupted")  # what finished is kept; generations are in the cache
            raise
        except Exception:
            with contextlib.suppress(Exception):  # e.g. the disk is full: keep the old file
                record.save("failed")
            raise
        finally:
            plan.close()
        doc = record.save("complete")
        written = "table.md, table.csv, results.json"
        if config.output.report and _write_report(run_dir):
            written += ", report.html"
        log(f"results written to {run_dir}/ ({written})")
        return RunOutcome(run_dir, doc)
