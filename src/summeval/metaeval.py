"""``summeval meta-eval``: how far to trust each metric, measured against human judgements.

Input: JSON lines ``{"id", "system", "prediction", "references": [...], "human": {dim: score}}``,
one per article x system (every system scored on every article). Each metric is computed
with the same code and signature as ``summeval score``/``run``; then, per human dimension,
system-level and summary-level Kendall tau-b, Spearman and Pearson correlations with
bootstrap intervals, and permutation tests of each metric against each other one
(``metrics.correlation``). Written as Markdown, CSV, JSON and a heat map.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from summeval.atomic import write_atomic
from summeval.errors import DataError, UserError
from summeval.labels import SHORT
from summeval.metrics.correlation import (
    COEFFICIENTS,
    LEVELS,
    bootstrap_correlations,
    correlate,
    percentile_interval,
    permutation_test,
)
from summeval.metrics.rouge import ALL_MEASURES, RougeSettings, make_tokenizer, score_corpus

SYMBOL = {"kendall": "Kendall τ-b", "spearman": "Spearman ρ", "pearson": "Pearson r"}


@dataclass
class Judged:
    """The judged summaries as systems x articles grids."""

    systems: list[str]
    articles: list[str]
    predictions: list[str]  # row-major: system, then article
    references: list[list[str]]
    human: dict[str, np.ndarray]  # dimension -> systems x articles
    sources: list[str] | None = None  # each summary's article (row-major); None: not given


def read_articles(path: Path) -> dict[str, str]:
    """``{"id", "article"}`` JSON lines (``--articles``): each article's text by id."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(
            f"cannot read the file ({err.__class__.__name__})", where=str(path)
        ) from None
    out: dict[str, str] = {}
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise DataError("malformed JSON", where=f"{path}:{no}") from None
        if not isinstance(row, dict) or "id" not in row or not isinstance(row.get("article"), str):
            raise DataError('expected {"id", "article": text}', where=f"{path}:{no}")
        out[str(row["id"])] = row["article"]
    return out


def sibling_articles(path: Path) -> Path | None:
    """The articles file beside a judged file, by name: ``realsumm_meta.jsonl`` ->
    ``realsumm_articles.jsonl`` (how the shipped REALSumm set keeps them), if there is one."""
    stem = path.name.split(".")[0].removesuffix("_meta")
    candidate = path.with_name(f"{stem}_articles.jsonl")
    return candidate if candidate != path and candidate.is_file() else None


def read_judged(
    path: Path, dims: Sequence[str] | None = None, articles_text: dict[str, str] | None = None
) -> Judged:
    """Read and check the JSON lines: every line complete, every (system, article) once.
    Each summary's article comes from its optional ``article`` field, else ``articles``."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read the file ({err.strerror})", where=str(path)) from None
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for no, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        where = f"{path}:{no}"
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise DataError("malformed JSON", where=where, hint="one JSON object a line") from None
        ok = (
            isinstance(row, dict)
            and isinstance(row.get("prediction"), str)
            and isinstance(row.get("references"), list)
            and all(isinstance(r, str) for r in row["references"])
            and isinstance(row.get("human"), dict)
            and "id" in row
            and "system" in row
        )
        if not ok:
            raise DataError(
                "expected id, system, prediction (text), references (list of texts), human "
                "(object of scores)",
                where=where,
            )
        key = (str(row["system"]), str(row["id"]))
        if key in cells:
            raise DataError(f"system '{key[0]}' scored twice on article '{key[1]}'", where=where)
        row["_where"] = where
        cells[key] = row
    if not cells:
        raise DataError("no judged summaries in the file", where=str(path))
    systems = sorted({s for s, _ in cells})
    articles = list(dict.fromkeys(a for _, a in cells))
    missing = [(s, a) for s in systems for a in articles if (s, a) not in cells]
    if missing:
        s, a = missing[0]
        raise DataError(
            f"{len(missing)} (system, article) pair(s) missing, e.g. system '{s}' on '{a}'",
            where=str(path),
            hint="meta-evaluation needs every system scored on every article",
        )
    first = next(iter(cells.values()))
    dims = list(dims) if dims else sorted(first["human"])
    human = {d: np.empty((len(systems), len(articles))) for d in dims}
    for i, s in enumerate(systems):
        for j, a in enumerate(articles):
            row = cells[(s, a)]
            for d in dims:
                v = row["human"].get(d)
                if not isinstance(v, int | float) or isinstance(v, bool):
                    raise DataError(
                        f"human score '{d}' is missing or not a number",
                        where=row["_where"],
                        hint="give --human with dimensions every line has",
                    )
                human[d][i, j] = float(v)
    order = [cells[(s, a)] for s in systems for a in articles]
    texts = [r.get("article") if isinstance(r.get("article"), str) else
             (articles_text or {}).get(str(r["id"])) for r in order]  # fmt: skip
    return Judged(
        systems,
        articles,
        [r["prediction"] for r in order],
        [[x for x in r["references"] if x.strip()] for r in order],
        human,
        None if any(t is None for t in texts) else [str(t) for t in texts],
    )


MetricFn = Callable[[Sequence[str], Sequence[Sequence[str]]], tuple[np.ndarray, str]]


def rouge_metrics(settings: RougeSettings) -> dict[str, MetricFn]:
    """ROUGE F1 per summary, one entry per measure, scored once for all measures."""
    memo: dict[str, tuple[np.ndarray, str]] = {}

    def make(measure: str) -> MetricFn:
        def fn(preds: Sequence[str], refs: Sequence[Sequence[str]]) -> tuple[np.ndarray, str]:
            if not memo:
                ids = [str(i) for i in range(len(preds))]
                corpus = score_corpus(ids, preds, refs, settings, make_tokenizer(settings))
                for m, v in corpus.per_article.items():
                    memo[m] = (np.asarray(v[2], dtype=float), corpus.signature)
            return memo[measure]

        return fn

    return {m: make(m) for m in settings.measures}


def _correlations(
    scores: dict[str, np.ndarray],
    y: np.ndarray,
    level: str,
    resampling: str,
    bootstrap: int,
    confidence: float,
    seed: int,
) -> dict[str, Any]:
    """Each metric's correlations with ``y`` and their intervals; all metrics are resampled
    together (the same draws, the human side gathered once)."""
    names = list(scores)
    stacked = np.stack([scores[m] for m in names])
    table: dict[str, Any] = {name: {} for name in names}
    for coef in COEFFICIENTS:
        boots = bootstrap_correlations(stacked, y, level, coef, resampling, bootstrap, seed)
        for k, name in enumerate(names):
            lo, hi = percentile_interval(boots[:, k], confidence)
            value = float(correlate(scores[name], y, level, coef))
            table[name][coef] = {"value": value, "low": lo, "high": hi}
    return table


def _pair_tests(
    scores: dict[str, np.ndarray],
    y: np.ndarray,
    level: str,
    resampling: str,
    permutations: int,
    seed: int,
) -> list[dict[str, Any]]:
    """Permutation tests of every metric against every other, both ways round (one set of
    swaps per pair of metrics serves both orders)."""
    names = list(scores)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            r = permutation_test(
                scores[a], scores[b], y, level, "kendall", resampling, permutations, seed
            )
            back = r.pop("p_reverse")
            found[a, b] = r
            found[b, a] = {"delta": -r["delta"], "p": back, "permutations": r["permutations"]}
    return [
        {"a": a, "b": b, "coefficient": "kendall", **found[a, b]}
        for a in names
        for b in names
        if a != b
    ]


def meta_evaluate(
    judged: Judged,
    metrics: dict[str, MetricFn],
    *,
    resampling: str = "both",
    bootstrap: int = 1000,
    permutations: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, Any]:
    """Correlations with intervals and pairwise permutation tests, as one JSON-ready dict."""
    shape = (len(judged.systems), len(judged.articles))
    scores: dict[str, np.ndarray] = {}
    signatures: dict[str, str] = {}
    for name, fn in metrics.items():
        values, sig = fn(judged.predictions, judged.references)
        scores[name] = np.asarray(values, dtype=float).reshape(shape)
        signatures[name] = sig
    corr: dict[str, Any] = {level: {} for level in LEVELS}
    tests: dict[str, Any] = {level: {} for level in LEVELS}
    cells = [(level, dim, y) for level in LEVELS for dim, y in judged.human.items()]
    # Each (level, dimension) is independent and numpy's big operations release the GIL:
    # one thread per core (the same numbers as in turn; every draw comes from its seed).
    with ThreadPoolExecutor(max_workers=min(len(cells), os.cpu_count() or 1) or 1) as pool:
        corr_jobs = [
            pool.submit(_correlations, scores, y, level, resampling, bootstrap, confidence, seed)
            for level, _, y in cells
        ]
        test_jobs = [
            pool.submit(_pair_tests, scores, y, level, resampling, permutations, seed)
            for level, _, y in cells
        ]
        for (level, dim, _), c, t in zip(cells, corr_jobs, test_jobs, strict=True):
            corr[level][dim], tests[level][dim] = c.result(), t.result()
    return {
        "n_systems": shape[0],
        "n_articles": shape[1],
        "systems": judged.systems,
        "metrics": list(scores),
        "human": list(judged.human),
        "resampling": resampling,
        "bootstrap": bootstrap,
        "permutations": permutations,
        "confidence": confidence,
        "seed": seed,
        "signatures": signatures,
        "correlations": corr,
        "tests": tests,
    }


def _cell(c: dict[str, float]) -> str:
    def f(v: float) -> str:
        return "n/a" if v != v else f"{v:.3f}"

    return f"{f(c['value'])} [{f(c['low'])}, {f(c['high'])}]"


def _label(metric: str) -> str:
    """A metric's name in the tables; lower-is-better ones are correlated negated."""
    name = SHORT.get(metric, metric)
    return f"−{name} (negated)" if metric in NEGATED else name


def render_markdown(doc: dict[str, Any], source: str) -> str:
    """The correlation tables (one per level and human dimension) and the tests."""
    pct = round(100 * doc["confidence"])
    out = [
        "# summeval meta-evaluation",
        "",
        f"`{source}`: {doc['n_systems']} systems x {doc['n_articles']} articles. Correlation with "
        f"{pct}% bootstrap intervals ({doc['bootstrap']} resamples of {doc['resampling']}, "
        f"seed {doc['seed']}; Deutsch et al. 2021).",
        "",
    ]
    for level in LEVELS:
        for dim, table in doc["correlations"][level].items():
            out += [f"## {level.capitalize()} level: {dim}", ""]
            out.append("| metric | " + " | ".join(SYMBOL[c] for c in COEFFICIENTS) + " |")
            out.append("|---|" + "---:|" * len(COEFFICIENTS))
            for metric, by_coef in table.items():
                cells = " | ".join(_cell(by_coef[c]) for c in COEFFICIENTS)
                out.append(f"| {_label(metric)} | {cells} |")
            out.append("")
            tests = [t for t in doc["tests"][level][dim] if t["delta"] > 0]
            if tests:
                out.append(
                    f"Permutation tests (Kendall τ-b, {doc['permutations']} permutations of "
                    f"{doc['resampling']}), where the first metric correlates higher:"
                )
                out.append("")
                out.append("| metric | over | Δτ | p |")
                out.append("|---|---|---:|---:|")
                for t in sorted(tests, key=lambda t: t["p"]):
                    out.append(
                        f"| {_label(t['a'])} | {_label(t['b'])} | {t['delta']:+.3f} | "
                        f"{t['p']:.3f} |"
                    )
                out.append("")
    out.append("Signatures:")
    out.append("")
    out += [f"- {_label(m)}: `{s}`" for m, s in doc["signatures"].items()]
    return "\n".join(out) + "\n"


def render_csv(doc: dict[str, Any]) -> str:
    rows = ["level,human,metric,coefficient,value,low,high"]
    for level in LEVELS:
        for dim, table in doc["correlations"][level].items():
            for metric, by_coef in table.items():
                for coef, c in by_coef.items():
                    rows.append(
                        f"{level},{dim},{metric},{coef},{c['value']:.6f},{c['low']:.6f},"
                        f"{c['high']:.6f}"
                    )
    return "\n".join(rows) + "\n"


def write_outputs(doc: dict[str, Any], out_dir: Path, source: str) -> list[Path]:
    """``meta_eval.md``, ``.csv``, ``.json`` and ``meta_eval_heatmap.png`` in ``out_dir``."""
    from summeval.plots import heatmap, write_png

    out_dir.mkdir(parents=True, exist_ok=True)
    md = out_dir / "meta_eval.md"
    write_atomic(md, render_markdown(doc, source))
    write_atomic(out_dir / "meta_eval.csv", render_csv(doc))
    write_atomic(out_dir / "meta_eval.json", json.dumps(doc, indent=2) + "\n")
    cols = [f"{lvl} {d}" for lvl in LEVELS for d in doc["human"]]
    values = [
        [doc["correlations"][lvl][d][m]["kendall"]["value"] for lvl in LEVELS for d in doc["human"]]
        for m in doc["metrics"]
    ]
    png = heatmap(
        "Kendall τ-b with human judgements", [_label(m) for m in doc["metrics"]], cols, values
    )
    write_png(out_dir / "meta_eval_heatmap.png", png)
    return [md, out_dir / "meta_eval.csv", out_dir / "meta_eval.json"]


MODEL_METRICS = ("bertscore", "embedding")
REFERENCE_METRICS = ("bleu", "chrf", "ter")  # sacrebleu, sentence level
SOURCE_METRICS = ("hallucination", "summac_zs", "summac_conv")  # read the article
NEGATED = ("ter", "hallucination")  # lower is better: correlated as -value


def sacre_metric(name: str) -> MetricFn:
    """Sentence-level BLEU, chrF or TER with ``summeval run``'s defaults (TER negated)."""
    from summeval.config import BleuConfig, ChrfConfig, TerConfig
    from summeval.scorers import SacreScorer

    cfg = {"bleu": BleuConfig, "chrf": ChrfConfig, "ter": TerConfig}[name]()
    scorer = SacreScorer(name, cfg)

    def fn(preds: Sequence[str], refs: Sequence[Sequence[str]]) -> tuple[np.ndarray, str]:
        values, sig = scorer.score(preds, refs, [])
        sign = -1.0 if name in NEGATED else 1.0
        return sign * np.asarray(values["fmeasure"], dtype=float), sig

    return fn


def source_metric(name: str, sources: list[str] | None, nli_model: str | None = None) -> MetricFn:
    """A metric of each summary against its article; hallucination negated, and 0 (nothing
    to check) where a summary has no entity or number."""
    if sources is None:
        raise UserError(
            f"'{name}' reads each summary's article, and the file gives none",
            where="--metrics",
            hint="add an 'article' field to each line, or give --articles FILE "
            '({"id", "article"} lines, e.g. data/realsumm/realsumm_articles.jsonl)',
        )
    from summeval.config import HallucinationConfig, SummaCConfig
    from summeval.scorers import HallucinationScorer, SummaCScorer

    if name == "hallucination":
        scorer: Any = HallucinationScorer(HallucinationConfig())
    else:
        options: dict[str, Any] = {"modes": [name.removeprefix("summac_")]}
        if nli_model:
            options["model"] = nli_model
        scorer = SummaCScorer(SummaCConfig(**options))

    def fn(preds: Sequence[str], refs: Sequence[Sequence[str]]) -> tuple[np.ndarray, str]:
        ((_, values, sig),) = scorer.score_sources(list(preds), sources)
        v = np.nan_to_num(np.asarray(values["fmeasure"], dtype=float), nan=0.0)
        return (-v if name in NEGATED else v), sig

    return fn


def model_metric(name: str) -> MetricFn:
    """BERTScore F1 or embedding cosine per summary, with the defaults of ``summeval run``
    (``metrics: {bertscore: {}}`` / ``{embedding: {}}``): the same code and signature."""
    from summeval.config import BertScoreConfig, EmbeddingConfig
    from summeval.scorers import BertScoreScorer, EmbeddingScorer

    scorer = BertScoreScorer(BertScoreConfig()) if name == "bertscore" else (
        EmbeddingScorer(EmbeddingConfig())
    )  # fmt: skip

    def fn(preds: Sequence[str], refs: Sequence[Sequence[str]]) -> tuple[np.ndarray, str]:
        values, sig = scorer.score(preds, refs, [r for g in refs for r in g])
        return np.asarray(values["fmeasure"], dtype=float), sig

    return fn


def metric_functions(
    names: Sequence[str],
    settings: RougeSettings,
    sources: list[str] | None = None,
    nli_model: str | None = None,
) -> dict[str, MetricFn]:
    """The metric functions for ``--metrics`` names: ROUGE measures, bertscore, embedding,
    bleu, chrf, ter, and (with the articles) hallucination, summac_zs, summac_conv."""
    rouge = rouge_metrics(settings)
    out: dict[str, MetricFn] = {}
    for name in names:
        if name in rouge:
            out[name] = rouge[name]
        elif name in MODEL_METRICS:
            out[name] = model_metric(name)
        elif name in REFERENCE_METRICS:
            out[name] = sacre_metric(name)
        elif name in SOURCE_METRICS:
            out[name] = source_metric(name, sources, nli_model)
        elif name in ALL_MEASURES:
            raise UserError(f"'{name}' is not among the ROUGE types scored", where="--metrics")
        else:
            raise UserError(
                f"unknown metric '{name}'",
                where="--metrics",
                hint="choose from "
                + ", ".join((*ALL_MEASURES, *MODEL_METRICS, *REFERENCE_METRICS, *SOURCE_METRICS)),
            )
    return out
