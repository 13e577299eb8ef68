"""The LLM judge: reading answers (hand cases), a served judge end to end (fake server with
known answers: ratings, unparseable answers, intervals, paired tests, zero calls on rerun),
and a local transformers judge recording first-token probabilities."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from summeval.judge import judge_prompt, judged_text
from summeval.metrics.judge import parse_rating, rating, weighted_rating
from summeval.tasks import TaskSpec

from .conftest import ROOT, read_xsum
from .fake_openai import MODEL, FakeOpenAI, answer_for, rating_dist


@pytest.mark.parametrize(
    ("text", "want"),
    [("4", 4.0), ("Coherence: 3", 3.0), ("4.5/5", 4.5), ("Rating: 5.", 5.0), ("- 2", 2.0),
     ("I cannot rate this", None), ("10", None), ("0", None), ("7 out of 10", None), ("", None)],
)  # fmt: skip
def test_parse_rating(text: str, want: float | None) -> None:
    assert parse_rating(text) == want


def test_weighted_rating_hand_cases() -> None:
    probs = {"1": 0.1, "2": 0.1, "3": 0.2, "4": 0.4, "5": 0.2}
    assert weighted_rating(probs) == pytest.approx(1 * 0.1 + 2 * 0.1 + 3 * 0.2 + 4 * 0.4 + 5 * 0.2)
    half = {"4": 0.3, "5": 0.3}  # 0.6 of the mass: renormalised over the choices
    assert weighted_rating(half) == pytest.approx(4.5)
    assert weighted_rating({"4": 0.2}) is None  # too little mass: read the text instead
    assert rating("Coherence: 2", {"4": 0.2}) == (2.0, "parsed")
    assert rating("junk", probs)[1] == "weighted"
    assert rating("junk", None) == (None, "none")


def test_prompts_are_package_files_and_put_the_rated_text_first() -> None:
    prompt = judge_prompt("headline", "faithfulness")
    assert "Faithfulness (1-5)" in prompt and "{article}" in prompt
    assert "headline" in prompt.split("\n")[0]
    filled = judged_text("headline", "Storm hits coast", "The storm hit the coast.")
    assert filled.index("Headline:") < filled.index("Article:")


def _config(tmp_path: Path, judge: dict) -> Path:
    rows = [{"id": r["id"], "article": r["article"], "summary": r["summary"]} for r in read_xsum(6)]
    rows[2]["article"] = "UNPARSEABLE. " + rows[2]["article"]  # lead copies it: no rating
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = {
        "dataset": {"path": str(data), "fields": {"headline": None}},
        "models": [{"name": "lead-1", "backend": "lead", "lead_sentences": 1},
                   {"name": "lead-3", "backend": "lead", "lead_sentences": 3}],
        "metrics": {"judge": judge},
        "output": {"dir": str(tmp_path / "results"), "run_name": "j"},
    }  # fmt: skip
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _run(tmp_path: Path, cfg: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "summeval", "run", str(cfg), "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "SUMMEVAL_GENERATION_CACHE": str(tmp_path / "gen")},
    )  # fmt: skip


@pytest.mark.parametrize("logprobs", [True, False])
def test_served_judge_end_to_end(tmp_path, logprobs: bool) -> None:
    with FakeOpenAI() as server:
        judge = {"model": {"name": "judge", "backend": "openai", "base_url": server.url,
                           "model": MODEL, "max_retries": 0}, "logprobs": logprobs}  # fmt: skip
        cfg = _config(tmp_path, judge)
        proc = _run(tmp_path, cfg)
        first = len(server.requests)
        again = _run(tmp_path, cfg)
        second = len(server.requests) - first
    assert proc.returncode == 0, proc.stderr
    assert again.returncode == 0 and second == 0, again.stderr  # rerun: no judge calls
    # 2 models x 6 summaries x 4 dimensions; the two leads write the same headlines, and a
    # text already rated is not rated again: 6 headlines x 2 dimensions once
    assert first == 2 * 6 * 4 + 6 * 2
    assert "judge coherence: 1 of 6 answer(s) unparseable" in proc.stderr
    doc = json.loads((tmp_path / "results" / "j" / "results.json").read_text())
    judged = doc["results"]["lead-3"]["summary"]["judge"]
    coherence = judged["dimensions"]["coherence"]
    assert coherence["n"] == 5 and coherence["unparseable"] == 1
    assert 1 <= coherence["mean_low"] <= coherence["mean"] <= coherence["mean_high"] <= 5
    assert judged["signature"].startswith("judge|model:") and "prompts:v1/" in judged["signature"]
    # headlines have no reference (n/a ROUGE) and are still judged
    assert doc["results"]["lead-3"]["headline"]["judge"]["dimensions"]["faithfulness"]["n"] == 5
    # the rating is what the server answered for that text
    samples = [
        json.loads(x)
        for x in (tmp_path / "results/j/samples_lead-3_summary.jsonl").read_text().splitlines()
    ]
    bodies = {
        a["id"]: a["article"]
        for a in map(json.loads, (tmp_path / "results/j/articles.jsonl").read_text().splitlines())
    }
    template = TaskSpec("summary", judge_prompt("summary", "coherence"), None)
    for s in samples:
        got = s["judge"]["coherence"]
        # the prompt the server saw decides its answer (fake_openai.answer_for / rating_dist)
        prompt = template.render(judged_text("summary", s["prediction"], bodies[s["id"]]))
        if "UNPARSEABLE" in s["prediction"]:
            assert got["rating"] is None and got["read"] == "none"
        elif logprobs:
            dist = rating_dist(prompt)
            assert got["read"] == "weighted" and got["answer"] == answer_for(prompt).split()[-1]
            assert got["rating"] == pytest.approx(sum(int(k) * p for k, p in dist.items()))
        else:
            assert got["read"] == "parsed" and got["answer"] == answer_for(prompt)
            assert got["rating"] == float(answer_for(prompt).split()[-1])
    tests = {t["system"]: t["measures"] for t in doc["significance"]["summary"]}
    assert {"judge_coherence", "judge_relevance", "rouge1"} <= set(tests["lead-3"])
    assert tests["lead-3"]["judge_coherence"]["n"] == 5  # pairs where both were rated
    table = (tmp_path / "results" / "j" / "table.md").read_text()
    assert "## LLM judge" in table and "| lead-3 | summary | coherence |" in table
    assert 'id="judge"' in (tmp_path / "results" / "j" / "report.html").read_text()


def test_local_judge_records_first_token_probabilities(tmp_path) -> None:
    model = {"name": "judge", "backend": "hf-causal", "model": "tiny-random:llama"}
    judge = {"model": {**model, "max_input_tokens": 512}, "summary": ["coherence"], "headline": []}
    proc = _run(tmp_path, _config(tmp_path, judge))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "results" / "j" / "results.json").read_text())
    d = doc["results"]["lead-1"]["summary"]["judge"]["dimensions"]["coherence"]
    assert d["n"] + d["unparseable"] == 6  # a random model: whatever it wrote is counted
    lines = [
        json.loads(x)
        for p in (tmp_path / "gen").glob("*.jsonl")
        for x in p.read_text().splitlines()
    ]
    probs = [r["choice_probs"] for r in lines if "choice_probs" in r]
    assert probs and all(set(p) <= {"1", "2", "3", "4", "5"} for p in probs)
    assert "judge" not in doc["results"]["lead-1"]["headline"]


def test_served_logprobs_are_read_from_chat_and_completions_choices() -> None:
    import math
    from types import SimpleNamespace as NS

    from summeval.models.served import choice_probs, first_token_logprobs

    top = [NS(token=t, logprob=math.log(p)) for t, p in [("4", 0.6), (" 4", 0.1), ("5", 0.2),
                                                          ("The", 0.1)]]  # fmt: skip
    chat = NS(logprobs=NS(content=[NS(top_logprobs=top)]))
    probs = choice_probs(first_token_logprobs(chat), ("1", "2", "3", "4", "5"))
    assert probs == pytest.approx({"1": 0, "2": 0, "3": 0, "4": 0.7, "5": 0.2})
    assert weighted_rating(probs) == pytest.approx((4 * 0.7 + 5 * 0.2) / 0.9)
    completion = NS(logprobs=NS(content=None, top_logprobs=[{"3": math.log(0.9)}]))
    assert choice_probs(first_token_logprobs(completion), ("3",)) == pytest.approx({"3": 0.9})
    assert first_token_logprobs(NS(logprobs=None)) is None
