"""Build data/wikinews/wikinews.jsonl from the scraped Wikinews CSVs in data/wikinews/raw/.

    python scripts/build_wikinews.py            # rewrite data/wikinews/wikinews.jsonl
    python scripts/build_wikinews.py --check    # exit 1 if the shipped file differs

Each row becomes ``{id, url, date, headline, summary, article}``: the headline is the Wikinews
title, the summary is the lede (the first paragraph after the dateline, a human-written
summary, as XSum's reference is the BBC's introductory sentence), and the article is the rest
of the body *without* the lede, so a lead baseline cannot copy the reference. Scraping debris
is removed (datelines, map legends, pull-quote attributions whose quote was lost, image
credits, NBSP and zero-width characters, blank-line paragraphs, irregular whitespace), and
rows that are no use as news summarisation items are dropped, each with its reason printed.
Standard library only, and deterministic: the same raw files give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "wikinews" / "raw"
RAW_FILES = ("wikinews_2019.csv", "wikinews_2020.csv")
OUT = ROOT / "data" / "wikinews" / "wikinews.jsonl"

MIN_LEDE_WORDS = 10  # a lede shorter than this is a fragment, not a summary
MAX_LEDE_WORDS = 120  # ... longer than this, not a one-to-three-sentence summary
MIN_ARTICLE_WORDS = 80  # the body left after the lede must be worth summarising
MIN_INTERVIEW_TURNS = 3  # lines starting "((WN))", "((Name))": a Q&A transcript

_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATELINE = re.compile(rf"^(?:{_WEEKDAYS}), (?:{_MONTHS}) \d{{1,2}}, \d{{4}}$")
MAP_LEGEND = re.compile(r"^[\u2580-\u259f]")  # "██ Syrian Arab Republic": a map's colour key
# A pull quote's attribution ("—Troy Roberts"); the scrape lost the quote itself.
ATTRIBUTION = re.compile(r"^[\u2013\u2014]\s*\S")
MAX_ATTRIBUTION_WORDS = 15
# An image caption with its credit ("Stage where speeches were given. Image: C.Suthorn.",
# "Sirhan in 2016 (Image: CDCR)") or a bare file name ("File:Keisha Lance Bottoms.jpg").
IMAGE_CREDIT = re.compile(r"\s*\(?\bImage:[^\n]{0,80}$")  # the credit ends the paragraph
IMAGE_FILE = re.compile(r"^File:\S.*\.(?:jpe?g|png|svg|gif)$", re.I)
MAX_CAPTION_WORDS = 30
SENTENCE_END = re.compile(r"[.!?][\"\u201d']?\s+[A-Z0-9\"\u201c]")
INTERVIEW_TURN = re.compile(r"^\(\([^()]{1,40}\)\)")
DRAFT_MARKERS = (
    "This article requires pre-publication review",
    "This is a test page",
    "If you are looking for recent news stories, please visit our Main Page",
)
SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")


@dataclass
class Cleaned:
    """One row after cleaning, or the reason it was dropped."""

    record: dict[str, str] | None
    dropped: str | None = None
    removed: Counter[str] | None = None


def paragraphs(text: str) -> list[str]:
    """NFC, NBSP and other spaces as one space, zero-width characters removed, one paragraph
    a non-empty line (the scrape separates paragraphs by blank lines, a few by one break)."""
    text = unicodedata.normalize("NFC", INVISIBLE.sub("", text.replace("\r\n", "\n")))
    lines = (SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return [line for line in lines if line]


def debris_kind(paragraph: str, first: bool) -> str | None:
    """What kind of scraping debris a paragraph is, or None for real text."""
    n_words = len(paragraph.split())
    if first and DATELINE.match(paragraph):
        return "dateline"
    if MAP_LEGEND.match(paragraph):
        return "map legend"
    if ATTRIBUTION.match(paragraph) and n_words <= MAX_ATTRIBUTION_WORDS:
        return "pull-quote attribution"
    if IMAGE_FILE.match(paragraph):
        return "image caption"
    credit = IMAGE_CREDIT.search(paragraph)
    if credit and n_words <= MAX_CAPTION_WORDS:
        # a caption is one sentence; text of several sentences keeps all but the credit
        before = paragraph[: credit.start()]
        return "image credit" if SENTENCE_END.search(before) else "image caption"
    return None


def article_id(url: str) -> str:
    """``wikinews-`` and the URL's page name, accents dropped (Gdańsk: gdansk), lowercased,
    runs of other characters as ``-``."""
    slug = unicodedata.normalize("NFKD", unquote(urlsplit(url).path.rsplit("/", 1)[-1]))
    slug = "".join(c for c in slug if not unicodedata.combining(c))
    return "wikinews-" + re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")


def canonical_url(url: str) -> str:
    """The scrape's ``https://en.wikinews.org//wiki/...`` with the doubled slash mended."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}/{parts.path.lstrip('/')}"


def clean_row(row: dict[str, str]) -> Cleaned:
    """The JSONL record of one CSV row, or why it is dropped."""
    body = row["text"]
    if any(marker in body for marker in DRAFT_MARKERS):
        return Cleaned(None, "draft or test page, not a published article")
    removed: Counter[str] = Counter()
    kept: list[str] = []
    for i, para in enumerate(paragraphs(body)):
        kind = debris_kind(para, first=not kept and i == 0)
        if kind == "image credit":
            para = IMAGE_CREDIT.sub("", para)
        if kind is None or kind == "image credit":
            kept.append(para)
        if kind is not None:
            removed[kind] += 1
    if not kept:
        return Cleaned(None, "no text after the dateline")
    lede, rest = kept[0], kept[1:]
    if sum(bool(INTERVIEW_TURN.match(p)) for p in rest) >= MIN_INTERVIEW_TURNS:
        return Cleaned(None, "interview transcript (questions and answers, not a news report)")
    if lede.startswith("The following is"):
        return Cleaned(None, "the first paragraph introduces a series, it is not a lede")
    if len(lede.split()) < MIN_LEDE_WORDS:
        return Cleaned(None, f"lede under {MIN_LEDE_WORDS} words")
    if len(lede.split()) > MAX_LEDE_WORDS:
        return Cleaned(None, f"lede over {MAX_LEDE_WORDS} words")
    if sum(len(p.split()) for p in rest) < MIN_ARTICLE_WORDS:
        return Cleaned(None, f"article under {MIN_ARTICLE_WORDS} words without its lede")
    headline = " ".join(SPACES.sub(" ", unicodedata.normalize("NFC", row["title"])).split())
    record = {
        "id": article_id(row["url"]),
        "url": canonical_url(row["url"]),
        "date": row["date"].strip(),
        "headline": headline,
        "summary": lede,
        "article": "\n".join(rest),
    }
    return Cleaned(record, removed=removed)


def read_rows(folder: Path) -> list[dict[str, str]]:
    """The rows of the raw CSVs, in file order."""
    csv.field_size_limit(1 << 24)
    rows: list[dict[str, str]] = []
    for name in RAW_FILES:
        text = (folder / name).read_text(encoding="utf-8")
        rows.extend(csv.DictReader(io.StringIO(text, newline="")))
    return rows


def build(folder: Path = RAW) -> tuple[str, list[str]]:
    """The JSONL text and the report lines (rows read, kept, dropped by reason, debris)."""
    rows = read_rows(folder)
    out: list[str] = []
    dropped: Counter[str] = Counter()
    debris: Counter[str] = Counter()
    seen: set[str] = set()
    for row in rows:
        cleaned = clean_row(row)
        if cleaned.record is None:
            dropped[cleaned.dropped or "?"] += 1
            continue
        if cleaned.record["id"] in seen:
            dropped["duplicate id"] += 1
            continue
        seen.add(cleaned.record["id"])
        debris.update(cleaned.removed or {})
        out.append(json.dumps(cleaned.record, ensure_ascii=False))
    report = [f"{len(rows)} rows read, {len(out)} kept, {sum(dropped.values())} dropped"]
    report += [f"  dropped: {n} {reason}" for reason, n in sorted(dropped.items())]
    report += [f"  removed from kept rows: {n} {kind}(s)" for kind, n in sorted(debris.items())]
    return "".join(line + "\n" for line in out), report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--raw", type=Path, default=RAW, help="folder of the raw CSVs")
    parser.add_argument("--out", type=Path, default=OUT, help="the JSONL to write")
    parser.add_argument("--check", action="store_true", help="only compare with --out")
    args = parser.parse_args(argv)
    text, report = build(args.raw)
    print("\n".join(report), file=sys.stderr)
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'differs from a rebuild'}", file=sys.stderr)
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
