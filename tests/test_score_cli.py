"""``summeval score``: the --json contract, file formats, matching and one-line errors."""

from __future__ import annotations

import json

import pytest
from rouge_score import rouge_scorer

PREDS = ["The cat sat on the mat.", "Police arrested a man on Monday.", ""]
REFS = ["A cat was sitting on the mat.", "A man was arrested by police.", "Nothing here."]


@pytest.fixture
def files(tmp_path):
    p = tmp_path / "preds.txt"
    r = tmp_path / "refs.txt"
    p.write_text("\n".join(PREDS) + "\n", encoding="utf-8")
    r.write_text("\n".join(REFS) + "\n", encoding="utf-8")
    return p, r


def test_json_contract_and_rouge_score_parity(files, run_cli):
    p, r = files
    code, out, err = run_cli("score", p, "--refs", r, "--profile", "rouge-score", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"rouge1", "rouge2", "rougeL", "rougeLsum", "signature", "n"}
    assert doc["n"] == 3 and doc["signature"].startswith("rouge|profile:rouge-score|refs:1|")
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    direct = [scorer.score(ref, pred) for pred, ref in zip(PREDS, REFS, strict=True)]
    for m in ("rouge1", "rouge2", "rougeL"):
        assert set(doc[m]) == {"precision", "recall", "fmeasure", "low", "high"}
        for part in ("precision", "recall", "fmeasure"):
            want = sum(getattr(d[m], part) for d in direct) / 3
            assert doc[m][part] == pytest.approx(want, abs=1e-12)
        assert 0 <= doc[m]["low"] <= doc[m]["fmeasure"] <= doc[m]["high"] <= 1
    assert "ROUGE-Lsum equals ROUGE-L" in err  # one line each: the warning says so


def test_jsonl_by_id_several_references_and_text_output(tmp_path, jsonl, run_cli):
    preds = jsonl(
        [{"id": "b", "prediction": "x y z"}, {"id": "a", "prediction": "a b c"}], "p.jsonl"
    )
    refs = jsonl(
        [{"id": "a", "references": ["a b c", "q"]}, {"id": "b", "reference": "x y"}], "r.jsonl"
    )
    code, out, _ = run_cli("score", preds, "--refs", refs, "--json", "--no-stem")
    doc = json.loads(out)
    assert code == 0 and doc["n"] == 2 and "refs:1-2" in doc["signature"]
    # a: pooled R = 3/(3+1), P = 3/(2*3); b: R = 2/2, P = 2/3
    pa, ra, pb, rb = 0.5, 0.75, 2 / 3, 1.0
    assert doc["rouge1"]["recall"] == pytest.approx((ra + rb) / 2)
    assert doc["rouge1"]["precision"] == pytest.approx((pa + pb) / 2)
    code, out, _ = run_cli("score", preds, "--refs", refs, "--multi-ref", "max", "--json")
    assert json.loads(out)["rouge1"]["recall"] == pytest.approx((1.0 + 1.0) / 2)
    code, out, _ = run_cli("score", preds, "--refs", refs)
    assert code == 0 and "R-1" in out and "95% interval" in out and "signature: rouge|" in out
    assert "the rouge155 tokeniser dropped 0.0% of letters and digits" in out


def test_repeated_refs_add_references(files, tmp_path, run_cli):
    p, r = files
    r2 = tmp_path / "refs2.txt"
    r2.write_text("The cat sat on the mat.\nx\ny\n", encoding="utf-8")
    code, out, _ = run_cli("score", p, "--refs", r, "--refs", r2, "--json", "--multi-ref", "max")
    doc = json.loads(out)
    assert code == 0 and "refs:2" in doc["signature"]
    assert (
        doc["rouge1"]["fmeasure"]
        > json.loads(run_cli("score", p, "--refs", r, "--json")[1])["rouge1"]["fmeasure"]
    )


P1 = json.dumps({"id": "1", "prediction": "a"})
R1 = json.dumps({"id": "1", "references": ["a"]})


@pytest.mark.parametrize(
    ("pred", "ref", "message"),
    [
        (("p.txt", ["a", "b"]), ("r.txt", ["a"]), "1 reference(s) for 2 prediction(s)"),
        (("p.jsonl", [P1]), ("r.jsonl", [R1.replace('"1"', '"2"')]), "have no reference"),
        (("p.jsonl", [P1, P1[:-1]]), ("r.jsonl", [R1]), "p.jsonl:2: not valid JSON"),
        (
            ("p.jsonl", [P1.replace("prediction", "text")]),
            ("r.txt", ["a"]),
            "no 'prediction' or 'predictions'",
        ),
        (("p.jsonl", [P1, P1]), ("r.txt", ["a", "b"]), "id '1' already used on line 1"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, run_cli, pred, ref, message):
    paths = []
    for name, lines in (pred, ref):
        paths.append(tmp_path / name)
        paths[-1].write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run_cli("score", paths[0], "--refs", paths[1])
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_file_and_bad_option(files, tmp_path, run_cli):
    p, r = files
    code, _, err = run_cli("score", tmp_path / "nope.txt", "--refs", r)
    assert code == 2 and "nope.txt: file not found" in err
    code, _, err = run_cli("score", p, "--refs", r, "--types", "rouge9")
    assert code == 2 and "unknown ROUGE measure 'rouge9'" in err


def test_zero_limit_is_no_limit_and_negative_is_an_error(files, run_cli):
    """ROUGE-1.5.5 treats -l 0 / -b 0 as no limit; a negative limit is a one-line error."""
    p, r = files
    _, plain, _ = run_cli("score", p, "--refs", r, "--json")
    for flag in ("-l", "-b"):
        code, out, err = run_cli("score", p, "--refs", r, flag, "0", "--json")
        assert code == 0, err
        assert json.loads(out) == json.loads(plain)  # same scores, signature says limit:no
        assert "|limit:no|" in json.loads(out)["signature"]
        code, out, err = run_cli("score", p, "--refs", r, flag, "-3")
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
        assert "limit must be a whole number >= 1" in err


def test_lsum_warning_only_when_lsum_equals_l(tmp_path, jsonl, run_cli):
    """One-line predictions but two-line references: ROUGE-Lsum differs, so no warning."""
    preds = jsonl([{"id": "a", "prediction": "the cat sat on the mat today"}], "p.jsonl")
    refs = jsonl([{"id": "a", "references": ["the mat\nthe cat sat today"]}], "r.jsonl")
    code, out, err = run_cli("score", preds, "--refs", refs, "--profile", "rouge-score", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["rougeLsum"]["fmeasure"] != doc["rougeL"]["fmeasure"]
    assert "ROUGE-Lsum equals ROUGE-L" not in err


def test_utf8_bom_is_accepted_in_jsonl_and_text(tmp_path, run_cli):
    bom = "\ufeff"
    p = tmp_path / "p.jsonl"
    r = tmp_path / "r.jsonl"
    p.write_text(bom + json.dumps({"id": "a", "prediction": "The cat sat."}) + "\n", "utf-8")
    r.write_text(bom + json.dumps({"id": "a", "references": ["The cat sat."]}) + "\n", "utf-8")
    code, out, err = run_cli("score", p, "--refs", r, "--json")
    assert code == 0, err
    assert json.loads(out)["rouge1"]["fmeasure"] == 1.0
    pt, rt = tmp_path / "p.txt", tmp_path / "r.txt"
    pt.write_text(bom + "The cat sat.\n", "utf-8")
    rt.write_text("The cat sat.\n", "utf-8")
    code, out, err = run_cli("score", pt, "--refs", rt, "--json")
    assert code == 0 and json.loads(out)["rouge1"]["fmeasure"] == 1.0


def test_common_reference_fields_and_refs_field(tmp_path, jsonl, run_cli):
    preds = jsonl([{"id": "a", "prediction": "the cat sat"}], "p.jsonl")
    for field in ("summary", "summaries", "highlights", "headline", "reference"):
        refs = jsonl([{"id": "a", field: "the cat sat"}], f"r_{field}.jsonl")
        code, out, err = run_cli("score", preds, "--refs", refs, "--json")
        assert code == 0, err
        assert json.loads(out)["rouge1"]["fmeasure"] == 1.0
        assert f"texts from the '{field}' field" in err
    # a run's own articles.jsonl has both summaries and headlines: summaries by default
    both = jsonl([{"id": "a", "summaries": ["a dog ran"], "headlines": ["the cat sat"]}], "a.jsonl")
    _, out, err = run_cli("score", preds, "--refs", both, "--json")
    assert json.loads(out)["rouge1"]["fmeasure"] == 0.0 and "'summaries' field" in err
    _, out, err = run_cli("score", preds, "--refs", both, "--refs-field", "headlines", "--json")
    assert json.loads(out)["rouge1"]["fmeasure"] == 1.0 and "'headlines' field" in err
    code, out, err = run_cli("score", preds, "--refs", both, "--refs-field", "gold")
    assert code == 2 and "no 'gold' field (has: id, summaries, headlines)" in err
    assert "--refs-field" in err


def test_per_article_file(tmp_path, jsonl, run_cli):
    preds = jsonl(
        [{"id": "a", "prediction": "the cat sat"}, {"id": "b", "prediction": "x y"}], "p.jsonl"
    )
    refs = jsonl(
        [{"id": "a", "references": ["the cat"]}, {"id": "b", "references": [""]}], "r.jsonl"
    )
    out_file = tmp_path / "per.jsonl"
    code, _, err = run_cli(
        "score", preds, "--refs", refs, "--profile", "rouge-score", "--per-article", out_file
    )
    assert code == 0, err
    rows = [json.loads(x) for x in out_file.read_text().split("\n") if x]
    assert [r["id"] for r in rows] == ["a", "b"]
    r1 = rows[0]["scores"]["rouge1"]
    assert r1["precision"] == pytest.approx(2 / 3) and r1["recall"] == 1.0
    assert r1["fmeasure"] == pytest.approx(0.8)
    assert rows[1]["scores"] is None  # no reference: not scored


def test_score_language_selects_the_profile_as_run_does(tmp_path, run_cli):
    preds, refs = tmp_path / "p.txt", tmp_path / "r.txt"
    preds.write_text("北京今天下雨了，很多人带伞。\n")
    refs.write_text("北京下雨，人们带伞出门。\n")
    code, _, err = run_cli("score", preds, "--refs", refs, "--profile", "multilingual")
    assert code == 2 and "--language" in err  # no language: refused, never scored as English
    code, out, err = run_cli("score", preds, "--refs", refs, "--language", "zh")
    assert code == 0, err
    assert "profile:multilingual" in out and "lang:zh" in out and "seg:jieba" in out
    code, out, _ = run_cli("score", preds, "--refs", refs, "--language", "fr", "--json")
    assert json.loads(out)["signature"].startswith("rouge|profile:multilingual")
    code, out, err = run_cli("score", preds, "--refs", refs)  # English profile on Chinese
    assert code == 0 and "dropped 100.0% of letters" in err and "--language" in err
    assert "dataset.language" not in err


def test_bootstrap_0_and_no_stats_skip_intervals_and_statistics_not_scores(files, run_cli):
    """Equal work for a speed comparison: the same means, no intervals, no statistics."""
    p, r = files
    code, full, _ = run_cli("score", p, "--refs", r, "--profile", "rouge-score", "--json")
    assert code == 0
    code, bare, _ = run_cli(
        "score", p, "--refs", r, "--profile", "rouge-score", "--json", "--bootstrap", "0"
    )
    assert code == 0
    full, bare = json.loads(full), json.loads(bare)
    for m in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
        assert bare[m]["fmeasure"] == full[m]["fmeasure"] and full[m]["low"] is not None
        assert bare[m]["low"] is None and bare[m]["high"] is None
    assert "|ci:none|" in bare["signature"] and "|ci:95%/1000/numpy:0|" in full["signature"]
    code, text, _ = run_cli("score", p, "--refs", r, "--bootstrap", "0", "--no-stats")
    assert code == 0 and "n/a (--bootstrap 0)" in text and "predictions:" not in text
    code, text, _ = run_cli("score", p, "--refs", r)
    assert code == 0 and "predictions:" in text and "n/a (--bootstrap 0)" not in text
    code, _, err = run_cli("score", p, "--refs", r, "--bootstrap", "-1")
    assert code == 2 and "resamples must be 0" in err
