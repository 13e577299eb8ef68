"""Readers for JSONL, CSV, Parquet, raw news .txt files and Hugging Face datasets.

Each reader yields raw records (plain dicts plus where each came from); ``load_articles``
maps fields, cleans text, skips empty articles and checks ids, whatever the source.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summeval.config import DatasetConfig
from summeval.data.article import Article, DataReport
from summeval.data.cleaning import (
    clean_article_text,
    clean_reference,
    count_controls,
    decode_bytes,
    remove_controls,
)
from summeval.errors import DataError


@dataclass
class RawRecord:
    """One record as read, with its location for error messages."""

    data: dict[str, Any]
    where: str
    index: int
    replaced_chars: int = 0


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror})", where=str(path)) from None


def read_jsonl(path: Path) -> Iterator[RawRecord]:
    """One JSON object a line; blank lines are skipped; a bad line is named by its number."""
    for lineno, raw in enumerate(_read_bytes(path).split(b"\n"), start=1):
        if not raw.strip():
            continue
        text, replaced = decode_bytes(raw)
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"malformed JSON ({exc.msg} at column {exc.colno})",
                where=f"{path}:{lineno}",
                hint="each line must be one JSON object",
            ) from None
        if not isinstance(obj, dict):
            raise DataError(
                f"expected a JSON object, got {type(obj).__name__}",
                where=f"{path}:{lineno}",
                hint='each line must look like {"id": ..., "article": ...}',
            )
        yield RawRecord(obj, f"{path}:{lineno}", lineno, replaced)


CSV_HINT = (
    "a CSV needs a header row naming the columns (e.g. id,article,summary), then one article a row"
)


@contextlib.contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    """csv's field size limit (131,072 characters by default: one long article) raised for
    the duration of a read, then put back (it is the csv module's global)."""
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def read_csv(path: Path) -> Iterator[RawRecord]:
    """A header row then one article a row; quoted fields may span lines. Malformed CSV (a
    quote never closed, a row with more or fewer fields than the header) is an error naming
    the line where the bad record starts: a lenient reader would merge rows silently."""
    text, _ = decode_bytes(_read_bytes(path))
    with _csv_field_limit(max(len(text), 131_072)):
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        start = 1  # the line the next record starts on
        header: list[str] | None = None
        rows = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise DataError(
                    f"malformed CSV in the record starting here ({exc}; a quote opened here "
                    "and never closed takes in every row after it)",
                    where=f"{path}:{start}",
                    hint="fix the quoting (a quote inside a quoted field is written twice)",
                ) from None
            where, start = f"{path}:{start}", reader.line_num + 1
            if header is None:
                header = row
                continue
            if not row:  # a blank line
                continue
            if len(row) != len(header):
                raise DataError(
                    f"{len(row)} field(s) where the header has {len(header)}",
                    where=where,
                    hint="quote fields that hold commas; " + CSV_HINT,
                )
            rows += 1
            replaced = sum(v.count("\ufffd") for v in row)
            yield RawRecord(dict(zip(header, row, strict=True)), where, rows, replaced)
    if header is None:
        raise DataError("the CSV file is empty", where=str(path), hint=CSV_HINT)
    if not rows:
        shown = ", ".join(header[:6]) + (", ..." if len(header) > 6 else "")
        raise DataError(
            f"a header row ({shown}) and no article rows",
            where=str(path),
            hint="is the first line data? " + CSV_HINT,
        )


def read_parquet(path: Path) -> Iterator[RawRecord]:
    """Rows of a Parquet file, via pyarrow."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise DataError(f"cannot read Parquet ({exc})", where=str(path)) from None
    for i, row in enumerate(table.to_pylist(), start=1):
        yield RawRecord(row, f"{path}:row {i}", i)


def parse_news_txt(text: str) -> dict[str, Any]:
    """Parse the raw scraped layout of ``data/sample/seed_article.txt``.

    Layout: a teaser line, the headline, a blank line, the headline again, a standfirst
    (dek), then the body. The headline is the headline reference; standfirst and teaser
    are the summary references; only the body is the model's input. A file without a
    blank line in its first lines is taken as body only, with no references.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    head = lines[:6]
    blank = next((i for i, line in enumerate(head) if not line.strip()), None)
    if blank is None or blank == 0:
        return {"article": text, "summary": [], "headline": []}
    before = [line.strip() for line in lines[:blank] if line.strip()]
    headline = before[-1]
    teaser = " ".join(before[:-1])
    rest = lines[blank + 1 :]
    while rest and not rest[0].strip():
        rest.pop(0)
    if rest and rest[0].strip() == headline:
        rest.pop(0)
    standfirst = rest.pop(0).strip() if len(rest) > 1 else ""
    summaries = [s for s in (standfirst, teaser) if s]
    return {
        "article": "\n".join(rest),
        "summary": summaries,
        "headline": [headline],
        "standfirst": standfirst,
        "teaser": teaser,
        "title": headline,
    }


def read_txt(path: Path) -> Iterator[RawRecord]:
    """A .txt news file, or a folder of them (sorted by name); the id is the file stem."""
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    if not files:
        raise DataError("the folder holds no .txt files", where=str(path))
    for f in files:
        check_regular(f, str(f))
    for i, f in enumerate(files, start=1):
        text, replaced = decode_bytes(_read_bytes(f))
        rec = parse_news_txt(text)
        rec["id"] = f.stem
        yield RawRecord(rec, str(f), i, replaced)


def _offline_env() -> bool:
    return any(
        os.environ.get(v, "").lower() in ("1", "true", "yes")
        for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


def hub_dataset_cached(cfg: DatasetConfig) -> bool:
    """Whether a Hub dataset's files are in the local Hugging Face cache (no network)."""
    import huggingface_hub

    for filename in ("README.md", ".gitattributes"):
        found = huggingface_hub.try_to_load_from_cache(
            str(cfg.name), filename, revision=cfg.revision, repo_type="dataset"
        )
        if isinstance(found, str):
            return True
    return False


def hub_preflight(cfg: DatasetConfig) -> None:
    """Fail fast, in one line, when a Hub dataset can be neither read from the local cache nor
    fetched: one metadata request without retries instead of ``load_dataset``'s retry loop
    (about 25 s of retry messages when offline). Local folders and cached datasets pass."""
    if cfg.name is None or Path(cfg.name).exists() or _offline_env():
        return
    import huggingface_hub
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    if hub_dataset_cached(cfg):
        return
    where = f"dataset.name '{cfg.name}'"
    try:
        huggingface_hub.dataset_info(cfg.name, revision=cfg.revision, timeout=10)
    except GatedRepoError:
        return  # load_dataset reports access problems in the Hub's own words
    except RepositoryNotFoundError:
        raise DataError(
            "no such dataset on the Hugging Face Hub", where=where, hint=_HF_DATA_HINT
        ) from None
    except Exception as exc:
        text = " ".join(str(exc).split())[:160]
        raise DataError(
            f"not in the local Hugging Face cache and the Hub cannot be reached ({text})",
            where=where,
            hint=_HF_DATA_HINT,
        ) from None


def read_hf(cfg: DatasetConfig) -> Iterator[RawRecord]:
    """A Hugging Face dataset by name (or local dataset folder), config and split."""
    import datasets

    kwargs: dict[str, Any] = {"split": cfg.split}
    if cfg.revision:
        kwargs["revision"] = cfg.revision
    if cfg.trust_remote_code:
        kwargs["trust_remote_code"] = True
    where = f"dataset.name '{cfg.name}'"
    hub_preflight(cfg)
    try:
        ds = datasets.load_dataset(cfg.name, cfg.config, **kwargs)
    except Exception as exc:
        raise DataError(_hf_dataset_message(exc), where=where, hint=_HF_DATA_HINT) from None
    for i, row in enumerate(ds, start=1):
        yield RawRecord(dict(row), f"{cfg.name}[{cfg.split}] row {i}", i)


_HF_DATA_HINT = (
    "check the name, config and split; offline, point dataset.path at a local JSONL/CSV/Parquet "
    "copy or set dataset.name to a local dataset folder"
)


def _hf_dataset_message(exc: Exception) -> str:
    text = " ".join(str(exc).split())[:300]
    offline = (
        os.environ.get("HF_DATASETS_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1"
    )
    if offline or "connect" in text.lower() or "offline" in text.lower():
        return f"could not load it: the Hugging Face Hub could not be reached ({text})"
    return f"could not load it ({exc.__class__.__name__}: {text})"


def _detect_source(cfg: DatasetConfig) -> str:
    if cfg.source != "auto":
        return cfg.source
    if not cfg.path:
        return "hf"
    p = Path(cfg.path)
    if p.is_dir():
        return "txt"
    suffixes = "".join(p.suffixes[-1:]).lower()
    return {
        ".jsonl": "jsonl",
        ".json": "jsonl",
        ".csv": "csv",
        ".parquet": "parquet",
        ".txt": "txt",
    }.get(suffixes, "jsonl")


def check_dataset_path(cfg: DatasetConfig) -> None:
    """A local dataset must exist (Hugging Face datasets are checked when loaded)."""
    if _detect_source(cfg) == "hf" or cfg.path is None:
        return
    path = Path(cfg.path)
    if not path.exists():
        raise DataError(
            f"dataset file not found (looked in {Path.cwd()})",
            where=f"dataset.path '{cfg.path}'",
            hint="paths are relative to the folder you run summeval from; fix dataset.path",
        )
    check_regular(path, f"dataset.path '{cfg.path}'", folder_ok=True)


def check_regular(path: Path, where: str, folder_ok: bool = False) -> None:
    """Only regular files are read (and folders where a folder of files is meant): a device
    such as /dev/zero never ends, and a FIFO blocks until someone writes to it."""
    if path.is_file() or (folder_ok and path.is_dir()):
        return
    kind = "a folder" if path.is_dir() else "not a regular file (a device, FIFO or socket)"
    raise DataError(f"is {kind}", where=where, hint="point it at a file of articles")


def _iter_records(cfg: DatasetConfig, source: str) -> Iterator[RawRecord]:
    if source == "hf":
        return read_hf(cfg)
    assert cfg.path is not None
    check_dataset_path(cfg)
    path = Path(cfg.path)
    readers = {"jsonl": read_jsonl, "csv": read_csv, "parquet": read_parquet, "txt": read_txt}
    if path.is_dir() and source != "txt":
        raise DataError(f"is a folder, but source is '{source}'", where=f"dataset.path '{path}'")
    return readers[source](path)


def _json_type(value: Any) -> str:
    """A value's type as a JSON user would name it."""
    names = {list: "list", tuple: "list", dict: "object", bool: "boolean", int: "number"}
    return names.get(type(value), "number" if isinstance(value, float) else type(value).__name__)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None and str(v).strip()]
    text = str(value)
    return [text] if text.strip() else []


def _field_values(data: dict[str, Any], field: str | list[str] | None) -> list[str]:
    if field is None:
        return []
    names = field if isinstance(field, list) else [field]
    out: list[str] = []
    for name in names:
        out.extend(_as_list(data.get(name)))
    return out


HEADLINE_FIELDS = ("headline", "title")  # common names, used without mapping


def _reference_fields(cfg: DatasetConfig, first: dict[str, Any]) -> tuple[dict[str, Any], list]:
    """Each task's reference field: as configured, or for an unset headline field the
    common name the first record has (``headline``, else ``title``)."""
    fields = cfg.fields
    chosen: dict[str, Any] = {"summary": fields.summary, "headline": fields.headline}
    guessed = []
    if "headline" not in fields.model_fields_set and fields.headline not in first:
        found = [f for f in HEADLINE_FIELDS if f in first and f != fields.article]
        if found:
            chosen["headline"] = found[0]
            guessed.append("headline")
    return chosen, guessed


def load_articles(cfg: DatasetConfig) -> tuple[list[Article], DataReport]:
    """Read, map, clean and check the articles; count what was skipped or repaired."""
    source = _detect_source(cfg)
    report = DataReport(source=f"{source}:{cfg.path or cfg.name}", limit=cfg.limit)
    fields = cfg.fields
    id_explicit = "id" in fields.model_fields_set and fields.id is not None
    articles: list[Article] = []
    seen: dict[str, str] = {}
    ref_fields: dict[str, Any] | None = None
    for rec in _iter_records(cfg, source):
        report.read += 1
        data = rec.data
        if ref_fields is None:
            ref_fields, report.guessed = _reference_fields(cfg, data)
            report.reference_fields = ref_fields
        if fields.article not in data:
            keys = ", ".join(sorted(map(str, data))[:12])
            raise DataError(
                f"no field '{fields.article}' for the article text (fields here: {keys})",
                where=rec.where,
                hint="set dataset.fields.article to the field that holds the article",
            )
        if fields.id and fields.id in data and data[fields.id] not in (None, ""):
            art_id = str(data[fields.id])
            report.control_chars_removed += count_controls(art_id)
            art_id = remove_controls(art_id).replace("\n", " ").strip() or str(rec.index)
        elif id_explicit:
            raise DataError(
                f"no id field '{fields.id}'",
                where=rec.where,
                hint="fix dataset.fields.id, or set it to null to number articles by position",
            )
        else:
            art_id = str(rec.index)
        if art_id in seen:
            raise DataError(
                f"duplicate article id '{art_id}' (first at {seen[art_id]})",
                where=rec.where,
                hint="article ids must be unique; fix the data or set dataset.fields.id",
            )
        seen[art_id] = rec.where
        raw_text = data.get(fields.article)
        if raw_text is not None and not isinstance(raw_text, str):
            raise DataError(
                f"field '{fields.article}' holds a {_json_type(raw_text)}, not text",
                where=rec.where,
                hint="the article must be a string; fix the data or dataset.fields.article",
            )
        raw_text = "" if raw_text is None else raw_text
        report.control_chars_removed += count_controls(raw_text)
        text, removed = clean_article_text(raw_text)
        report.undecodable_replaced += rec.replaced_chars
        if not text.strip():
            report.skipped_empty += 1
            report.skipped_empty_ids.append(art_id)
            continue
        report.repeated_paragraphs_removed += removed
        raw_refs = [
            _field_values(data, ref_fields["summary"]),
            _field_values(data, ref_fields["headline"]),
        ]
        report.control_chars_removed += sum(count_controls(r) for refs in raw_refs for r in refs)
        summaries = [clean_reference(s) for s in raw_refs[0]]
        headlines = [clean_reference(h) for h in raw_refs[1]]
        meta: dict[str, Any] = {"where": rec.where}
        if rec.replaced_chars:
            meta["undecodable_replaced"] = rec.replaced_chars
        if removed:
            meta["repeated_paragraphs_removed"] = removed
        articles.append(Article(art_id, text, summaries, headlines, meta))
        if cfg.limit and len(articles) >= cfg.limit:
            break
    if not articles:
        raise DataError(
            f"no articles left after reading and filtering ({report.read} read, "
            f"{report.skipped_empty} empty)",
            where=f"dataset '{cfg.path or cfg.name}'",
            hint="check dataset.fields.article and that the file holds article text",
        )
    report.used = len(articles)
    report.missing_summary_reference = sum(1 for a in articles if not a.summaries)
    report.missing_headline_reference = sum(1 for a in articles if not a.headlines)
    return articles, report
