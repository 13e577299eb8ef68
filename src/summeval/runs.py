"""Reading finished run folders back: results, samples and articles, checked on the way in.

``results.json`` is read through its typed model (``summeval.schema``).

``compare``, ``show``, ``diff`` and the HTML report read runs only through this module. A
folder that is not a complete run written by this summeval (missing or corrupt files, a run
still going or interrupted, an older results layout) raises ``RunProblem`` with the reason,
so callers can report it and go on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from summeval.errors import DataError
from summeval.metrics.datastats import words
from summeval.metrics.significance import ModelScores
from summeval.schema import RunResults, SchemaVersionError, TaskResult, read_results

RESULTS = "results.json"


class RunProblem(Exception):
    """A folder that cannot be read as a complete run; the message says why."""


@dataclass
class Entry:
    """One model x task of a run, with its per-article samples."""

    run: str
    model: str
    task: str
    result: TaskResult
    samples: list[dict[str, Any]]

    @property
    def label(self) -> str:
        return f"{self.run}:{self.model}"

    @property
    def signature(self) -> str:
        return self.result.signature

    @property
    def article_set(self) -> str:
        return self.result.article_set

    @property
    def scored(self) -> bool:
        """Whether any article had a reference, i.e. whether there are scores at all."""
        rouge = self.result.rouge
        return bool(self.result.n_scored) and all(v is not None for v in rouge.values())

    def prediction_lengths(self) -> list[int]:
        """Length in words of every prediction."""
        return [len(words(s.get("prediction", ""))) for s in self.samples]

    def reference_lengths(self) -> list[int]:
        """Length in words of every non-empty reference."""
        return [len(words(r)) for s in self.samples for r in s.get("references", []) if r.strip()]

    def model_scores(self, measures: list[str]) -> ModelScores:
        """Per-article F1 of the given measures over the scored articles, for paired tests."""
        scored = [s for s in self.samples if all(m in (s.get("scores") or {}) for m in measures)]
        return ModelScores(
            [str(s["id"]) for s in scored],
            {m: np.array([float(s["scores"][m]["fmeasure"]) for s in scored]) for m in measures},
        )

    def fmeasure(self, measure: str) -> dict[str, float]:
        """Per-article F1 of a measure, by article id (scored articles only)."""
        out: dict[str, float] = {}
        for s in self.samples:
            scores = s.get("scores")
            if scores and measure in scores:
                out[str(s["id"])] = float(scores[measure]["fmeasure"])
        return out


@dataclass
class Run:
    """A complete run folder."""

    name: str
    path: Path
    results: RunResults  # results.json, validated and typed
    entries: list[Entry] = field(default_factory=list)

    @property
    def models(self) -> list[str]:
        return list(self.results.results)

    @property
    def tasks(self) -> list[str]:
        return list(dict.fromkeys(e.task for e in self.entries))

    def entry(self, model: str, task: str) -> Entry | None:
        return next((e for e in self.entries if e.model == model and e.task == task), None)

    def articles(self) -> dict[str, dict[str, Any]]:
        """Saved articles by id (``articles.jsonl``); empty for runs that did not save them."""
        path = self.path / "articles.jsonl"
        if not path.exists():
            return {}
        return {str(r["id"]): r for r in _read_jsonl(path)}


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _score_problem(scores: Any, parts: tuple[str, ...]) -> str | None:
    """What is wrong with ``{measure: {part: number}}`` (a measure may be null), or None."""
    if not isinstance(scores, dict):
        return "scores are not an object"
    for measure, r in scores.items():
        if r is None:
            continue
        if not isinstance(r, dict) or not all(_number(r.get(p)) for p in parts):
            return f"'{measure}' is not a score"
    return None


def _sample_problem(row: dict[str, Any]) -> str | None:
    """What is wrong with one samples line read back, or None."""
    if not isinstance(row.get("prediction", ""), str):
        return "'prediction' is not text"
    refs = row.get("references", [])
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        return "'references' is not a list of texts"
    if row.get("scores") is not None:
        problem = _score_problem(row["scores"], ("fmeasure",))
        if problem:
            return problem
    return None


def _validation_line(err: ValidationError) -> str:
    """pydantic's first error as one line: where in results.json, and what."""
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "the document"
    return f"{where}: {first['msg']}"


def _typed(doc: dict[str, Any]) -> RunResults:
    """results.json through its typed model; RunProblem names the key that is wrong."""
    for model, by_task in doc["results"].items():
        for summary in (by_task or {}).values() if isinstance(by_task, dict) else ():
            if not isinstance(summary, dict) or "signature" not in summary:
                raise RunProblem(
                    f"written by summeval {doc.get('summeval_version', '?')} without scoring "
                    "signatures; rerun summeval run on its config to rescore it (cached "
                    "generations cost nothing)"
                )
        if not isinstance(by_task, dict | None):
            raise RunProblem(f"{RESULTS}: results for '{model}' are not an object")
    try:
        return read_results(doc)
    except SchemaVersionError as err:
        raise RunProblem(f"{RESULTS}: {err}") from None
    except ValidationError as err:
        raise RunProblem(f"{RESULTS}: {_validation_line(err)}") from None


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise RunProblem(f"{path.name} cannot be read ({err.__class__.__name__})") from None
    # split on "\n" only: str.splitlines() would also split inside text at U+2028, U+0085...
    for no, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise RunProblem(f"{path.name}:{no} is not valid JSON") from None
        if not isinstance(row, dict) or "id" not in row:
            raise RunProblem(f"{path.name}:{no} is not a sample record")
        problem = _sample_problem(row)
        if problem:
            raise RunProblem(f"{path.name}:{no}: {problem}")
        rows.append(row)
    return rows


def load_run(path: Path) -> Run:
    """Read and check a run folder; raise ``RunProblem`` saying what is wrong."""
    results = path / RESULTS
    if not results.is_file():
        raise RunProblem(f"no {RESULTS} (not a summeval run folder)")
    try:
        doc = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RunProblem(f"{RESULTS} is not valid JSON ({err.__class__.__name__})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
        raise RunProblem(f"{RESULTS} has no 'results' section")
    status = doc.get("status")
    if status != "complete":
        raise RunProblem(f"partial run (status '{status}'); finish it with summeval run")
    typed = _typed(doc)
    run = Run(typed.run or path.name, path, typed)
    for model, by_task in typed.results.items():
        for task, result in by_task.items():
            samples_file = path / f"samples_{model}_{task}.jsonl"
            if not samples_file.is_file():
                raise RunProblem(f"{samples_file.name} is missing")
            run.entries.append(Entry(run.name, model, task, result, _read_jsonl(samples_file)))
    return run


def find_runs(paths: list[Path]) -> tuple[list[Run], list[tuple[Path, str]]]:
    """Runs under the given paths (a run folder, or a folder of run folders), sorted by
    folder, and the folders skipped with the reason."""
    candidates: list[Path] = []
    for p in paths:
        if not p.exists():
            raise DataError("no such folder", where=str(p), hint="give a results folder or a run")
        if (p / RESULTS).exists() or not p.is_dir():
            candidates.append(p)
        else:
            candidates += sorted(c for c in p.iterdir() if c.is_dir() and c.name[0] not in "._")
    runs: list[Run] = []
    skipped: list[tuple[Path, str]] = []
    seen: set[str] = set()
    for c in candidates:
        try:
            run = load_run(c)
        except RunProblem as err:
            skipped.append((c, str(err)))
            continue
        if run.name in seen:  # two folders with the same run name: tell them apart
            run.name = str(c)
            for e in run.entries:
                e.run = run.name
        seen.add(run.name)
        runs.append(run)
    return runs, skipped


def resolve_run(arg: str, results_dir: Path = Path("results")) -> Run:
    """A run given as a folder, or as a run name under ``results/``; one-line errors."""
    path = Path(arg)
    if not path.is_dir() and (results_dir / arg).is_dir():
        path = results_dir / arg
    if not path.is_dir():
        raise DataError("no such run folder", where=arg, hint="give results/<run> or a run name")
    try:
        return load_run(path)
    except RunProblem as err:
        raise DataError(str(err), where=str(path)) from None
