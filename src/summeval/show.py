"""Per-article views: ``summeval show`` (one article, every model) and ``summeval diff``
(where two models differ most)."""

from __future__ import annotations

import textwrap
from typing import Any

from summeval.data.cleaning import CONTROL_CHARS
from summeval.errors import DataError
from summeval.results import SHORT, ordered_measures
from summeval.runs import Entry, Run, resolve_run

ARTICLE_CHARS = 600


def _scores_line(scores: dict[str, Any] | None) -> str:
    if not scores:
        return "no reference: not scored"
    return "  ".join(
        f"{SHORT.get(m, m)} {100 * scores[m]['fmeasure']:.2f}" for m in ordered_measures(scores)
    )


def terminal_safe(text: str) -> str:
    """Control characters shown as escapes (``\\x1b``), never sent to the terminal raw."""
    return CONTROL_CHARS.sub(lambda m: repr(m.group())[1:-1], text)


def _indent(text: str, prefix: str = "    ", width: int = 96) -> str:
    lines = textwrap.wrap(text, width - len(prefix)) or ["(empty)"]
    return "\n".join(prefix + line for line in lines)


def show_article(run: Run, article_id: str, chars: int = ARTICLE_CHARS) -> str:
    """The start of the article, its references, and every model's outputs with scores."""
    samples: dict[tuple[str, str], dict[str, Any]] = {}
    for e in run.entries:
        for s in e.samples:
            if str(s["id"]) == article_id:
                samples[(e.model, e.task)] = s
    if not samples:
        known = [str(s["id"]) for s in run.entries[0].samples[:5]] if run.entries else []
        raise DataError(
            f"no article '{article_id}' in this run",
            where=str(run.path),
            hint=f"ids look like: {', '.join(known)}" if known else None,
        )
    article = run.articles().get(article_id)
    out = [f"Article {article_id} (run {run.name})", ""]
    if article is not None:
        text = article["article"]
        start = text[:chars] + ("…" if len(text) > chars else "")
        out += [_indent(start, "  "), ""]
    else:
        out += ["  (this run did not save its articles; rerun it with summeval >= 0.2)", ""]
    out.append("References")
    for task in run.tasks:
        refs = next((s["references"] for (m, t), s in samples.items() if t == task), [])
        for ref in refs or ["(none)"]:
            out.append(f"  {task}:")
            out.append(_indent(ref))
    out.append("")
    for model in run.models:
        out.append(model)
        for task in run.tasks:
            s = samples.get((model, task))
            if s is None:
                continue
            out.append(f"  {task}: {_scores_line(s.get('scores'))}")
            out.append(_indent(s.get("prediction", "")))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def entry_for(spec: str, task: str) -> Entry:
    """The model x task named ``RUN:MODEL`` (RUN a folder or a name under results/)."""
    run_arg, sep, model = spec.rpartition(":")
    if not sep or not run_arg or not model:
        raise DataError("expected RUN:MODEL", where=spec, hint="e.g. results/base:lead")
    run = resolve_run(run_arg)
    entry = run.entry(model, task)
    if entry is None:
        raise DataError(
            f"no model '{model}' with task '{task}' in run {run.name}",
            where=spec,
            hint=f"models: {', '.join(run.models)}; tasks: {', '.join(run.tasks)}",
        )
    return entry


def diff_entries(
    a: Entry, b: Entry, measure: str = "rouge1", top: int = 10, chars: int = 110
) -> str:
    """The shared articles where a and b differ most in F1 of ``measure``."""
    fa, fb = a.fmeasure(measure), b.fmeasure(measure)
    shared = [i for i in fa if i in fb]
    unscored = [e.label for e in (a, b) if not e.scored]
    if unscored:  # n/a: the task has no references, nothing to rank by
        raise DataError(
            f"{' and '.join(unscored)} scored no article for the {a.task} task: it has no "
            f"references, so its {SHORT.get(measure, measure)} is n/a",
            where="summeval diff",
            hint=f"set dataset.fields.{a.task} to the field holding {a.task} references and "
            "rerun, or diff another --task",
        )
    if not shared:
        raise DataError(
            f"{a.label} and {b.label} share no scored article for {measure}",
            where="summeval diff",
            hint="compare runs made on the same data",
        )
    preds_a = {str(s["id"]): s.get("prediction", "") for s in a.samples}
    preds_b = {str(s["id"]): s.get("prediction", "") for s in b.samples}
    ranked = sorted(shared, key=lambda i: (-abs(fb[i] - fa[i]), i))[:top]
    mean_delta = sum(fb[i] - fa[i] for i in shared) / len(shared)
    name = SHORT.get(measure, measure)
    out = [
        f"{a.task}, {name} F1 (0-100): A = {a.label}, B = {b.label}; {len(shared)} shared "
        f"article(s), mean B - A {100 * mean_delta:+.2f}",
    ]
    if a.signature != b.signature:
        out.append("warning: the two were scored with different signatures:")
        out += [f"  A {a.signature}", f"  B {b.signature}"]
    out.append("")
    out.append(f"{'article':<24} {'A':>6} {'B':>6} {'B - A':>7}")
    for i in ranked:
        out.append(
            f"{i[:24]:<24} {100 * fa[i]:6.2f} {100 * fb[i]:6.2f} {100 * (fb[i] - fa[i]):+7.2f}"
        )
        out.append(f"    A: {_clip(preds_a.get(i, ''), chars)}")
        out.append(f"    B: {_clip(preds_b.get(i, ''), chars)}")
    return "\n".join(out) + "\n"


def _clip(text: str, chars: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= chars else flat[: chars - 1] + "…"
