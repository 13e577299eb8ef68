"""``summeval score``: ROUGE for predictions made elsewhere, no model involved.

Files: ``.jsonl``/``.json`` files are JSON lines (``{"id", "prediction"}`` for predictions,
``{"id", "references": [...]}`` or ``{"id", "reference": "..."}`` for references); any other
file is plain text, one item per line (line ``k`` gets id ``k``). Two JSONL files are matched
by id; otherwise by position, and the counts must agree. ``--refs`` may be repeated: each
file adds one reference per article.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from summeval.errors import DataError
from summeval.metrics.datastats import corpus_stats
from summeval.metrics.rouge import CorpusScores, RougeSettings, score_corpus
from summeval.results import SHORT, format_stat

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


def read_items(path: Path, kind: str) -> tuple[Items, bool]:
    """(id, texts) per line, and whether the ids came from the file (JSONL) or line numbers.

    ``kind`` is ``prediction`` or ``references``.
    """
    lines = _read_lines(path)
    if not _is_jsonl(path):
        return [(str(i + 1), [line]) for i, line in enumerate(lines)], False
    keys = ("prediction",) if kind == "prediction" else ("references", "reference")
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
            raise DataError(
                f"no '{keys[0]}' field", where=where, hint=f'write {{"id": ..., "{keys[0]}": ...}}'
            )
        ident = str(record.get("id", no))
        if ident in seen:
            raise DataError(f"id '{ident}' already used on line {seen[ident]}", where=where)
        seen[ident] = no
        items.append((ident, _as_texts(record[key], where, key)))
    return items, True


def load_pairs(
    predictions: Path, references: list[Path]
) -> tuple[list[str], list[str], list[list[str]]]:
    """Ids, predictions and their references, matched by id or by position."""
    preds, pred_ids = read_items(predictions, "prediction")
    ref_sets = [(path, *read_items(path, "references")) for path in references]
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


def score_files(
    predictions: Path, references: list[Path], settings: RougeSettings
) -> tuple[CorpusScores, dict[str, Any], int]:
    """Scores, data statistics, and how many articles had no non-empty reference."""
    ids, preds, refs = load_pairs(predictions, references)
    keep = [i for i, r in enumerate(refs) if any(t.strip() for t in r)]
    scores = score_corpus(
        [ids[i] for i in keep],
        [preds[i] for i in keep],
        [[t for t in refs[i] if t.strip()] for i in keep],
        settings,
    )
    stats = corpus_stats(preds, None, refs)
    return scores, stats, len(ids) - len(keep)


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
    """A small table on a 0-100 scale, the data statistics and the signature."""
    pct = f"{100 * scores.settings.confidence:g}"
    lines = [
        f"{'measure':<8} {'P':>6} {'R':>6} {'F1':>6}   {pct}% interval of F1",
    ]
    for m, r in scores.aggregate.items():
        lines.append(
            f"{SHORT.get(m, m):<8} {100 * r['precision']:6.2f} {100 * r['recall']:6.2f} "
            f"{100 * r['fmeasure']:6.2f}   [{100 * r['fmeasure_low']:.2f}, "
            f"{100 * r['fmeasure_high']:.2f}]"
        )
    lines.append(
        f"n = {scores.n} article(s)"
        + (f"; {unscored} without a reference not scored" if unscored else "")
        + "; scale 0-100"
    )

    def fmt(key: str, scale: float = 1.0) -> str:
        return format_stat(stats, key, scale, 1)

    lines.append(
        f"the {scores.settings.tokenizer} tokeniser dropped {100 * scores.dropped_share:.1f}% of "
        "letters and digits"
    )
    lines.append(
        f"predictions: {fmt('words')} words, {fmt('sentences')} sentences on average "
        f"(references {fmt('reference_words')} words); empty {fmt('empty', 100)}%; "
        f"repeated 3-grams {fmt('repeated_3', 100)}%"
    )
    lines.append(f"signature: {scores.signature}")
    return "\n".join(lines)
