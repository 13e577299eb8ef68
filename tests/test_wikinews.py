"""The shipped Wikinews set: rebuilt from its raw CSVs byte for byte, cleaned as documented,
and read by field names alone, with no reference inside any model input."""

from __future__ import annotations

import importlib.util
import json
import re
import sys

import pytest

from summeval.config import DatasetConfig
from summeval.data import load_articles

from .conftest import ROOT

DATA = ROOT / "data" / "wikinews" / "wikinews.jsonl"


def _build_module():
    spec = importlib.util.spec_from_file_location(
        "build_wikinews", ROOT / "scripts" / "build_wikinews.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build():
    return _build_module()


@pytest.fixture(scope="module")
def rows():
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]


def test_rebuilding_from_the_raw_files_gives_the_same_bytes(build):
    text, report = build.build(ROOT / "data" / "wikinews" / "raw")
    assert text == DATA.read_text(encoding="utf-8")
    assert report[0] == "295 rows read, 259 kept, 36 dropped"
    assert "  dropped: 27 interview transcript (questions and answers, not a news report)" in report


def test_the_readme_states_the_counts_the_build_prints(build):
    readme = (ROOT / "data" / "wikinews" / "README.md").read_text(encoding="utf-8")
    _, report = build.build(ROOT / "data" / "wikinews" / "raw")
    for line in report[1:]:
        n, what = re.match(r"\s+(?:dropped|removed from kept rows): (\d+) (.*)", line).groups()
        assert re.search(rf"\| {n} \|", readme), (n, what)
    assert "259" in readme and "Rows dropped (36 of 295)" in readme


def test_records_have_the_documented_fields_and_no_debris(rows):
    assert len(rows) == 259
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert list(r) == ["id", "url", "date", "headline", "summary", "article"]
        assert r["id"].startswith("wikinews-") and re.fullmatch(r"[a-z0-9-]+", r["id"])
        assert r["url"].startswith("https://en.wikinews.org/wiki/") and "//wiki" not in r["url"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["date"])
        text = "\n".join((r["headline"], r["summary"], r["article"]))
        assert "\u00a0" not in text and "\u200b" not in text and "\n\n" not in text
        assert "  " not in text and "█" not in text
        assert not re.match(r"\w+day, \w+ \d{1,2}, \d{4}", r["summary"])  # no dateline
        assert 10 <= len(r["summary"].split()) <= 120
        assert len(r["article"].split()) >= 80
        assert not any(re.match(r"^[\u2013\u2014]\s*\S", p) and len(p.split()) <= 15
                       for p in r["article"].split("\n"))  # fmt: skip


def test_the_lede_is_not_in_the_input(rows):
    for r in rows:
        assert r["summary"] not in r["article"]
        assert r["headline"].lower() not in r["article"].lower()


def test_cleaning_rules_on_hand_made_rows(build):
    row = {
        "url": "https://en.wikinews.org//wiki/Storm_hits_town,_two_dead",
        "date": "2019-05-01",
        "title": "Storm hits\u00a0town, two dead",
        "text": "Friday, May 1, 2019\u00a0\n\n\nA storm hit the town on Thursday, killing two "
        "people and cutting power to thousands of homes, officials said.\n\n\n"
        "██\u00a0Affected area\n\n—Mayor Jane Doe\n\n"
        "The town hall. Image: A. Photographer.\n\n"
        + " ".join(["Rescuers searched the area for more survivors overnight."] * 12)
        + "\n\nRepairs began today. They will take weeks. (Image: B. Photographer)\n",
    }
    cleaned = build.clean_row(row)
    rec = cleaned.record
    assert rec["id"] == "wikinews-storm-hits-town-two-dead"
    assert rec["url"] == "https://en.wikinews.org/wiki/Storm_hits_town,_two_dead"
    assert rec["headline"] == "Storm hits town, two dead"
    assert rec["summary"].startswith("A storm hit the town on Thursday")
    assert rec["article"].startswith("Rescuers searched")
    assert rec["article"].endswith("Repairs began today. They will take weeks.")
    assert dict(cleaned.removed) == {
        "dateline": 1, "map legend": 1, "pull-quote attribution": 1, "image caption": 1,
        "image credit": 1,
    }  # fmt: skip
    short = dict(row, text="Friday, May 1, 2019\n\nA storm hit the town.\n\nIt rained.")
    assert build.clean_row(short).dropped == "lede under 10 words"
    interview = dict(row, text=row["text"] + "\n".join(["((WN)) Why?", "((Doe)) Because."] * 2))
    assert build.clean_row(interview).dropped.startswith("interview transcript")


def test_the_loader_finds_headline_and_summary_by_name():
    articles, report = load_articles(DatasetConfig(path=str(DATA), limit=5))
    assert report.reference_fields == {"summary": "summary", "headline": "headline"}
    assert report.guessed == []
    for a in articles:
        assert len(a.summaries) == 1 and len(a.headlines) == 1
        assert a.summaries[0] not in a.text and a.headlines[0] not in a.text
