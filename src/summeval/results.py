"""Result files of a run, each written atomically (temp file + rename).

``results/<run>/``: ``config.yaml`` (resolved), ``results.json``, ``samples_<model>_<task>.jsonl``
(one line per article), ``table.md`` and ``table.csv`` (a row per model, a column group per task).
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import subprocess
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from summeval.generate import TaskRun

MEASURES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
SHORT = {"rouge1": "R-1", "rouge2": "R-2", "rougeL": "R-L", "rougeLsum": "R-Lsum"}
TRACKED_PACKAGES = (
    "summeval",
    "torch",
    "transformers",
    "tokenizers",
    "accelerate",
    "gguf",
    "datasets",
    "rouge-score",
    "nltk",
    "numpy",
    "pydantic",
)


def write_atomic(path: Path, text: str) -> None:
    """Write text so that readers see the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def git_commit(cwd: Path | None = None) -> str | None:
    """The current commit (with ``-dirty`` if the tree has changes), or None outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
        )
        return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def samples_path(run_dir: Path, model: str, task: str) -> Path:
    return run_dir / f"samples_{model}_{task}.jsonl"


def write_samples(run_dir: Path, task_run: TaskRun) -> Path:
    path = samples_path(run_dir, task_run.model, task_run.task)
    lines = [json.dumps(s.to_dict(), ensure_ascii=False) for s in task_run.samples]
    write_atomic(path, "\n".join(lines) + ("\n" if lines else ""))
    return path


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _cell(summary: dict[str, Any] | None, measure: str) -> str:
    if summary is None:
        return "—"
    value = summary.get(f"{measure}_fmeasure")
    return "n/a" if value is None else f"{100 * value:.2f}"


def table_rows(
    results: dict[str, dict[str, dict[str, Any]]], tasks: list[str]
) -> tuple[list[str], list[list[str]]]:
    """Header and rows: a row per model, per task R-1/R-2/R-L/R-Lsum F1 (x100) and n."""
    header = ["model"]
    for task in tasks:
        header += [f"{task} {SHORT[m]}" for m in MEASURES] + [f"{task} n"]
    rows = []
    for model, by_task in results.items():
        row = [model]
        for task in tasks:
            summary = by_task.get(task)
            row += [_cell(summary, m) for m in MEASURES]
            row.append("—" if summary is None else str(summary.get("n_scored", 0)))
        rows.append(row)
    return header, rows


def render_markdown(run: str, header: list[str], rows: list[list[str]], notes: list[str]) -> str:
    lines = [f"# summeval results: {run}", ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines.append("")
    lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def render_csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_tables(
    run_dir: Path, run: str, results: dict[str, Any], tasks: list[str], notes: list[str]
) -> None:
    header, rows = table_rows(results, tasks)
    write_atomic(run_dir / "table.md", render_markdown(run, header, rows, notes))
    write_atomic(run_dir / "table.csv", render_csv(header, rows))
