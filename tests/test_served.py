"""Backend ``openai``: served and hosted models, against a fake server with scripted faults
and (one test) a real llama.cpp server serving SmolLM2."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from summeval.models.served import _is_loopback, key_warnings

from .conftest import ROOT
from .fake_openai import MODEL, FakeOpenAI, answer_for

SENTINEL = "sk-test-SENTINEL-7f3a9c1e5b"


def _articles(path: Path, n: int) -> Path:
    rows = [
        {
            "id": f"a{i:02d}",
            "article": f"Story {i} says the council voted to repair bridge number {i} next spring. "
            f"Residents welcomed the plan for bridge {i} on Monday.",
            "summary": f"The council voted to repair bridge {i}.",
            "headline": f"Council to repair bridge {i}",
        }
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _config(tmp_path: Path, urls: str | list[str], n: int = 6, **model: Any) -> Path:
    cfg = {
        "dataset": {"path": str(_articles(tmp_path / "data.jsonl", n))},
        "tasks": {"summary": {"generation": {"max_new_tokens": 40}}},
        "models": [
            {"name": "lead", "backend": "lead", "lead_sentences": 1},
            {
                "name": "served",
                "backend": "openai",
                "base_url": urls,
                "model": MODEL,
                "max_retries": 3,
                "timeout_s": 5,
                "max_concurrency": 4,
                **model,
            },
        ],
        "output": {"dir": str(tmp_path / "results"), "run_name": "r", "report": False},
    }
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _run(tmp_path: Path, cfg: Path, *extra: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "summeval", "run", str(cfg), "--no-progress", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "SUMMEVAL_GENERATION_CACHE": str(tmp_path / "gen"),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        },
    )


def _results(tmp_path: Path) -> dict[str, Any]:
    return json.loads((tmp_path / "results" / "r" / "results.json").read_text())


def _cache_records(tmp_path: Path) -> list[dict[str, Any]]:
    lines = [
        json.loads(line)
        for f in (tmp_path / "gen").glob("*.jsonl")
        for line in f.read_text().split("\n")
        if line
    ]
    return [r for r in lines if "key" in r]


def test_chat_end_to_end_rerun_sends_no_request(tmp_path):
    with FakeOpenAI() as server:
        cfg = _config(tmp_path, server.url)
        first = _run(tmp_path, cfg)
        assert first.returncode == 0, first.stderr
        assert len(server.requests) == 12  # 6 articles x 2 tasks
        assert server.max_in_flight <= 4
        res = _results(tmp_path)
        for task in ("summary", "headline"):
            r = res["results"]["served"][task]
            assert r["n_scored"] == 6 and r["rouge"]["rouge1"]["fmeasure"] > 0.2
        body = server.requests[0]["body"]
        assert body["model"] == MODEL and body["temperature"] == 0.0
        assert {m["role"] for m in body["messages"]} == {"user"}
        assert {r["body"]["max_tokens"] for r in server.requests} == {40, 32}
        stats = res["models"]["served"]["requests"]
        assert stats["requests"] == 12 and stats["retries"] == 0 and stats["failures"] == 0
        assert stats["prompt_tokens"] > 0 and stats["latency_p95_s"] >= stats["latency_p50_s"]
        sample = json.loads(
            (tmp_path / "results" / "r" / "samples_served_summary.jsonl").read_text().split("\n")[0]
        )
        assert sample["raw_output"] == answer_for(json.loads(sample["prompt"])[0]["content"])
        again = _run(tmp_path, cfg)
        assert again.returncode == 0, again.stderr
        assert len(server.requests) == 12  # nothing sent on the rerun
        assert "served: 12 article-task(s), 0 generated" in again.stderr
        assert "requests" not in _results(tmp_path)["models"]["served"]


def test_completions_api_and_cache_survives_a_move_to_another_server(tmp_path):
    with FakeOpenAI() as a:
        cfg = _config(tmp_path, a.url, api="completions", system_prompt="Be brief.")
        assert _run(tmp_path, cfg).returncode == 0
        assert all(r["path"] == "/v1/completions" for r in a.requests)
        assert a.requests[0]["body"]["prompt"].startswith("Be brief.\n\nArticle:\n")
    with FakeOpenAI() as b:  # same model, another URL: the cache still answers
        cfg = _config(tmp_path, b.url, api="completions", system_prompt="Be brief.")
        proc = _run(tmp_path, cfg)
        assert proc.returncode == 0, proc.stderr
        assert b.requests == []


def test_retryable_faults_are_retried_and_nothing_is_lost_or_duplicated(tmp_path):
    plan = ["429", "500", "malformed", "drop", "slow", "ok", "500"]
    with FakeOpenAI(plan=plan, retry_after=0.3, slow_s=3.0) as server:
        cfg = _config(tmp_path, server.url, n=5, timeout_s=1, max_concurrency=1, max_retries=6)
        started = time.monotonic()
        proc = _run(tmp_path, cfg)
        assert proc.returncode == 0, proc.stderr
        assert time.monotonic() - started >= 0.3  # Retry-After honoured
    stats = _results(tmp_path)["models"]["served"]["requests"]
    assert stats["retries"] == 6 and stats["failures"] == 0
    assert stats["requests"] == 10 + 6
    records = _cache_records(tmp_path)
    assert len(records) == 10 and len({r["key"] for r in records}) == 10  # none lost or twice


def test_slow_server_and_retries_are_said_on_stderr(tmp_path):
    """A run waiting on a slow server is not silent: one line when a request is retried, one
    when a request has waited over half of timeout_s (each rate-limited)."""
    with FakeOpenAI(plan=["500", "slow"], slow_s=1.6) as server:
        cfg = _config(tmp_path, server.url, n=1, timeout_s=2, max_concurrency=1)
        proc = _run(tmp_path, cfg)
    assert proc.returncode == 0, proc.stderr
    retry = [x for x in proc.stderr.splitlines() if "retrying article 'a00'" in x]
    assert len(retry) == 1 and "HTTP 500: internal trouble" in retry[0], proc.stderr
    slow = [x for x in proc.stderr.splitlines() if "waiting on the server" in x]
    assert len(slow) == 1 and "1 request(s) in flight" in slow[0] and "timeout_s 2" in slow[0]


def test_outputs_cut_by_max_tokens_are_flagged_from_finish_reason(tmp_path):
    with FakeOpenAI(plan=["length", "length"], default="ok") as server:
        cfg = _config(tmp_path, server.url, n=4, max_concurrency=1)
        proc = _run(tmp_path, cfg)
    assert proc.returncode == 0, proc.stderr
    res = _results(tmp_path)["results"]["served"]
    flags = {
        task: [
            json.loads(x)["hit_token_limit"]
            for x in (tmp_path / "results" / "r" / f"samples_served_{task}.jsonl")
            .read_text()
            .splitlines()
        ]
        for task in ("summary", "headline")
    }
    assert flags["summary"] == [True, True, False, False] and not any(flags["headline"])
    assert res["summary"]["n_hit_token_limit"] == 2
    assert res["summary"]["data_stats"]["hit_token_limit"] == 0.5
    assert "served/summary: 2 of 4 outputs (50%) stopped at the token budget" in proc.stderr
    assert "served/headline" not in proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("fault", ["wrong model id", "server down"])
def test_a_rerun_that_cannot_reach_its_model_leaves_the_old_run_folder_as_it_was(tmp_path, fault):
    """Everything that can fail on a served model is checked before the folder is touched:
    GET /v1/models on the servers, and the model id among them."""
    with FakeOpenAI() as server:
        cfg = _config(tmp_path, server.url, n=3)
        data = yaml.safe_load(cfg.read_text())
        data["output"]["report"] = True
        cfg.write_text(yaml.safe_dump(data))
        assert _run(tmp_path, cfg).returncode == 0
        before = _folder_bytes(tmp_path / "results" / "r")
        assert "report.html" in before
        data["models"][1]["cache_namespace"] = "v2"  # new keys: generations are needed
        if fault == "wrong model id":
            data["models"][1]["model"] = "fake-modle"
        else:
            data["models"][1]["base_url"] = f"http://127.0.0.1:{_free_port()}/v1"
        cfg.write_text(yaml.safe_dump(data))
        proc = _run(tmp_path, cfg)
    code, words = (2, "does not serve 'fake-modle'") if fault == "wrong model id" else (
        3, "no server can be reached")  # fmt: skip
    assert proc.returncode == code, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr
    assert "it serves: fake-model" in proc.stderr or fault == "server down"
    assert _folder_bytes(tmp_path / "results" / "r") == before  # not one byte changed


def test_a_served_judge_that_cannot_be_reached_stops_before_the_folder(tmp_path):
    with FakeOpenAI() as server:
        cfg = _config(tmp_path, server.url, n=2)
        data = yaml.safe_load(cfg.read_text())
        data["metrics"] = {"judge": {"model": {
            "name": "judge", "backend": "openai", "model": MODEL, "max_retries": 0,
            "base_url": f"http://127.0.0.1:{_free_port()}/v1"}}}  # fmt: skip
        cfg.write_text(yaml.safe_dump(data))
        proc = _run(tmp_path, cfg)
        assert server.requests == []  # nothing generated for a run that cannot be judged
    assert proc.returncode == 3, proc.stderr
    assert (
        "metrics.judge.model.base_url" in proc.stderr and "no server can be reached" in proc.stderr
    )
    assert not (tmp_path / "results").exists()


def test_a_dead_server_in_the_list_is_set_aside_and_the_live_one_serves(tmp_path):
    dead = f"http://127.0.0.1:{_free_port()}/v1"
    with FakeOpenAI() as live:
        cfg = _config(tmp_path, [dead, live.url], n=4, max_input_tokens=64)
        proc = _run(tmp_path, cfg)
    assert proc.returncode == 0, proc.stderr
    assert f"{dead} set aside: cannot reach it" in proc.stderr
    assert len(live.requests) == 8 and live.tokenize_calls > 0  # /tokenize on the live one
    assert _results(tmp_path)["results"]["served"]["headline"]["n_scored"] == 4


def test_a_server_that_dies_mid_run_is_set_aside_and_the_run_carries_on(tmp_path):
    """Two servers; the first stops listening after two answers (in the summary task): its
    requests and the headline task's /tokenize calls go to the second, nothing is lost."""
    with FakeOpenAI(die_after=2) as first, FakeOpenAI() as second:
        cfg = _config(tmp_path, [first.url, second.url], n=6, max_input_tokens=64,
                      max_concurrency=1)  # fmt: skip
        proc = _run(tmp_path, cfg)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert first.answered == 2 and len(second.requests) == 12 - 2
    assert "internal error" not in proc.stderr
    records = _cache_records(tmp_path)
    assert len(records) == 12 and len({r["key"] for r in records}) == 12


def test_tokenize_loading_is_retried_not_a_silent_switch_to_characters(tmp_path):
    """A restarting llama.cpp answers /tokenize with 503 "Loading model" for a while: the
    counts wait for it (same prompts as an uninterrupted run), never fall back silently."""
    with FakeOpenAI() as server:
        cfg = _config(tmp_path, server.url, n=4, max_input_tokens=12)
        assert _run(tmp_path, cfg).returncode == 0
        steady = {r["key"]: r["prompt"] for r in _cache_records(tmp_path)}
    (tmp_path / "gen").rename(tmp_path / "gen-steady")
    with FakeOpenAI(tokenize_plan=["503", "503", "503"]) as server:
        cfg = _config(tmp_path, server.url, n=4, max_input_tokens=12)
        proc = _run(tmp_path, cfg)
    assert proc.returncode == 0, proc.stderr
    assert "retrying /tokenize (HTTP 503: Loading model)" in proc.stderr
    assert {r["key"]: r["prompt"] for r in _cache_records(tmp_path)} == steady
    assert _results(tmp_path)["models"]["served"]["truncation"] == "server"


def test_a_server_without_tokenize_is_said_recorded_and_keyed(tmp_path):
    """Cutting at 4 characters a token sends other prompts than cutting by the server's
    count: the run says so, records it, and keys the cache by it."""
    runs = {}
    for name, fake in (("counted", FakeOpenAI()), ("chars", FakeOpenAI(tokenize=False))):
        folder = tmp_path / name
        folder.mkdir()
        with fake as server:
            proc = _run(folder, _config(folder, server.url, n=2, max_input_tokens=12))
            assert proc.returncode == 0, proc.stderr
            assert len(server.requests) == 4
        runs[name] = (proc.stderr, _results(folder), _cache_records(folder))
    stderr, res, records = runs["chars"]
    assert "the server has no /tokenize: articles are cut to max_input_tokens at 4" in stderr
    assert res["models"]["served"]["truncation"] == "chars:4"
    assert runs["counted"][1]["models"]["served"]["truncation"] == "server"
    assert "no /tokenize" not in runs["counted"][0]
    counted = {r["key"]: r["prompt"] for r in runs["counted"][2]}
    chars = {r["key"]: r["prompt"] for r in records}
    assert not set(counted) & set(chars) and set(counted.values()) != set(chars.values())


def test_client_error_fails_at_once_with_one_line(tmp_path):
    with FakeOpenAI(default="400") as server:
        proc = _run(tmp_path, _config(tmp_path, server.url))
        assert proc.returncode == 2
        lines = [x for x in proc.stderr.splitlines() if x.startswith("summeval: error")]
        assert len(lines) == 1, proc.stderr
        assert "HTTP 400: max_tokens is too large" in lines[0]
        assert "models.served" in lines[0] and "max_input_tokens" in lines[0]
        assert len(server.requests) <= 4  # one per concurrent slot, no retries
        assert "Traceback" not in proc.stderr


def test_exhausted_retries_stop_cleanly_with_exit_3_and_resume(tmp_path):
    plan = ["ok"] * 3  # three generations arrive, then the server breaks for good
    with FakeOpenAI(plan=plan, default="500") as server:
        cfg = _config(tmp_path, server.url, max_concurrency=1, max_retries=2)
        proc = _run(tmp_path, cfg)
        assert proc.returncode == 3, proc.stderr
        assert "failed 3 time(s); last: HTTP 500: internal trouble" in proc.stderr
        assert "resume with: python -m summeval run" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert len(_cache_records(tmp_path)) == 3  # what arrived is kept
        assert _results(tmp_path)["status"] == "interrupted"
        server.default = "ok"
        resumed = _run(tmp_path, cfg)
        assert resumed.returncode == 0, resumed.stderr
        assert "served: 12 article-task(s), 9 generated" in resumed.stderr


def test_a_failing_server_is_set_aside_and_the_other_carries_on(tmp_path):
    with FakeOpenAI(default="500") as bad, FakeOpenAI() as good:
        cfg = _config(tmp_path, [bad.url, good.url], n=10, max_retries=4)
        proc = _run(tmp_path, cfg)
        assert proc.returncode == 0, proc.stderr
        assert len(good.requests) == 20
        assert len(bad.requests) <= 8  # set aside after 3 failures in a row (x concurrency)


def test_requests_spread_over_servers(tmp_path):
    with FakeOpenAI(delay_s=0.2) as a, FakeOpenAI(delay_s=0.2) as b:
        proc = _run(tmp_path, _config(tmp_path, [a.url, b.url], n=8))
        assert proc.returncode == 0, proc.stderr
        assert len(a.requests) + len(b.requests) == 16
        assert len(a.requests) >= 4 and len(b.requests) >= 4


def test_truncation_by_server_tokenizer_and_by_characters(tmp_path):
    with FakeOpenAI() as server:
        cfg = _config(tmp_path, server.url, n=2, max_input_tokens=20)
        assert _run(tmp_path, cfg).returncode == 0
        samples = [
            json.loads(x)
            for x in (tmp_path / "results" / "r" / "samples_served_summary.jsonl")
            .read_text()
            .split("\n")
            if x
        ]
        assert all(s["truncated"] and s["article_tokens"] == 22 for s in samples)
        content = json.loads(samples[0]["prompt"])[0]["content"]
        assert content.startswith("Article:\nw0 w1") and "bridge" not in content
    with FakeOpenAI(tokenize=False) as server:  # no /tokenize: a character budget
        cfg = _config(tmp_path, server.url, n=2, max_input_tokens=30, cache_namespace="chars")
        assert _run(tmp_path, cfg).returncode == 0
        s = json.loads(
            (tmp_path / "results" / "r" / "samples_served_summary.jsonl").read_text().split("\n")[0]
        )
        content = json.loads(s["prompt"])[0]["content"]
        assert s["truncated"] and "Residents" not in content and "Story 0 says" in content


def test_api_key_never_written_and_sent_only_as_header(tmp_path):
    with FakeOpenAI(plan=["400"]) as server:
        cfg = _config(tmp_path, server.url, api_key_env="MY_SERVER_KEY")
        env = {"MY_SERVER_KEY": SENTINEL}
        failed = _run(tmp_path, cfg, env=env)  # an error path too
        assert failed.returncode == 2
        server.default = "ok"
        ok = _run(tmp_path, cfg, env=env)
        assert ok.returncode == 0, ok.stderr
        headers = {k.lower(): v for k, v in server.requests[-1]["headers"].items()}
        assert headers["authorization"] == f"Bearer {SENTINEL}"
    outputs = [failed.stdout, failed.stderr, ok.stdout, ok.stderr]
    assert not any(SENTINEL in text for text in outputs)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) > 5
    for path in written:
        assert SENTINEL.encode() not in path.read_bytes(), path
    assert "MY_SERVER_KEY" in (tmp_path / "results" / "r" / "config.yaml").read_text()


def test_plain_http_key_warning_only_for_remote_hosts():
    assert _is_loopback("http://127.0.0.1:8000/v1") and _is_loopback("http://localhost/v1")
    assert _is_loopback("http://[::1]:8000/v1") and not _is_loopback("http://10.1.2.3/v1")
    urls = ["http://127.0.0.1:8000/v1", "http://gpu-box.lan:8000/v1", "https://api.x.com/v1"]
    warned = key_warnings(urls, "KEY_ENV")
    assert len(warned) == 1 and "gpu-box.lan" in warned[0] and "$KEY_ENV" in warned[0]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({"base_url": "127.0.0.1:8000"}, "is not an http(s) URL"),
        ({"api_key_env": "sk-abc123"}, "the NAME of an environment variable"),
        ({"api": "responses"}, "models[1].api"),
        ({"max_concurrency": 0}, "models[1].max_concurrency"),
        ({"base_url": None}, "models.served.base_url: no server given"),
        ({"generation": {"summary": {"num_beams": 4}}}, "num_beams cannot be sent"),
    ],
)
def test_validate_checks_the_new_keys(tmp_path, run_cli, model, message):
    cfg = _config(tmp_path, "http://127.0.0.1:9/v1", **model)
    code, _, err = run_cli("validate", cfg)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_real_llama_cpp_server_end_to_end(tmp_path):
    """configs/served.yaml against llama.cpp (xllamacpp) serving the packaged SmolLM2 with one
    slot: both tasks scored, a rerun sends nothing, and two uncached runs write the same."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "scripts/serve_local.py", "--port", str(port), "--parallel", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert server.poll() is None, server.stdout.read()
            time.sleep(0.2)
        url = f"models.smollm2-served.base_url=http://127.0.0.1:{port}/v1"
        runs = []
        for k, extra in enumerate([[], [], ["--no-cache"], ["--no-cache"]]):
            out = tmp_path / f"out{k}"
            proc = subprocess.run(
                [sys.executable, "-m", "summeval", "run", "configs/served.yaml", "--set", url,
                 "--output-dir", str(out), "--no-progress", *extra],
                cwd=ROOT, capture_output=True, text=True, timeout=300,
                env={**os.environ, "SUMMEVAL_GENERATION_CACHE": str(tmp_path / "gen")},
            )  # fmt: skip
            assert proc.returncode == 0, proc.stderr
            runs.append((proc, out / "served"))
        res = json.loads((runs[0][1] / "results.json").read_text())
        for task in ("summary", "headline"):
            assert res["results"]["smollm2-served"][task]["n_scored"] == 1
        assert "smollm2-served: 2 article-task(s), 0 generated" in runs[1][0].stderr
        texts = [
            [
                json.loads(x)["raw_output"]
                for task in ("summary", "headline")
                for x in (out / f"samples_smollm2-served_{task}.jsonl").read_text().split("\n")
                if x
            ]
            for _, out in runs[2:]
        ]
        assert texts[0] == texts[1] and all(t.strip() for t in texts[0])
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_kill_9_loses_only_requests_in_flight(tmp_path):
    with FakeOpenAI(delay_s=0.15) as server:
        cfg = _config(tmp_path, server.url, n=20, max_concurrency=2)
        proc = subprocess.Popen(
            [sys.executable, "-m", "summeval", "run", str(cfg), "--no-progress"],
            cwd=ROOT,
            env={**os.environ, "SUMMEVAL_GENERATION_CACHE": str(tmp_path / "gen")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(_cache_records(tmp_path)) < 6:
            time.sleep(0.02)
        proc.kill()
        proc.wait(timeout=30)
        kept = len(_cache_records(tmp_path))
        sent_before = len(server.requests)
        assert 6 <= kept < 40 and sent_before - kept <= 2  # at most the 2 in flight lost
        resumed = _run(tmp_path, cfg)
        assert resumed.returncode == 0, resumed.stderr
        assert len(server.requests) - sent_before == 40 - kept  # only what was missing
        records = _cache_records(tmp_path)
        assert len(records) == 40 and len({r["key"] for r in records}) == 40
