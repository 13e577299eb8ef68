"""summeval as a library: ``evaluate`` runs a config as ``summeval run`` does, ``score``
scores predictions made elsewhere as ``summeval score`` does. The CLI is a thin layer over
these.

Neither prints nor exits: messages go to the ``summeval`` logger, bad input raises
``summeval.errors.UserError`` (its subclasses ``ConfigError``, ``DataError``,
``ModelError``; ``ServiceError`` when a server stays down) with the CLI's one-line
message, and results come back typed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summeval.config import (
    SummevalConfig,
    apply_overrides,
    load_config,
    run_name_for,
    validate_config,
)
from summeval.errors import DataError
from summeval.schema import RunResults, Score

DEFAULT_MEASURES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
API_RUN_NAME = "evaluate"  # the run folder of a config given as a dict or object, unnamed


def _config_checks() -> list[Any]:
    """What the config module cannot check itself: backends and ROUGE settings."""
    from summeval.metrics.rouge import rouge_problem
    from summeval.models.registry import backend_problem
    from summeval.plugins import metric_problem

    return [backend_problem, rouge_problem, metric_problem]


def override_list(
    overrides: Mapping[str, Any] | Sequence[str] | None, keywords: Mapping[str, Any]
) -> list[str]:
    """``--set`` strings from a mapping (``{"dataset.limit": 3}``), a list of ``KEY=VALUE``
    strings, and keywords with ``__`` for the dots (``dataset__limit=3``)."""
    out: list[str] = []
    if isinstance(overrides, Mapping):
        out += [f"{k}={json.dumps(v)}" for k, v in overrides.items()]
    elif overrides:
        out += [str(o) for o in overrides]
    out += [f"{k.replace('__', '.')}={json.dumps(v)}" for k, v in keywords.items()]
    return out


def load(
    config: str | Path | Mapping[str, Any] | SummevalConfig, overrides: list[str]
) -> tuple[SummevalConfig, str]:
    """A validated config from a file, a packaged config's name, a mapping or a config
    object, with overrides on top, and what names it (the file, or ``<dict>``)."""
    if isinstance(config, str | Path):
        return load_config(config, overrides, checks=_config_checks()), str(config)
    if isinstance(config, SummevalConfig):
        data: Any = config.model_dump(mode="json")
    elif isinstance(config, Mapping):
        data = json.loads(json.dumps(dict(config)))  # a deep copy: the caller's stays as is
    else:
        raise TypeError(
            f"config must be a path, a name, a dict or a SummevalConfig, not {config!r}"
        )
    set_at: dict[tuple[Any, ...], str] = {}
    data = apply_overrides(data, overrides, set_at)
    return validate_config(data, "<dict>", None, set_at, _config_checks()), "<dict>"


@dataclass(frozen=True)
class RunResult:
    """A finished run: its folder and its ``results.json``, typed."""

    run_dir: Path
    results: RunResults | None  # None on a data-parallel rank other than 0

    def score(self, model: str, task: str, measure: str = "rouge1") -> Score | None:
        """One corpus-level score with its interval (0-1), or None where it is n/a."""
        result = self.results.result(model, task)
        return result.score(measure) if result is not None else None

    def table(self) -> str:
        """The run's table.md: scores with intervals, tests, statistics, checks."""
        return (self.run_dir / "table.md").read_text(encoding="utf-8")

    def __str__(self) -> str:
        return self.table()


def evaluate(
    config: str | Path | Mapping[str, Any] | SummevalConfig,
    /,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    *,
    run_name: str | None = None,
    output_dir: str | Path | None = None,
    use_cache: bool = True,
    progress: bool = False,
    check_determinism: int = 0,
    **keywords: Any,
) -> RunResult:
    """Run a config (a YAML path, a packaged name such as ``"base"``, a dict or a
    ``SummevalConfig``) and return its typed results; the run folder is written as by
    ``summeval run``. Overrides as ``--set`` takes them: ``{"dataset.limit": 3}`` or
    ``dataset__limit=3``."""
    from summeval.run import RunOptions, execute

    extra = override_list(overrides, keywords)
    if output_dir is not None:
        extra.append(f"output.dir={json.dumps(str(output_dir))}")
    cfg, source = load(config, extra)
    if source == "<dict>" and not run_name and not cfg.output.run_name:
        run_name = API_RUN_NAME
    name = run_name_for(cfg, source, run_name)
    options = RunOptions(
        use_cache=use_cache, check_determinism=check_determinism, show_progress=progress
    )
    outcome = execute(cfg, config_path=source, run_name=name, options=options)
    if cfg.output.push:
        push_run(outcome.run_dir, cfg.output.push)
    return RunResult(outcome.run_dir, outcome.results)


def push_run(run_dir: str | Path, targets: Sequence[Any]) -> list[str]:
    """Send a complete run folder to W&B or the Hub (``PushConfig`` targets, or mappings
    like ``{"to": "hub", "repo": "me/evals"}``); returns where each went."""
    from summeval.config import PushConfig
    from summeval.logs import log
    from summeval.push import push
    from summeval.runs import resolve_run

    run = resolve_run(str(run_dir))
    out = []
    for target in targets:
        cfg = target if isinstance(target, PushConfig) else PushConfig.model_validate(target)
        where = push(run, cfg)
        log(f"pushed {run.path} to {cfg.to}: {where}")
        out.append(where)
    return out


@dataclass(frozen=True)
class Scores:
    """ROUGE of predictions against references: each measure's P, R and F1 with the
    bootstrap interval of F1 (0-1), per-article scores, data statistics and the signature.
    ``str()`` gives the table ``summeval score`` prints."""

    measures: dict[str, Score]
    signature: str
    n: int  # items scored (with a non-empty reference)
    unscored: int
    per_article: list[dict[str, dict[str, float]] | None]  # input order; None: not scored
    stats: dict[str, Any]
    warnings: list[str]
    text: str = field(repr=False)

    def __getitem__(self, measure: str) -> Score:
        return self.measures[measure]

    def __iter__(self) -> Iterator[str]:
        return iter(self.measures)

    def __str__(self) -> str:
        return self.text


def _reference_lists(references: Sequence[Any], n: int) -> list[list[str]]:
    """One list of references per prediction, from strings or lists of strings."""
    if isinstance(references, str) or len(references) != n:
        got = "a string" if isinstance(references, str) else f"{len(references)} reference(s)"
        raise DataError(
            f"{got} for {n} prediction(s)",
            where="summeval.score",
            hint="give one reference (a string) or a list of references per prediction",
        )
    out = []
    for i, r in enumerate(references):
        refs = [r] if isinstance(r, str) else r
        if not isinstance(refs, list | tuple) or not all(isinstance(t, str) for t in refs):
            raise DataError(
                f"references[{i}] is not a string or a list of strings", where="summeval.score"
            )
        out.append(list(refs))
    return out


def score(
    predictions: Sequence[str],
    references: Sequence[str] | Sequence[Sequence[str]],
    *,
    profile: str | None = None,
    language: str | None = None,
    types: Sequence[str] = DEFAULT_MEASURES,
    bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    stats: bool = True,
    ids: Sequence[str] | None = None,
    **options: Any,
) -> Scores:
    """Score predictions against references (one string or a list per prediction) with
    the numbers, intervals and signature of ``summeval score``. ``profile`` defaults to
    rouge155 (multilingual when ``language`` is not English); ``bootstrap=0`` leaves out the
    intervals and ``stats=False`` the data statistics; ``options`` are the other
    ROUGE settings (``multi_ref``, ``stem``, ``tokenizer``, ``split``, ``stopwords``,
    ``word_limit``, ``byte_limit``)."""
    from summeval.scoring import as_text, choose_settings, score_texts

    if isinstance(predictions, str) or not all(isinstance(p, str) for p in predictions):
        raise DataError("predictions must be a list of strings", where="summeval.score")
    refs = _reference_lists(references, len(predictions))
    names = [str(i) for i in ids] if ids is not None else [str(i + 1) for i in range(len(refs))]
    settings = choose_settings(
        profile, language, "summeval.score", "language=",
        measures=list(types), resamples=bootstrap, confidence=confidence, seed=seed, **options,
    )  # fmt: skip
    result = score_texts(
        names, list(predictions), refs, settings, language_key="language=", stats=stats
    )
    corpus = result.scores
    index = {ident: i for i, ident in enumerate(corpus.ids)}
    per_article = [corpus.article(index[ident]) if ident in index else None for ident in result.ids]
    return Scores(
        measures={m: Score.model_validate(r) for m, r in corpus.aggregate.items()},
        signature=corpus.signature,
        n=corpus.n,
        unscored=result.unscored,
        per_article=per_article,
        stats=result.stats,
        warnings=list(corpus.warnings),
        text=as_text(corpus, result.stats, result.unscored),
    )
