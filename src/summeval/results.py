"""Result files of a run, each written atomically (temp file + rename).

``results/<run>/``: ``config.yaml`` (resolved), ``results.json``, ``articles.jsonl`` (the
articles and references), ``samples_<model>_<task>.jsonl`` (one line per article), ``table.md``
and ``table.csv`` (a row per model, a column group per task), ``report.html``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from summeval.atomic import write_atomic, write_atomic_bytes  # noqa: F401  (re-exported)
from summeval.generate import TaskRun
from summeval.labels import (
    LOWER_IS_BETTER,
    MEASURES,
    MIN_INTERVAL_N,
    SHORT,
    format_stat,
    small_n_note,
)
from summeval.schema import PairedTest, Score, TaskResult


def ordered_measures(names: Iterable[str]) -> list[str]:
    """Measures in the standard order (ROUGE, BERTScore, embedding), then any others (a
    plugin's metrics) by name; judge dimensions are not measures here."""
    names = set(names)
    return [m for m in MEASURES if m in names] + sorted(
        m for m in names - set(MEASURES) if not m.startswith("judge_")
    )


def scale_of(measure: str) -> float:
    """Tables show scores x100 (0-100), but judge ratings on their own 1-5 scale."""
    return 1.0 if measure.startswith("judge_") else 100.0


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
    "scipy",
    "sentence-transformers",
    "jieba",
    "fugashi",
    "unidic-lite",
    "pythainlp",
    "openai",
)


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


def write_articles(run_dir: Path, articles: list[Any]) -> Path:
    """``articles.jsonl``: each article's id, text (the model input) and references, so that
    a run folder alone can show and report any article."""
    path = run_dir / "articles.jsonl"
    lines = [
        json.dumps(
            {"id": a.id, "article": a.text, "summaries": a.summaries, "headlines": a.headlines},
            ensure_ascii=False,
        )
        for a in articles
    ]
    write_atomic(path, "\n".join(lines) + ("\n" if lines else ""))
    return path


def article_set(ids: list[str], references: list[list[str]]) -> str:
    """A short fingerprint of which articles were scored against which references; two
    results are comparable only when theirs match."""
    h = hashlib.sha256()
    for ident, refs in sorted(zip(ids, references, strict=True)):
        h.update(json.dumps([ident, refs], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()[:16]


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


Results = dict[str, dict[str, TaskResult]]  # model -> task -> result
Significance = dict[str, list[PairedTest]]  # task -> paired tests against the baseline


def all_scores(result: TaskResult | None) -> dict[str, Score | None]:
    """ROUGE's measures and the other metrics of one model x task, by measure name."""
    if result is None:
        return {}
    return {**result.rouge, **(result.metrics or {})}


def score_dicts(result: TaskResult | None) -> dict[str, dict[str, Any]]:
    """``all_scores`` as plain JSON values (plots, leaderboard.json), n/a measures left out."""
    return {
        m: r.model_dump(mode="json", exclude_unset=True)
        for m, r in all_scores(result).items()
        if r is not None
    }


def _rouge(result: TaskResult | None, measure: str) -> Score | None:
    return all_scores(result).get(measure)


def measures_of(results: Results, task: str) -> list[str]:
    """The measures present for a task (ROUGE, then other metrics), in the standard order."""
    found = {m for by_task in results.values() for m in all_scores(by_task.get(task))}
    return ordered_measures(found)


def better_delta(measure: str, delta: float) -> float:
    """The difference signed so that positive is better (TER and hallucination: lower)."""
    return -delta if measure in LOWER_IS_BETTER else delta


def significance_mark(significant: bool, delta: float) -> str:
    """'▲' / '▼' for a significantly better/worse result of a paired test, else ''."""
    if not significant:
        return ""
    return "▲" if delta > 0 else "▼"


def _marks(significance: Significance, task: str) -> dict[tuple[str, str], str]:
    """(model, measure) -> mark against the baseline the model was tested against."""
    return {
        (test.system, measure): significance_mark(r.significant, better_delta(measure, r.delta))
        for test in significance.get(task, [])
        for measure, r in test.measures.items()
    }


def format_f1(r: Score | Mapping[str, Any], mark: str = "") -> str:
    """F1 x100 with its interval, e.g. ``41.23 [39.10, 43.35] ▲`` (a score, or its JSON)."""
    d = r.model_dump() if isinstance(r, Score) else r
    f, low, high = (100 * (d.get(k) or 0.0) for k in ("fmeasure", "fmeasure_low", "fmeasure_high"))
    text = f"{f:.2f} [{low:.2f}, {high:.2f}]"
    return f"{text} {mark}" if mark else text


def na_cell(summary: TaskResult | None) -> str:
    """A score cell with no score: '—' when the model did not run the task, 'n/a' when it
    did but there was nothing to score it against."""
    return "—" if summary is None else "n/a"


def table_rows(
    results: Results,
    tasks: list[str],
    significance: Significance | None = None,
) -> tuple[list[str], list[list[str]]]:
    """Header and rows: a row per model; per task each measure's F1 x100 with its 95%
    interval, significance marks against the baseline, and n."""
    significance = significance or {}
    header = ["model"]
    by_task = {t: measures_of(results, t) for t in tasks}
    for task in tasks:
        header += [f"{task} {SHORT.get(m, m)}" for m in by_task[task]] + [f"{task} n"]
    rows = []
    for model, summaries in results.items():
        row = [model]
        for task in tasks:
            marks = _marks(significance, task)
            summary = summaries.get(task)
            for m in by_task[task]:
                r = _rouge(summary, m)
                mark = marks.get((model, m), "")
                row.append(na_cell(summary) if r is None else format_f1(r, mark))
            row.append("—" if summary is None else str(summary.n_scored))
        rows.append(row)
    return header, rows


def csv_rows(results: Results, tasks: list[str]) -> tuple[list[str], list[list[str]]]:
    """Machine-readable table: F1, its interval bounds, P and R per task x measure (0-100)."""
    header = ["model"]
    by_task = {t: measures_of(results, t) for t in tasks}
    parts = ("fmeasure", "fmeasure_low", "fmeasure_high", "precision", "recall")
    for task in tasks:
        header += [f"{task}_{m}_{p}" for m in by_task[task] for p in parts] + [f"{task}_n"]
    rows = []
    for model, summaries in results.items():
        row = [model]
        for task in tasks:
            summary = summaries.get(task)
            for m in by_task[task]:
                r = _rouge(summary, m)
                values = [None if r is None else getattr(r, p) for p in parts]
                row += ["" if v is None else f"{100 * v:.4f}" for v in values]
            row.append("" if summary is None else str(summary.n_scored))
        rows.append(row)
    return header, rows


def format_p(p: float | None) -> str:
    return "n/a" if p is None else f"{p:.4f}"


def significance_lines(significance: Significance) -> list[str]:
    """A Markdown table of the paired tests: ΔF1 and both p-values per task x measure."""
    rows = [
        f"| {task} | {t.system} | {t.baseline} | {SHORT.get(m, m)} | {r.n} | "
        f"{scale_of(m) * r.delta:+.2f} | {format_p(r.paired_bootstrap_p)} | "
        f"{format_p(r.approximate_randomization_p)} |{' yes' if r.significant else ''} |"
        for task, tests in significance.items()
        for t in tests
        for m, r in t.measures.items()
    ]
    if not rows:
        return []
    return [
        "## Paired significance (F1)",
        "",
        "| task | model | baseline | measure | n | ΔF1 | p (paired bootstrap) "
        "| p (approx. randomisation) | p < 0.05 in both |",
        "|---|---|---|---|---:|---:|---:|---:|---|",
        *rows,
        "",
    ]


DATA_COLUMNS = (
    ("words", "words", 1, 1),
    ("reference_words", "ref. words", 1, 1),
    ("compression", "compression", 1, 1),
    ("novel_2", "novel 2-grams %", 100, 1),
    ("coverage", "coverage", 1, 2),
    ("density", "density", 1, 1),
    ("repeated_3", "repeated 3-grams %", 100, 1),
    ("empty", "empty %", 100, 1),
    ("truncated", "truncated %", 100, 1),
    ("hit_token_limit", "at token limit %", 100, 1),
)


def data_stats_lines(results: Results, tasks: list[str]) -> list[str]:
    """A Markdown table of the data statistics per model x task (means over predictions)."""
    rows = []
    for model, by_task in results.items():
        for task in tasks:
            result = by_task.get(task)
            stats = result.data_stats if result is not None else None
            if not stats:
                continue
            cells = [
                format_stat(stats, key, scale, digits) for key, _, scale, digits in DATA_COLUMNS
            ]
            rows.append(f"| {model} | {task} | " + " | ".join(cells) + " |")
    if not rows:
        return []
    return [
        "## Data statistics (means over predictions)",
        "",
        "| model | task | " + " | ".join(label for _, label, _, _ in DATA_COLUMNS) + " |",
        "|---|---|" + "---:|" * len(DATA_COLUMNS),
        *rows,
        "",
    ]


HEADLINE_COLUMNS = (
    ("words", "words", 1, 1),
    ("chars", "chars", 1, 1),
    ("within_max_words", "≤ max words %", 100, 1),
    ("within_max_chars", "≤ max chars %", 100, 1),
    ("one_line", "one line %", 100, 1),
    ("full_stop", "full stop %", 100, 1),
    ("first_sentence", "= first sentence %", 100, 1),
    ("lead_words", "= first words %", 100, 1),
    ("novel_1", "novel 1-grams %", 100, 1),
    ("novel_2", "novel 2-grams %", 100, 1),
    ("postprocessed", "post-processed %", 100, 1),
    ("hit_token_limit", "at token limit %", 100, 1),
)


def judge_rows(results: Results) -> list[list[str]]:
    """Per model x task x dimension: the judge's mean rating with its interval, how many
    answers were read, unparseable, and read by probabilities."""
    rows = []
    for model, by_task in results.items():
        for task, summary in by_task.items():
            judge = summary.judge
            if not isinstance(judge, dict):
                continue
            for dim, d in judge.get("dimensions", {}).items():
                mean = "n/a" if d.get("mean") is None else (
                    f"{d['mean']:.2f} [{d['mean_low']:.2f}, {d['mean_high']:.2f}]"
                )  # fmt: skip
                rows.append(
                    [model, task, dim, mean, str(d["n"]), str(d["unparseable"]), str(d["weighted"])]
                )
    return rows


JUDGE_HEADER = ["model", "task", "dimension", "rating (1-5)", "n", "unparseable", "by probability"]


def judge_lines(results: Results) -> list[str]:
    """A Markdown table of the LLM judge's ratings, and its signature."""
    rows = judge_rows(results)
    if not rows:
        return []
    sig = next(
        s.judge["signature"] for by_task in results.values() for s in by_task.values()
        if isinstance(s.judge, dict)
    )  # fmt: skip
    return [
        "## LLM judge (1-5, mean with 95% interval)",
        "",
        "| " + " | ".join(JUDGE_HEADER) + " |",
        "|---|---|---|---:|---:|---:|---:|",
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
        f"Unparseable answers are left out of the mean, never read as 0. Judge: `{sig}`",
        "",
    ]


def _headline_checks(by_task: dict[str, TaskResult]) -> dict[str, Any] | None:
    result = by_task.get("headline")
    return result.headline_checks if result is not None else None


def headline_check_rows(results: Results) -> list[list[str]]:
    """Per model, the headline checks' cells (see ``HEADLINE_COLUMNS``)."""
    rows = []
    for model, by_task in results.items():
        checks = _headline_checks(by_task)
        if isinstance(checks, dict):
            cells = [format_stat(checks, k, scale, d) for k, _, scale, d in HEADLINE_COLUMNS]
            rows.append([model, *cells])
    return rows


def headline_check_lines(results: Results) -> list[str]:
    """A Markdown table of the headline checks per model."""
    rows = headline_check_rows(results)
    if not rows:
        return []
    limits = next(
        (c for by_task in results.values() if isinstance(c := _headline_checks(by_task), dict)),
        {},
    )
    return [
        "## Headline checks (means and shares over headlines)",
        "",
        "| model | " + " | ".join(label for _, label, _, _ in HEADLINE_COLUMNS) + " |",
        "|---|" + "---:|" * len(HEADLINE_COLUMNS),
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
        f"max words {limits.get('max_words')}, max chars {limits.get('max_chars')}; "
        "≤ max words: the model's headline before post-processing cut it; = first "
        "sentence / first words: copies the article's lead verbatim; post-processed: a "
        "prefix, extra lines, quotes, a final full stop or words had to be removed (full "
        "stop: the model wrote one); at token limit: generation stopped at max_new_tokens, "
        "not by itself (n/a for the lead baseline).",
        "",
    ]


def sacrebleu_lines(results: Results) -> list[str]:
    """Corpus BLEU, chrF and TER exactly as sacrebleu computes them, with its signature (the
    main table shows the mean of sentence-level scores, with intervals)."""
    rows = []
    for model, by_task in results.items():
        for task, summary in by_task.items():
            for name, score in (summary.metrics or {}).items():
                extra = (score.model_extra or {}) if score is not None else {}
                if extra.get("corpus") is None:
                    continue
                rows.append(
                    f"| {model} | {task} | {name} | {100 * extra['corpus']:.2f} | "
                    f"`{extra.get('sacrebleu_signature', '')}` |"
                )
    if not rows:
        return []
    return [
        "## sacrebleu corpus scores",
        "",
        "| model | task | metric | corpus score | sacrebleu signature |",
        "|---|---|---|---:|---|",
        *rows,
        "",
        "Corpus scores as sacrebleu computes them (not the mean of sentence scores, which the "
        "table above shows with intervals and tests). TER: lower is better.",
        "",
    ]


def render_markdown(
    run: str, header: list[str], rows: list[list[str]], notes: list[str], extra: list[str]
) -> str:
    lines = [f"# summeval results: {run}", ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines.append("")
    lines += extra
    lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def render_csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _min_scored(results: Results) -> int | None:
    """The fewest articles any scored model x task has (None when nothing was scored)."""
    ns = [s.n_scored for by_task in results.values() for s in by_task.values() if s.n_scored]
    return min(ns) if ns else None


def table_notes(results: Results, articles_used: int) -> list[str]:
    """Scale, n, legend and the scoring signature of each task."""
    notes = [
        "ROUGE F1 on a 0-100 scale with its 95% bootstrap interval (BERTScore: F1, Emb-cos: "
        "cosine, x100); precision and recall are in results.json, per-article scores in the "
        "samples files.",
        f"n = articles scored; articles used: {articles_used}. n/a: no article had a "
        "reference for the task.",
        *(
            [f"Note: {small_n_note(min_n)}."]
            if (min_n := _min_scored(results)) is not None and min_n < MIN_INTERVAL_N
            else []
        ),
        "▲/▼: significantly better/worse than the baseline (p < 0.05 in both paired tests).",
    ]
    signatures: dict[str, str] = {}
    for by_task in results.values():
        for task, summary in by_task.items():
            if summary.signature:
                signatures.setdefault(task, summary.signature)
    notes += [f"Signature ({task}): `{sig}`" for task, sig in signatures.items()]
    others: dict[tuple[str, str], str] = {}
    for by_task in results.values():
        for task, summary in by_task.items():
            for name, sig in (summary.metric_signatures or {}).items():
                others.setdefault((task, name), sig)
    notes += [
        f"Signature ({task}, {SHORT.get(n, n)}): `{sig}`" for (task, n), sig in others.items()
    ]
    return notes


def write_tables(
    run_dir: Path,
    run: str,
    results: Results,
    tasks: list[str],
    significance: Significance,
    articles_used: int,
) -> None:
    """table.md (scores with intervals and marks, tests, statistics, checks, judge) and
    table.csv, from the typed results."""
    header, rows = table_rows(results, tasks, significance)
    notes = table_notes(results, articles_used)
    extra = (
        significance_lines(significance)
        + sacrebleu_lines(results)
        + data_stats_lines(results, tasks)
        + headline_check_lines(results)
        + judge_lines(results)
    )
    md = render_markdown(run, header, rows, notes, extra)
    write_atomic(run_dir / "table.md", md)
    write_atomic(run_dir / "table.csv", render_csv(*csv_rows(results, tasks)))
