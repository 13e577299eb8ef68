"""``summeval score``: ROUGE for predictions made elsewhere, no model involved.

Files: ``.jsonl``/``.json`` files are JSON lines (``{"id", "prediction"}`` for predictions,
``{"id", "references": [...]}`` or ``{"id", "reference": "..."}`` for references); any other
file is plain text, one item per line (line ``k`` gets id ``k``). Two JSONL files are matched
by id; otherwise by position, and the counts must agree. ``--refs`` may be repeated: each
file adds one reference per article.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summeval.errors import DataError, UserError
from summeval.labels import MIN_INTERVAL_N, SHORT, format_stat, small_n_note
from summeval.metrics.datastats import corpus_stats
from summeval.metrics.rouge import CorpusScores, RougeSettings, score_corpus, settings_for

Items = list[tuple[str, list[str]]]


def _is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in (".jsonl", ".json")


def _read_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # a leading BOM is not text
    except FileNotFoundError:
        raise DataError("file not found", where=str(path), hint="check the path") from None
    except UnicodeDecodeError as err:
        raise DataError(
            f"not UTF-8 text (byte {err.start})", where=str(path), hint="save it as UTF-8"
        ) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    return [line.removesuffix("\r") for line in lines]


def _as_texts(value: Any, where: str, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise DataError(f"'{key}' must be a string or a list of strings", where=where)


# Reference fields found without --refs-field, in this order of preference: the names of
# summeval's own files, Hugging Face datasets (CNN/DM highlights, XSum summary, XL-Sum title)
# and common JSONL conventions. A run's articles.jsonl has summaries and headlines.
REFERENCE_FIELDS = (
    "references",
    "reference",
    "summaries",
    "summary",
    "highlights",
    "headlines",
    "headline",
)
PREDICTION_FIELDS = ("prediction", "predictions", "output", "generated")


def read_items(path: Path, kind: str, field: str | None = None) -> tuple[Items, bool, str | None]:
    """(id, texts) per line, whether the ids came from the file (JSONL) or line numbers, and
    the JSON field the texts came from (None for plain text).

    ``kind`` is ``prediction`` or ``references``; ``field`` names the JSON field, else the
    first of the common names that the first record has.
    """
    lines = _read_lines(path)
    if not _is_jsonl(path):
        return [(str(i + 1), [line]) for i, line in enumerate(lines)], False, None
    common = PREDICTION_FIELDS if kind == "prediction" else REFERENCE_FIELDS
    keys: tuple[str, ...] = (field,) if field else common
    used: dict[str, None] = {}  # the fields read, in order of first use
    items: Items = []
    seen: dict[str, int] = {}
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{no}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(f"not valid JSON ({err.msg})", where=where) from None
        if not isinstance(record, dict):
            raise DataError("each line must be a JSON object", where=where)
        key = next((k for k in keys if k in record), None)
        if key is None:
            flag = "--refs-field" if kind != "prediction" else "--pred-field"
            raise DataError(
                f"no {' or '.join(repr(k) for k in keys[:3])}{'...' if len(keys) > 3 else ''} "
                f"field (has: {', '.join(map(str, record)) or 'nothing'})",
                where=where,
                hint=f"name the field with {flag} NAME",
            )
        used.setdefault(key, None)
        ident = str(record.get("id", no))
        if ident in seen:
            raise DataError(f"id '{ident}' already used on line {seen[ident]}", where=where)
        seen[ident] = no
        items.append((ident, _as_texts(record[key], where, key)))
    return items, True, "', '".join(used) or None


def load_pairs(
    predictions: Path,
    references: list[Path],
    *,
    pred_field: str | None = None,
    refs_field: str | None = None,
    fields_used: dict[str, str] | None = None,
) -> tuple[list[str], list[str], list[list[str]]]:
    """Ids, predictions and their references, matched by id or by position.

    ``fields_used`` (if given) receives each JSONL file's path -> the field read from it."""
    preds, pred_ids, used = read_items(predictions, "prediction", pred_field)
    if fields_used is not None and used:
        fields_used[str(predictions)] = used
    ref_sets = []
    for path in references:
        items, ref_ids, used = read_items(path, "references", refs_field)
        if fields_used is not None and used:
            fields_used[str(path)] = used
        ref_sets.append((path, items, ref_ids))
    refs: dict[str, list[str]] = {ident: [] for ident, _ in preds}
    for path, items, ref_ids in ref_sets:
        if pred_ids and ref_ids:
            known = {ident for ident, _ in items}
            missing = [ident for ident in refs if ident not in known]
            extra = [ident for ident, _ in items if ident not in refs]
            if missing or extra:
                what = (
                    f"{len(missing)} prediction id(s) have no reference (first: '{missing[0]}')"
                    if missing
                    else f"{len(extra)} reference id(s) have no prediction (first: '{extra[0]}')"
                )
                raise DataError(what, where=str(path), hint="give both files the same ids")
            for ident, texts in items:
                refs[ident].extend(texts)
        else:
            if len(items) != len(preds):
                raise DataError(
                    f"{len(items)} reference(s) for {len(preds)} prediction(s) in {predictions}",
                    where=str(path),
                    hint="plain-text files are matched line by line; give one line per item",
                )
            for (ident, _), (_, texts) in zip(preds, items, strict=True):
                refs[ident].extend(texts)
    ids = [ident for ident, _ in preds]
    return ids, [texts[0] for _, texts in preds], [refs[i] for i in ids]


@dataclass
class ScoredFiles:
    """What ``summeval score`` computed: scores, data statistics, and what was read."""

    scores: CorpusScores
    stats: dict[str, Any]
    ids: list[str]  # every item, scored or not, in file order
    unscored: int  # items without a non-empty reference
    fields: dict[str, str]  # JSONL file -> the field its texts came from


def score_files(
    predictions: Path,
    references: list[Path],
    settings: RougeSettings,
    *,
    pred_field: str | None = None,
    refs_field: str | None = None,
    language_key: str = "--language",
    stats: bool = True,
) -> ScoredFiles:
    """Scores, data statistics (``stats=False``: none), and how many articles had no
    non-empty reference."""
    fields: dict[str, str] = {}
    ids, preds, refs = load_pairs(
        predictions, references, pred_field=pred_field, refs_field=refs_field, fields_used=fields
    )
    return score_texts(
        ids, preds, refs, settings, language_key=language_key, fields=fields, stats=stats
    )


def score_texts(
    ids: list[str],
    preds: list[str],
    refs: list[list[str]],
    settings: RougeSettings,
    *,
    language_key: str = "--language",
    fields: dict[str, str] | None = None,
    stats: bool = True,
) -> ScoredFiles:
    """ROUGE over the items with a non-empty reference (the others are counted), and the
    data statistics of every prediction (``stats=False``: none)."""
    keep = [i for i, r in enumerate(refs) if any(t.strip() for t in r)]
    scores = score_corpus(
        [ids[i] for i in keep],
        [preds[i] for i in keep],
        [[t for t in refs[i] if t.strip()] for i in keep],
        settings,
        language_key=language_key,
    )
    data_stats = corpus_stats(preds, None, refs) if stats else {}
    return ScoredFiles(scores, data_stats, ids, len(ids) - len(keep), fields or {})


def choose_settings(
    profile: str | None,
    language: str | None,
    where: str,
    language_key: str = "--language",
    **options: Any,
) -> RougeSettings:
    """ROUGE settings as ``run`` chooses them: a language other than English selects the
    multilingual profile; the multilingual profile needs a language. One-line errors."""
    chosen = profile or (
        "multilingual" if language and language.split("-")[0] != "en" else "rouge155"
    )
    if chosen == "multilingual" and not language:
        raise UserError(
            "the multilingual profile needs the texts' language (its stemmer and word "
            "segmenter depend on it)",
            where=where,
            hint=f"add {language_key}, e.g. {language_key} zh (or en)",
        )
    try:
        return settings_for(chosen, language=language, **options)
    except ValueError as err:
        raise UserError(str(err), where=where) from None


def per_article_lines(result: ScoredFiles) -> str:
    """JSON lines, one per item in file order: ``{"id", "scores"}``, scores being
    ``{measure: {precision, recall, fmeasure}}`` (0-1), or null without a reference."""
    index = {ident: i for i, ident in enumerate(result.scores.ids)}
    out = []
    for ident in result.ids:
        i = index.get(ident)
        scores = result.scores.article(i) if i is not None else None
        out.append(json.dumps({"id": ident, "scores": scores}, ensure_ascii=False) + "\n")
    return "".join(out)


def as_json(scores: CorpusScores) -> dict[str, Any]:
    """The ``--json`` contract: each measure -> {precision, recall, fmeasure, low, high}
    (0-1; low/high bound F1), plus ``signature`` and ``n``."""
    out: dict[str, Any] = {
        m: {
            "precision": r["precision"],
            "recall": r["recall"],
            "fmeasure": r["fmeasure"],
            "low": r["fmeasure_low"],
            "high": r["fmeasure_high"],
        }
        for m, r in scores.aggregate.items()
    }
    out["signature"] = scores.signature
    out["n"] = scores.n
    return out


def as_text(scores: CorpusScores, stats: dict[str, Any], unscored: int) -> str:
    """A small table on a 0-100 scale, the data statistics (where computed) and the
    signature."""
    pct = f"{100 * scores.settings.confidence:g}"
    lines = [
        f"{'measure':<8} {'P':>6} {'R':>6} {'F1':>6}   {pct}% interval of F1",
    ]
    for m, r in scores.aggregate.items():
        if r["fmeasure"] is None:  # no item had a reference
            lines.append(f"{SHORT.get(m, m):<8} {'n/a':>6} {'n/a':>6} {'n/a':>6}   n/a")
            continue
        ci = (
            f"[{100 * r['fmeasure_low']:.2f}, {100 * r['fmeasure_high']:.2f}]"
            if r["fmeasure_low"] is not None
            else "n/a (--bootstrap 0)"
        )
        lines.append(
            f"{SHORT.get(m, m):<8} {100 * r['precision']:6.2f} {100 * r['recall']:6.2f} "
            f"{100 * r['fmeasure']:6.2f}   {ci}"
        )
    lines.append(
        f"n = {scores.n} article(s)"
        + (f"; {unscored} without a reference not scored" if unscored else "")
        + "; scale 0-100"
        + ("; n/a: no item has a reference (--refs, --refs-field)" if not scores.n else "")
    )
    if 0 < scores.n < MIN_INTERVAL_N:
        lines.append(small_n_note(scores.n))

    def fmt(key: str, scale: float = 1.0) -> str:
        return format_stat(stats, key, scale, 1)

    lines.append(
        f"the {scores.settings.tokenizer} tokeniser dropped {100 * scores.dropped_share:.1f}% of "
        "letters and digits"
    )
    if stats:
        lines.append(
            f"predictions: {fmt('words')} words, {fmt('sentences')} sentences on average "
            f"(references {fmt('reference_words')} words); empty {fmt('empty', 100)}%; "
            f"repeated 3-grams {fmt('repeated_3', 100)}%"
        )
    lines.append(f"signature: {scores.signature}")
    return "\n".join(lines)
