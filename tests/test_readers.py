"""Readers for every source, cleaning, and the per-article problems that never stop a run."""

from __future__ import annotations

import csv
import json

import pytest

from summeval.config import DatasetConfig, FieldMap
from summeval.data import load_articles
from summeval.data.cleaning import clean_article_text, decode_bytes
from summeval.data.readers import parse_news_txt
from summeval.errors import DataError

from .conftest import SEED, basic_config

ROWS = [
    {
        "id": "a1",
        "article": "First story. It has two sentences.",
        "summary": "Story one.",
        "headline": "One",
    },
    {
        "id": "a2",
        "article": "Second story here.",
        "summary": ["Ref A.", "Ref B."],
        "headline": "Two",
    },
]


def _load(path, **kw):
    return load_articles(DatasetConfig(path=str(path), **kw))


def test_jsonl(jsonl):
    arts, report = _load(jsonl(ROWS))
    assert [a.id for a in arts] == ["a1", "a2"]
    assert arts[0].summaries == ["Story one."]
    assert arts[1].summaries == ["Ref A.", "Ref B."]  # several references per task
    assert arts[1].headlines == ["Two"]
    assert report.read == report.used == 2


def test_csv(tmp_path):
    path = tmp_path / "d.csv"
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["doc_id", "text", "highlights"])
        w.writeheader()
        w.writerow(
            {"doc_id": "x", "text": "Body, with a comma.\nSecond line.", "highlights": "Ref."}
        )
        w.writerow({"doc_id": "y", "text": "Other body.", "highlights": "Ref 2."})
    fields = FieldMap(id="doc_id", article="text", summary="highlights", headline=None)
    arts, _ = _load(path, fields=fields)
    assert [a.id for a in arts] == ["x", "y"]
    assert arts[0].text == "Body, with a comma.\nSecond line."
    assert arts[0].headlines == []


def test_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_pylist([ROWS[0], {**ROWS[1], "summary": "One ref."}]), path)
    arts, _ = _load(path)
    assert [a.id for a in arts] == ["a1", "a2"]
    assert arts[1].summaries == ["One ref."]


def test_hf_dataset_from_local_folder(tmp_path):
    """The Hugging Face reader, offline: load_dataset on a local data folder."""
    folder = tmp_path / "hfdata"
    folder.mkdir()
    rows = [
        {"id": str(i), "document": f"Article number {i}.", "summary": f"Sum {i}."} for i in range(5)
    ]
    (folder / "test.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    cfg = DatasetConfig(
        source="hf",
        name=str(folder),
        split="test",
        limit=3,
        fields=FieldMap(article="document", headline=None),
    )
    arts, report = load_articles(cfg)
    assert [a.id for a in arts] == ["0", "1", "2"]
    assert arts[0].summaries == ["Sum 0."]
    assert report.used == 3


def test_hf_dataset_offline_hub_error():
    cfg = DatasetConfig(source="hf", name="no-such-org/no-such-dataset", split="test")
    with pytest.raises(DataError) as exc:
        load_articles(cfg)
    msg = exc.value.one_line()
    assert "no-such-org/no-such-dataset" in msg
    assert "Hub could not be reached" in msg
    assert "local" in msg


def test_raw_txt_layout_and_repeated_paragraphs():
    raw = SEED.read_text(encoding="utf-8")
    rec = parse_news_txt(raw)
    assert rec["headline"] == ["El Salvador Proposes to Accept Dangerous US Criminals and Migrants"]
    assert rec["standfirst"].startswith("El Salvador's President Nayib Bukele extends")
    assert rec["teaser"].startswith("In a bold move")
    arts, report = _load(SEED.parent)
    (art,) = arts
    assert art.id == "seed_article"
    # the seed repeats five of its paragraphs
    assert report.repeated_paragraphs_removed == 5
    paragraphs = art.text.split("\n")
    assert len(paragraphs) == len(set(paragraphs)) == 6  # 11 body paragraphs, 5 repeats
    # references, headline and standfirst never leak into the model's input
    assert rec["headline"][0] not in art.text
    assert rec["standfirst"] not in art.text
    assert rec["teaser"] not in art.text
    assert art.headlines == rec["headline"]
    assert art.summaries == [rec["standfirst"], rec["teaser"]]
    assert art.text.startswith("El Salvador has made significant headlines")


def test_txt_without_layout_is_body_only(tmp_path):
    (tmp_path / "plain.txt").write_text("Just a body line.\nAnother line.")
    arts, report = _load(tmp_path)
    assert arts[0].text == "Just a body line.\nAnother line."
    assert arts[0].summaries == [] and arts[0].headlines == []
    assert report.missing_summary_reference == 1


def test_whitespace_normalised_and_repeats_removed():
    text, removed = clean_article_text(
        "A  para\t here.\r\n\r\n\r\nB para.\nA para here.\n  A  para here. "
    )
    assert text == "A para here.\nB para."
    assert removed == 2


def test_limit(jsonl):
    arts, report = _load(jsonl(ROWS), limit=1)
    assert [a.id for a in arts] == ["a1"]
    assert report.used == 1


def test_ids_default_to_position(jsonl):
    rows = [{"article": "One."}, {"article": "Two."}]
    arts, _ = _load(jsonl(rows))
    assert [a.id for a in arts] == ["1", "2"]


# ---- problems with one article never stop the run


def test_empty_article_skipped_and_counted(jsonl):
    rows = [ROWS[0], {"id": "e", "article": "   \n "}, {"id": "n", "article": None}, ROWS[1]]
    arts, report = _load(jsonl(rows))
    assert [a.id for a in arts] == ["a1", "a2"]
    assert report.skipped_empty == 2
    assert report.skipped_empty_ids == ["e", "n"]


def test_missing_reference_kept(jsonl):
    rows = [{"id": "m", "article": "Body.", "headline": "H"}]
    arts, report = _load(jsonl(rows))
    assert arts[0].summaries == []
    assert report.missing_summary_reference == 1
    assert report.missing_headline_reference == 0


def test_undecodable_bytes_replaced_and_counted(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"id": "u", "article": "Caf\u00e9 PLACEHOLDER ok."}, ensure_ascii=False)
    path.write_bytes(good.encode().replace(b"PLACEHOLDER", b"\xff\xfe"))
    arts, report = _load(path)
    assert report.undecodable_replaced == 2
    assert arts[0].text == "Café \ufffd\ufffd ok."
    assert arts[0].meta["undecodable_replaced"] == 2


def test_decode_keeps_real_replacement_chars():
    assert decode_bytes("ok \ufffd".encode()) == ("ok \ufffd", 0)


# ---- bad input: one-line errors naming file and line


def test_malformed_jsonl_line_number(jsonl):
    path = jsonl([ROWS[0], '{"id": "x", "article": ', ROWS[1]])
    with pytest.raises(DataError) as exc:
        _load(path)
    assert f"{path}:2" in exc.value.one_line()
    assert "malformed JSON" in exc.value.one_line()


def test_dataset_file_missing(run_cli, write_config, tmp_path):
    path = write_config(basic_config(tmp_path / "missing.jsonl", tmp_path))
    code, _, err = run_cli("run", path, "--no-progress")
    assert code == 2
    assert "dataset.path" in err and "missing.jsonl" in err and "not found" in err


def test_malformed_jsonl_via_cli(run_cli, write_config, jsonl, tmp_path):
    data = jsonl([ROWS[0], ROWS[1], "not json"])
    code, _, err = run_cli("run", write_config(basic_config(data, tmp_path)), "--no-progress")
    assert code == 2
    assert f"{data}:3" in err and "Traceback" not in err


def test_no_articles_left(run_cli, write_config, jsonl, tmp_path):
    data = jsonl([{"id": "1", "article": ""}, {"id": "2", "article": "  "}])
    code, _, err = run_cli("run", write_config(basic_config(data, tmp_path)), "--no-progress")
    assert code == 2
    assert "no articles left" in err and "2 empty" in err


def test_duplicate_ids(run_cli, write_config, jsonl, tmp_path):
    data = jsonl([ROWS[0], ROWS[1], {**ROWS[0], "article": "Other."}])
    code, _, err = run_cli("run", write_config(basic_config(data, tmp_path)), "--no-progress")
    assert code == 2
    assert "duplicate article id 'a1'" in err
    assert f"{data}:3" in err and f"{data}:1" in err


def test_missing_article_field(jsonl):
    with pytest.raises(DataError, match="no field 'article'"):
        _load(jsonl([{"id": "1", "body": "x"}]))
