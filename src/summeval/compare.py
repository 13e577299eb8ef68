"""``summeval compare``: one leaderboard over runs made at different times and places.

Per task, results are put in **comparison groups**: the same scoring signature and the same
article set (ids and references). Numbers are ranked and tested only within a group; a
second group is listed separately with what makes it different, never mixed in. Within a
group every model is tested against the baseline with the paired tests of
``metrics.significance`` on the articles both have.

Writes ``leaderboard.md``, ``leaderboard.csv``, ``leaderboard.json`` and per task and group a
ROUGE bar plot and a length plot (``leaderboard_<task>_<group>_{rouge,lengths}.png``).
Output depends only on the runs: rerunning it rewrites the same bytes.
"""

from __future__ import annotations

import csv
import io
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summeval.errors import UserError
from summeval.metrics.significance import compare_models
from summeval.plots import length_boxes, rouge_bars, write_png
from summeval.results import (
    DATA_COLUMNS,
    MIN_INTERVAL_N,
    SHORT,
    better_delta,
    format_f1,
    format_stat,
    ordered_measures,
    score_dicts,
    significance_mark,
    small_n_note,
    write_atomic,
    write_json,
)
from summeval.runs import Entry, Run

UP, DOWN = "▲", "▼"


@dataclass
class CompareOptions:
    """Which entry is the baseline (``RUN:MODEL`` or ``MODEL``) and how hard to test."""

    baseline: str | None = None
    bootstrap: int = 1000
    permutations: int = 10_000
    seed: int = 0


def _signature_fields(sig: str) -> dict[str, str]:
    parts = sig.split("|")[1:]
    return dict(p.split(":", 1) if ":" in p else (p, "") for p in parts)


def explain_mismatch(a: Entry, b: Entry) -> str:
    """Why entry b is not comparable with entry a, in a few words (a's value first)."""
    fa, fb = _signature_fields(a.signature), _signature_fields(b.signature)
    diffs = [f"{k} {fa.get(k, '-')} vs {fb.get(k, '-')}" for k in fa | fb if fa.get(k) != fb.get(k)]
    if diffs:
        return "scoring differs: " + ", ".join(diffs)
    na, nb = a.result.n_scored, b.result.n_scored
    return (
        f"different articles or references (n {na} vs {nb}, set {a.article_set} vs {b.article_set})"
    )


def _matches(entry: Entry, spec: str) -> bool:
    return entry.label == spec or entry.model == spec


def _group_baseline(entries: list[Entry], spec: str | None) -> Entry:
    if spec:
        found = [e for e in entries if _matches(e, spec)]
        if found:
            return found[0]
    return entries[0]


def _resampler(entry: Entry) -> str:
    ci = _signature_fields(entry.signature).get("ci", "")
    return "rouge155" if "/rouge155:" in ci else "numpy"


def _group(task: str, gid: str, entries: list[Entry], options: CompareOptions) -> dict[str, Any]:
    """One comparison group: rows ranked by the first measure's F1, significance marks."""

    def same_metric(m: str) -> bool:  # other metrics compare only under one signature
        sigs = {(e.result.metric_signatures or {}).get(m) for e in entries}
        return m.startswith("rouge") or len(sigs) == 1

    shared = set.intersection(*(set(score_dicts(e.result)) for e in entries))
    measures = [m for m in ordered_measures(shared) if same_metric(m)]
    base = _group_baseline(entries, options.baseline)
    models = {e.label: e.model_scores(measures) for e in entries}
    tests = compare_models(
        models,
        base.label,
        bootstrap=options.bootstrap,
        permutations=options.permutations,
        resampler=_resampler(base),
        seed=options.seed,
    )
    by_label = {t["system"]: t["measures"] for t in tests}
    first = measures[0] if measures else None
    ranked = sorted(
        entries, key=lambda e: -score_dicts(e.result)[first]["fmeasure"] if first else 0.0
    )
    rows = []
    for e in ranked:
        sig = by_label.get(e.label, {})
        marks = {
            m: significance_mark(bool(r.get("significant")), better_delta(m, r["delta"]))
            for m, r in sig.items()
        }
        rows.append(
            {
                "run": e.run,
                "model": e.model,
                "n": e.result.n_scored,
                "rouge": {m: score_dicts(e.result)[m] for m in measures},
                "data_stats": e.result.data_stats,
                "baseline": e is base,
                "marks": marks,
                "significance": sig,
            }
        )
    return {
        "id": gid,
        "task": task,
        "signature": entries[0].signature,
        "article_set": entries[0].article_set,
        "n": entries[0].result.n_scored,
        "measures": measures,
        "baseline": base.label,
        "rows": rows,
        "plots": {},
    }


def build(runs: list[Run], skipped: list[tuple[Path, str]], options: CompareOptions) -> dict:
    """The leaderboard as one JSON-ready document."""
    if options.baseline and not any(_matches(e, options.baseline) for r in runs for e in r.entries):
        raise UserError(
            f"baseline '{options.baseline}' is not a model of any run",
            where="--baseline",
            hint="give RUN:MODEL or MODEL as listed in the runs' tables",
        )
    tasks = list(dict.fromkeys(t for r in runs for t in r.tasks))
    doc: dict[str, Any] = {
        "runs": [
            {
                "run": r.name,
                "path": str(r.path),
                "created": r.results.created,
                "summeval_version": r.results.summeval_version,
                "git_commit": r.results.git_commit,
            }
            for r in runs
        ],
        "skipped": [{"path": str(p), "reason": why} for p, why in skipped],
        "baseline": options.baseline,
        "tests": {
            "paired_bootstrap_resamples": options.bootstrap,
            "permutations": options.permutations,
            "seed": options.seed,
            "alpha": 0.05,
        },
        "tasks": {},
    }
    for task in tasks:
        entries = [e for r in runs for e in r.entries if e.task == task and e.scored]
        if not entries:  # nothing to compare: the task had no references anywhere
            continue
        keys: dict[tuple[str, str], list[Entry]] = {}
        for e in entries:
            keys.setdefault((e.signature, e.article_set), []).append(e)
        groups = []
        for i, members in enumerate(keys.values()):
            gid = string.ascii_uppercase[i] if i < 26 else f"G{i + 1}"
            group = _group(task, gid, members, options)
            if i:
                group["differs_from_A"] = explain_mismatch(entries[0], members[0])
            groups.append(group)
        doc["tasks"][task] = {"groups": groups}
    return doc


def render_markdown(doc: dict[str, Any]) -> str:
    """leaderboard.md: per task and group, a ranked table, its plots and the notes."""
    out = ["# summeval leaderboard", ""]
    runs = ", ".join(f"`{r['run']}` ({r['created'] or 'unknown date'})" for r in doc["runs"])
    out.append(f"Runs: {runs or 'none'}.")
    for s in doc["skipped"]:
        out.append(f"- Skipped `{s['path']}`: {s['reason']}.")
    out += [
        "",
        "ROUGE F1 on a 0-100 scale with its 95% bootstrap interval. Rows are comparable only "
        "within a group (same scoring signature, same articles and references). "
        f"{UP}/{DOWN}: significantly better/worse than the group's baseline (paired bootstrap "
        "and approximate randomisation both p < 0.05, on shared articles).",
        "",
    ]
    for task, body in doc["tasks"].items():
        out += [f"## {task}", ""]
        for g in body["groups"]:
            out.append(f"### Group {g['id']}: {g['n']} article(s), baseline `{g['baseline']}`")
            out.append("")
            if "differs_from_A" in g:
                out += [f"> Not comparable with group A: {g['differs_from_A']}.", ""]
            if g["n"] is not None and g["n"] < MIN_INTERVAL_N:
                out += [f"> Note: {small_n_note(g['n'])}.", ""]
            head = ["run", "model", *(SHORT.get(m, m) for m in g["measures"])]
            head += [label for _, label, _, _ in DATA_COLUMNS] + ["n"]
            out.append("| " + " | ".join(head) + " |")
            out.append("|---|---|" + "---:|" * (len(head) - 2))
            for row in g["rows"]:
                name = f"**{row['model']}** (baseline)" if row["baseline"] else row["model"]
                cells = [row["run"], name]
                cells += [
                    format_f1(row["rouge"][m], row["marks"].get(m, "")) for m in g["measures"]
                ]
                cells += [
                    format_stat(row["data_stats"], key, scale, digits)
                    for key, _, scale, digits in DATA_COLUMNS
                ]
                cells.append(str(row["n"]))
                out.append("| " + " | ".join(cells) + " |")
            out += ["", f"Signature: `{g['signature']}`", ""]
            for kind, file in g["plots"].items():
                out += [f"![{task} group {g['id']} {kind}]({file})", ""]
    return "\n".join(out).rstrip() + "\n"


def render_csv(doc: dict[str, Any]) -> str:
    """leaderboard.csv: one row per (run, model); per task its group, n and signature, per
    measure F1 and bounds (0-100) and the significance mark, then the data statistics."""
    tasks = list(doc["tasks"])
    measures = {
        t: ordered_measures(m for g in b["groups"] for m in g["measures"])
        for t, b in doc["tasks"].items()
    }
    header = ["run", "model"]
    for t in tasks:
        header += [f"{t}_group", f"{t}_n", f"{t}_signature"]
        for m in measures[t]:
            header += [f"{t}_{m}_f", f"{t}_{m}_f_low", f"{t}_{m}_f_high", f"{t}_{m}_mark"]
        header += [f"{t}_{key}" for key, *_ in DATA_COLUMNS]
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for t in tasks:
        for g in doc["tasks"][t]["groups"]:
            for row in g["rows"]:
                cells = rows.setdefault((row["run"], row["model"]), {})
                cells[f"{t}_group"] = g["id"]
                cells[f"{t}_n"] = str(row["n"])
                cells[f"{t}_signature"] = g["signature"]
                for m, r in row["rouge"].items():
                    cells[f"{t}_{m}_f"] = f"{100 * r['fmeasure']:.4f}"
                    cells[f"{t}_{m}_f_low"] = f"{100 * r['fmeasure_low']:.4f}"
                    cells[f"{t}_{m}_f_high"] = f"{100 * r['fmeasure_high']:.4f}"
                    cells[f"{t}_{m}_mark"] = row["marks"].get(m, "")
                for key, *_ in DATA_COLUMNS:
                    v = row["data_stats"].get(key)
                    cells[f"{t}_{key}"] = "" if v is None else f"{v:.6g}"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for (run, model), cells in rows.items():
        writer.writerow([run, model, *(cells.get(h, "") for h in header[2:])])
    return buf.getvalue()


def _plots(doc: dict[str, Any], runs: list[Run], out_dir: Path) -> None:
    by_key = {(e.label, e.task): e for r in runs for e in r.entries}
    for task, body in doc["tasks"].items():
        for g in body["groups"]:
            labels = [f"{row['run']}:{row['model']}" for row in g["rows"]]
            rouge_file = f"leaderboard_{task}_{g['id']}_rouge.png"
            write_png(
                out_dir / rouge_file,
                rouge_bars(
                    f"{task}, group {g['id']} ({g['n']} articles)",
                    labels,
                    g["measures"],
                    [row["rouge"] for row in g["rows"]],
                ),
            )
            entries = [by_key[(label, task)] for label in labels]
            lengths_file = f"leaderboard_{task}_{g['id']}_lengths.png"
            write_png(
                out_dir / lengths_file,
                length_boxes(
                    f"{task}, group {g['id']}: prediction and reference lengths",
                    [*labels, "references"],
                    [*(e.prediction_lengths() for e in entries), entries[0].reference_lengths()],
                ),
            )
            g["plots"] = {"ROUGE": rouge_file, "lengths": lengths_file}


def write(doc: dict[str, Any], runs: list[Run], out_dir: Path) -> list[Path]:
    """Write the plots and the three leaderboard files; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _plots(doc, runs, out_dir)
    write_atomic(out_dir / "leaderboard.md", render_markdown(doc))
    write_atomic(out_dir / "leaderboard.csv", render_csv(doc))
    write_json(out_dir / "leaderboard.json", doc)
    files = [out_dir / f"leaderboard.{ext}" for ext in ("md", "csv", "json")]
    return files + [
        out_dir / f for b in doc["tasks"].values() for g in b["groups"] for f in g["plots"].values()
    ]
