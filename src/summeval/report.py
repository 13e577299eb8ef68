"""A single-file HTML report of one run: scores, tests, data statistics, plots, and a
per-article browser with search.

Every piece of article, reference or generated text is HTML-escaped, and a Content Security
Policy lets only the report's own script run (by its hash), so markup inside a prediction is
shown as text and can never execute. Plots are embedded as PNG data URIs; nothing is fetched.
Opening ``report.html#search=word`` starts the browser filtered on that word.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from pathlib import Path
from typing import Any

from summeval.plots import length_boxes, rouge_bars
from summeval.results import (
    DATA_COLUMNS,
    HEADLINE_COLUMNS,
    JUDGE_HEADER,
    MIN_INTERVAL_N,
    SHORT,
    all_scores,
    better_delta,
    format_f1,
    format_stat,
    headline_check_rows,
    judge_rows,
    measures_of,
    ordered_measures,
    scale_of,
    score_dicts,
    significance_mark,
    small_n_note,
    write_atomic,
)
from summeval.runs import Run

ARTICLE_CHARS = 1500
MAX_ARTICLES = 1000

SCRIPT = """
(function () {
  var input = document.getElementById("search");
  var items = Array.prototype.slice.call(document.querySelectorAll(".article"));
  var count = document.getElementById("count");
  function apply() {
    var q = input.value.trim().toLowerCase();
    var shown = 0;
    items.forEach(function (el) {
      var hit = !q || el.textContent.toLowerCase().indexOf(q) !== -1;
      el.hidden = !hit;
      if (hit) { shown += 1; }
    });
    count.textContent = shown + " of " + items.length + " article(s) shown";
  }
  input.addEventListener("input", apply);
  var m = /^#search=(.*)$/.exec(window.location.hash);
  if (m) {
    try { input.value = decodeURIComponent(m[1]); }
    catch (e) { input.value = m[1]; }  // a malformed %-escape: search for the raw text
  }
  apply();
  document.body.setAttribute("data-ready", "1");
})();
"""

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; vertical-align: top; }
th:first-child, td:first-child, td.text { text-align: left; }
td.text { white-space: pre-wrap; max-width: 60em; }
code { font-size: 12px; word-break: break-all; }
details.article { border: 1px solid #ddd; margin: 0.4em 0; padding: 0.3em 0.6em; }
details.article > summary { cursor: pointer; }
.articletext { white-space: pre-wrap; color: #333; background: #f7f7f7; padding: 0.5em; }
img { max-width: 100%; }
#search { width: 30em; padding: 0.3em; }
.warning { background: #fff4ce; border-left: 4px solid #e0a800; padding: 0.3em 0.6em; }
"""


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _table(header: list[str], rows: list[list[str]], table_id: str = "") -> str:
    """An HTML table; cells are given already escaped."""
    ident = f' id="{_e(table_id)}"' if table_id else ""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _measures(run: Run, task: str) -> list[str]:
    return measures_of(run.results.results, task)


def _scores_table(run: Run) -> str:
    header = ["model"]
    cols: list[tuple[str, str]] = []
    for task in run.tasks:
        for m in _measures(run, task):
            header.append(_e(f"{task} {SHORT.get(m, m)}"))
            cols.append((task, m))
        header.append(_e(f"{task} n"))
        cols.append((task, ""))
    marks = _marks(run)
    rows = []
    for model in run.models:
        row = [_e(model)]
        for task, m in cols:
            e = run.entry(model, task)
            if e is None:
                row.append("—")
            elif not m:
                row.append(_e(e.result.n_scored))
            else:
                r = all_scores(e.result).get(m)
                mark = marks.get((model, task, m), "")
                row.append("n/a" if r is None else _e(format_f1(r, mark)))
        rows.append(row)
    return _table(header, rows, "scores")


def _marks(run: Run) -> dict[tuple[str, str, str], str]:
    return {
        (t.system, task, m): significance_mark(r.significant, better_delta(m, r.delta))
        for task, tests in run.results.significance.items()
        for t in tests
        for m, r in t.measures.items()
    }


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _significance_table(run: Run) -> str:
    rows = [
        [
            _e(task),
            _e(t.system),
            _e(t.baseline),
            _e(SHORT.get(m, m)),
            _e(r.n),
            _e(f"{scale_of(m) * r.delta:+.2f}"),
            _e(_p(r.paired_bootstrap_p)),
            _e(_p(r.approximate_randomization_p)),
            "yes" if r.significant else "",
        ]
        for task, tests in run.results.significance.items()
        for t in tests
        for m, r in t.measures.items()
    ]
    if not rows:
        return "<p>No paired tests (one model per task).</p>"
    header = ["task", "model", "baseline", "measure", "n", "ΔF1", "p (bootstrap)", "p (AR)"]
    return _table([*header, "p < 0.05 in both"], rows, "significance")


def _data_table(run: Run) -> str:
    rows = []
    for e in run.entries:
        stats = e.result.data_stats
        cells = [_e(e.model), _e(e.task)]
        cells += [
            _e(format_stat(stats, key, scale, digits)) for key, _, scale, digits in DATA_COLUMNS
        ]
        rows.append(cells)
    return _table(["model", "task", *(_e(c[1]) for c in DATA_COLUMNS)], rows, "data-stats")


def _judge_table(run: Run) -> str:
    rows = [[_e(c) for c in row] for row in judge_rows(run.results.results)]
    if not rows:
        return ""
    return "<h2>LLM judge</h2>" + _table([_e(h) for h in JUDGE_HEADER], rows, "judge")


def _headline_table(run: Run) -> str:
    rows = [[_e(c) for c in row] for row in headline_check_rows(run.results.results)]
    if not rows:
        return ""
    header = ["model", *(_e(c[1]) for c in HEADLINE_COLUMNS)]
    return "<h2>Headline checks</h2>" + _table(header, rows, "headline-checks")


def _small_n(run: Run) -> str:
    """A warning when some model x task was scored on too few articles for its interval."""
    ns = [e.result.n_scored for e in run.entries if e.scored]
    low = min((n for n in ns if n), default=None)
    if low is None or low >= MIN_INTERVAL_N:
        return ""
    return f'<p class="warning"><b>Note:</b> {_e(small_n_note(low))}.</p>'


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _plots(run: Run) -> str:
    parts = []
    for task in run.tasks:
        entries = [e for e in run.entries if e.task == task]
        scored = [e for e in entries if e.scored]  # n/a entries get no bar
        measures = _measures(run, task)
        bars = (
            _img(
                rouge_bars(
                    f"{task}: ROUGE F1", [e.model for e in scored], measures,
                    [score_dicts(e.result) for e in scored],
                ),
                task + " ROUGE",
            )
            if scored
            else "<p>ROUGE n/a: no article has a reference for this task.</p>"
        )  # fmt: skip
        refs = entries[0].reference_lengths()  # no box at 0 for a task without references
        lengths = length_boxes(
            f"{task}: lengths in words",
            [*(e.model for e in entries), *(["references"] if refs else [])],
            [*(e.prediction_lengths() for e in entries), *([refs] if refs else [])],
        )
        parts.append(f"<h3>{_e(task)}</h3>{bars}{_img(lengths, task)}")
    return "".join(parts)


def _articles(run: Run, max_articles: int, chars: int) -> tuple[str, int, int]:
    texts = run.articles()
    order: list[str] = []
    by_id: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for e in run.entries:
        for s in e.samples:
            key = str(s["id"])
            if key not in by_id:
                order.append(key)
                by_id[key] = {}
            by_id[key][(e.model, e.task)] = s
    blocks = []
    for key in order[:max_articles]:
        outputs = by_id[key]
        article = texts.get(key, {}).get("article", "")
        start = article[:chars] + ("…" if len(article) > chars else "")
        refs = []
        for task in run.tasks:
            first = next((s for (m, t), s in outputs.items() if t == task), None)
            for ref in (first or {}).get("references", []):
                refs.append(f"<li><b>{_e(task)}</b>: {_e(ref)}</li>")
        rows = []
        for (model, task), s in outputs.items():
            scores = s.get("scores") or {}
            score_text = " ".join(
                f"{SHORT.get(m, m)} {100 * scores[m]['fmeasure']:.1f}"
                for m in ordered_measures(scores)
            )
            rows.append(
                [_e(model), _e(task), f'<span class="text">{_e(s.get("prediction", ""))}</span>',
                 _e(score_text or "not scored")]
            )  # fmt: skip
        title = " ".join(article[:100].split())
        blocks.append(
            f'<details class="article" data-id="{_e(key)}"><summary><b>{_e(key)}</b> '
            f"{_e(title)}</summary>"
            f'<div class="articletext">{_e(start)}</div>'
            f"<h4>References</h4><ul>{''.join(refs)}</ul>"
            + _table(["model", "task", "output", "F1 (0-100)"], rows)
            + "</details>"
        )
    return "".join(blocks), min(len(order), max_articles), len(order)


def render(run: Run, max_articles: int = MAX_ARTICLES, chars: int = ARTICLE_CHARS) -> str:
    """The whole report as one HTML string."""
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode()
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{script_hash}'"
    )
    doc = run.results
    signatures = sorted({e.signature for e in run.entries})
    articles, shown, total = _articles(run, max_articles, chars)
    meta = (
        f"created {_e(doc.created or '?')} · summeval {_e(doc.summeval_version)}"
        f" · git {_e(doc.git_commit or 'n/a')} · config {_e(doc.config_file or '?')}"
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">'
        f"<title>summeval report: {_e(run.name)}</title><style>{STYLE}</style></head><body>"
        f"<h1>summeval report: {_e(run.name)}</h1><p>{meta}</p>"
        "<h2>Scores</h2><p>ROUGE F1 on a 0-100 scale with its 95% bootstrap interval; "
        "▲/▼: significantly better/worse than the baseline (both paired tests p &lt; 0.05).</p>"
        + _scores_table(run)
        + _small_n(run)
        + "".join(f"<p>Signature: <code>{_e(s)}</code></p>" for s in signatures)
        + "<h2>Paired significance (F1)</h2>"
        + _significance_table(run)
        + "<h2>Data statistics (means over predictions)</h2>"
        + _data_table(run)
        + _headline_table(run)
        + _judge_table(run)
        + "<h2>Plots</h2>"
        + _plots(run)
        + f"<h2>Articles</h2><p>{shown} of {total} article(s) included.</p>"
        '<input id="search" type="search" placeholder="Search articles, references and outputs">'
        f'<p id="count"></p><div id="articles">{articles}</div>'
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def write_report(run: Run, path: Path | None = None, **options: Any) -> Path:
    """Write ``report.html`` into the run folder (or ``path``)."""
    target = path or run.path / "report.html"
    write_atomic(target, render(run, **options))
    return target
