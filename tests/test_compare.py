"""compare / show / diff / report on real run folders made with the lead baseline (fast)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

TOPICS = [
    "The council approved the new budget on Tuesday",
    "Police arrested two men after the robbery",
    "The river flooded several villages overnight",
    "Scientists found a new species of frog",
    "The club signed a striker from Portugal",
    "Train drivers will strike next month",
    "The museum reopened after a long renovation",
    "A storm cut power to thousands of homes",
]


def _dataset(path: Path, n: int, offset: int = 0) -> Path:
    """Articles whose first sentence is the summary reference: lead-1 matches it exactly."""
    rows = []
    for i in range(n):
        first = f"{TOPICS[(i + offset) % len(TOPICS)]} in town {i + offset}."
        body = (
            f"{first} Officials gave few details about case {i}. Residents said they were "
            f"surprised by what happened near street {i * 7}. More news will follow soon."
        )
        rows.append({"id": f"a{i + offset}", "article": body, "summary": first, "headline": first})
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def _run(run_cli, tmp_path: Path, name: str, data: Path, **rouge) -> Path:
    cfg = {
        "dataset": {"path": str(data)},
        "tasks": {"headline": {"enabled": False}},
        "models": [
            {"name": "lead1", "backend": "lead", "lead_sentences": 1},
            {"name": "lead3", "backend": "lead", "lead_sentences": 3},
        ],
        "metrics": {"rouge": rouge} if rouge else {},
        "output": {"dir": str(tmp_path / "results"), "run_name": name},
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    code, _, err = run_cli("run", path, "--no-progress")
    assert code == 0, err
    return tmp_path / "results" / name


@pytest.fixture
def results(run_cli, tmp_path):
    data = _dataset(tmp_path / "d.jsonl", 30)
    _run(run_cli, tmp_path, "first", data)
    _run(run_cli, tmp_path, "second", data)  # the same scoring and articles: one group
    _run(run_cli, tmp_path, "other_profile", data, profile="rouge-score")
    _run(run_cli, tmp_path, "other_data", _dataset(tmp_path / "e.jsonl", 30, offset=3))
    return tmp_path / "results"


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("leaderboard*")}


def test_groups_mismatches_marks_and_idempotence(results, run_cli):
    code, out, err = run_cli("compare", results, "--permutations", "2000")
    assert code == 0, err
    doc = json.loads((results / "leaderboard.json").read_text())
    groups = doc["tasks"]["summary"]["groups"]
    assert [sorted({(r["run"], r["model"]) for r in g["rows"]}) for g in groups] == [
        [("first", "lead1"), ("first", "lead3"), ("second", "lead1"), ("second", "lead3")],
        [("other_data", "lead1"), ("other_data", "lead3")],
        [("other_profile", "lead1"), ("other_profile", "lead3")],
    ]
    assert "different articles or references" in groups[1]["differs_from_A"]
    assert "profile rouge155 vs rouge-score" in groups[2]["differs_from_A"]
    assert "multi pooled vs max" in groups[2]["differs_from_A"]
    # lead-1 equals the reference; lead-3 is significantly worse on every measure
    a = groups[0]
    assert a["baseline"] == "first:lead1" and a["rows"][0]["model"] == "lead1"
    worse = next(r for r in a["rows"] if (r["run"], r["model"]) == ("first", "lead3"))
    assert set(worse["marks"].values()) == {"▼"}
    assert worse["significance"]["rouge1"]["paired_bootstrap_p"] < 0.05
    same = next(r for r in a["rows"] if (r["run"], r["model"]) == ("second", "lead1"))
    assert same["marks"] == {m: "" for m in a["measures"]}
    assert same["significance"]["rouge1"]["paired_bootstrap_p"] == 1.0
    md = (results / "leaderboard.md").read_text()
    assert "### Group B" in md and "> Not comparable with group A" in md
    assert re.search(r"\| first \| lead3 \| [0-9.]+ \[[0-9., ]+\] ▼ \|", md)
    assert "![summary group A ROUGE](leaderboard_summary_A_rouge.png)" in md
    assert (results / "leaderboard_summary_A_rouge.png").read_bytes()[:4] == b"\x89PNG"
    rows = (results / "leaderboard.csv").read_text().splitlines()
    assert rows[0].startswith("run,model,summary_group,summary_n,summary_signature")
    assert len(rows) == 1 + 8
    before = _hashes(results)
    assert run_cli("compare", results, "--permutations", "2000")[0] == 0
    assert _hashes(results) == before  # rerunning compare rewrites the same bytes
    assert out.startswith("# summeval leaderboard")


def test_corrupt_and_partial_runs_are_reported_and_skipped(results, run_cli):
    bad = results / "broken"
    bad.mkdir()
    (bad / "results.json").write_text("{not json")
    partial = results / "partial"
    shutil.copytree(results / "first", partial)
    doc = json.loads((partial / "results.json").read_text())
    doc["status"] = "running"
    (partial / "results.json").write_text(json.dumps(doc))
    missing = results / "missing_samples"
    shutil.copytree(results / "first", missing)
    (missing / "samples_lead3_summary.jsonl").unlink()
    torn = results / "torn"
    shutil.copytree(results / "first", torn)
    with (torn / "samples_lead1_summary.jsonl").open("a") as f:
        f.write('{"id": "x", "predic')
    (results / "empty_folder").mkdir()
    old = results / "old_layout"
    shutil.copytree(results / "first", old)
    doc = json.loads((old / "results.json").read_text())
    del doc["results"]["lead1"]["summary"]["signature"]
    (old / "results.json").write_text(json.dumps(doc))
    code, _, err = run_cli("compare", results, "--permutations", "100")
    assert code == 0, err
    skipped = {Path(s["path"]).name: s["reason"] for s in json.loads(
        (results / "leaderboard.json").read_text())["skipped"]}  # fmt: skip
    assert "not valid JSON" in skipped["broken"]
    assert "partial run (status 'running')" in skipped["partial"]
    assert "samples_lead3_summary.jsonl is missing" in skipped["missing_samples"]
    assert "samples_lead1_summary.jsonl:31 is not valid JSON" in skipped["torn"]
    assert "no results.json" in skipped["empty_folder"]
    assert "without scoring signatures; rerun summeval run" in skipped["old_layout"]
    board = json.loads((results / "leaderboard.json").read_text())
    assert {r["run"] for r in board["runs"]} == {"first", "second", "other_profile", "other_data"}
    assert "summeval: skipped" in err and "broken" in err


def test_compare_errors(tmp_path, results, run_cli):
    code, _, err = run_cli("compare", tmp_path / "nowhere")
    assert code == 2 and "no such folder" in err
    (tmp_path / "none").mkdir()
    code, _, err = run_cli("compare", tmp_path / "none")
    assert code == 2 and "no complete run found" in err
    code, _, err = run_cli("compare", results, "--baseline", "first:nobody")
    assert code == 2 and "baseline 'first:nobody' is not a model" in err


def test_show_and_diff(results, run_cli):
    code, out, _ = run_cli("show", results / "first", "--article", "a2")
    assert code == 0
    assert out.startswith("Article a2 (run first)")
    assert "The river flooded several villages overnight in town 2." in out  # article start
    assert "References" in out and "lead1\n  summary: R-1 100.00" in out
    code, _, err = run_cli("show", results / "first", "--article", "zzz")
    assert code == 2 and "no article 'zzz'" in err and "ids look like: a0" in err
    code, out, err = run_cli(
        "diff", f"{results / 'first'}:lead1", f"{results / 'first'}:lead3", "--top", "3"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert "30 shared article(s)" in lines[0] and "mean B - A -" in lines[0]
    table = [line for line in lines if re.match(r"^a\d+ ", line)]
    deltas = [float(line.split()[-1]) for line in table]
    assert len(table) == 3 and deltas == sorted(deltas)  # the largest drops first
    code, out, _ = run_cli(
        "diff", f"{results / 'first'}:lead1", f"{results / 'other_profile'}:lead1"
    )
    assert code == 0 and "warning: the two were scored with different signatures" in out
    code, _, err = run_cli("diff", "nowhere:lead1", f"{results / 'first'}:lead1")
    assert code == 2 and "no such run folder" in err


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    msg = "no chromium (scripts/test.sh installs Debian's chromium package)"
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


def _dom(url: str) -> str:
    proc = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_html_report_escapes_everything_in_a_real_browser(tmp_path, run_cli):
    attack = (
        "<script>document.body.setAttribute('data-pwned','script')</script> Police arrested "
        "a man. <img src=x onerror=\"document.body.setAttribute('data-pwned','img')\"> Later."
    )
    rows = [
        {"id": "evil<1>", "article": attack, "summary": "A man was <b>arrested</b>."},
        {
            "id": "calm",
            "article": "Rain fell all day in the city. Roads closed.",
            "summary": "Rain",
        },
    ]
    data = tmp_path / "x.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    run_dir = _run(run_cli, tmp_path, "xss", data)
    report = run_dir / "report.html"
    assert report.exists()
    dom = _dom(report.resolve().as_uri())
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert 'data-ready="1"' in body  # the report's own script ran ...
    assert "data-pwned" not in body  # ... the ones inside the prediction did not
    assert "&lt;script&gt;document.body.setAttribute('data-pwned','script')&lt;/script&gt;" in dom
    assert "&lt;img src=x onerror=" in dom and '<img src="x"' not in dom
    assert "A man was &lt;b&gt;arrested&lt;/b&gt;." in dom
    # the rendered score table: a row per model with F1 and its interval
    table = re.search(r'<table id="scores">.*?</table>', dom, re.S).group(0)
    assert re.search(r"<td>lead1</td><td>[0-9.]+ \[[0-9.]+, [0-9.]+\]</td>", table)
    assert "<td>lead3</td>" in table
    # search from the URL: only the matching article stays visible
    dom = _dom(report.resolve().as_uri() + "#search=rain")
    assert re.search(r'<p id="count">1 of 2 article\(s\) shown</p>', dom)
    hidden = re.findall(r'<details class="article" data-id="([^"]+)" hidden', dom)
    assert hidden == ["evil&lt;1&gt;"]
    # a malformed %-escape in the URL does not stop the script: the raw text is searched
    dom = _dom(report.resolve().as_uri() + "#search=%E0%A4%A")
    assert 'data-ready="1"' in re.search(r"<body[^>]*>", dom).group(0)


def test_run_profile_flag_sets_the_scoring(run_cli, tmp_path):
    data = _dataset(tmp_path / "d.jsonl", 3)
    cfg = {
        "dataset": {"path": str(data)},
        "models": [{"name": "lead1", "backend": "lead", "lead_sentences": 1}],
        "output": {"dir": str(tmp_path / "out"), "run_name": "p", "report": False},
    }
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(cfg))
    code, out, err = run_cli("run", path, "--no-progress", "--profile", "hf")
    assert code == 0, err
    res = json.loads((tmp_path / "out" / "p" / "results.json").read_text())
    assert res["rouge_settings"]["profile"] == "hf"
    assert res["results"]["lead1"]["summary"]["signature"].startswith("rouge|profile:hf|")
    assert not (tmp_path / "out" / "p" / "report.html").exists()
    assert "Signature (summary): `rouge|profile:hf|" in out
