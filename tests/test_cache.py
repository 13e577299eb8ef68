"""The generation cache: keys, reuse without loading, resume after a kill, Ctrl-C, OOM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from summeval.cache import GenerationCache, model_fingerprint, sample_key
from summeval.config import ModelConfig, TaskConfig, TasksConfig
from summeval.data.article import Article
from summeval.generate import generate_task, run_batches
from summeval.models import create_backend
from summeval.models.base import Generation
from summeval.tasks import task_spec

from .conftest import REAL_HOME, ROOT

ARTICLE = Article("a", "The council approved the budget on Monday. Taxes will rise.")


def _key(model_kw=None, task_kw=None, text=ARTICLE.text, task="summary", max_input=None):
    cfg = ModelConfig(
        **{"name": "m", "backend": "hf-causal", "model": "tiny-random:llama", **(model_kw or {})}
    )
    tasks = TasksConfig()
    for k, v in (task_kw or {}).items():
        setattr(tasks.get(task).generation, k, v)
    backend = create_backend(cfg, tasks, seed=1)
    spec = task_spec(task, tasks.get(task), cfg)
    fp = model_fingerprint(backend.identity())
    art = Article("a", text)
    return sample_key(
        fp, task, backend.request_text(spec, art), backend.requested_settings(task), max_input
    )


def test_key_changes_with_what_decides_the_output():
    base = _key()
    assert _key() == base  # stable
    assert _key(text=ARTICLE.text + " More.") != base  # prompt text
    assert _key(model_kw={"model": "tiny-random:t5"}) != base  # model
    assert _key(model_kw={"dtype": "bfloat16"}) != base  # dtype
    assert _key(model_kw={"revision": "abc123"}) != base  # revision
    assert _key(model_kw={"tokenizer": "tiny-random:t5"}) != base  # tokenizer
    assert _key(task_kw={"num_beams": 2}) != base  # generation settings
    assert _key(model_kw={"generation": {"summary": {"max_new_tokens": 9}}}) != base
    assert _key(max_input=100) != base  # max input length
    assert _key(model_kw={"system_prompt": "Be brief."}) != base
    assert _key(task="headline") != base


def test_key_ignores_what_does_not_change_the_output():
    base = _key()
    assert _key(model_kw={"batch_size": 16}) == base
    assert _key(model_kw={"name": "renamed"}) == base
    assert _key(model_kw={"device": "cpu"}) == base
    assert _key(task_kw={}, model_kw={"generation": {"headline": {"max_new_tokens": 3}}}) == base


def test_truncated_last_line_is_tolerated(tmp_path):
    cache = GenerationCache(tmp_path, "fp")
    cache.append([{"key": "k1", "text": "one"}, {"key": "k2", "text": "two"}])
    with cache.path.open("ab") as f:
        f.write(b'{"key": "k3", "te')  # a kill in mid-write
    assert set(cache.load()) == {"k1", "k2"}
    cache.append([{"key": "k3", "text": "three"}])
    assert cache.load()["k3"]["text"] == "three"
    lines = cache.path.read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(x) for x in lines)


def test_disabled_cache_reads_and_writes_nothing(tmp_path):
    cache = GenerationCache(tmp_path, "fp", enabled=False)
    cache.append([{"key": "k", "text": "x"}])
    assert not cache.path.exists() and cache.load() == {}


class _FlakyBackend:
    """A backend that runs out of memory above a batch size, to test the back-off."""

    cacheable = True
    loaded = True

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.calls: list[list[str]] = []
        self.info = type("I", (), {"device": "cuda", "details": {}})()

    def load(self) -> None: ...
    def free_memory(self) -> None: ...
    def identity(self):
        return {"fake": 1}

    def request_text(self, spec, article):
        return article.text

    def requested_settings(self, task):
        return {}

    def generation_settings(self, task):
        return {"max_new_tokens": 1}

    def prepare(self, spec, articles):
        from summeval.models.base import Prepared

        return [Prepared(a, a.text, len(a.text)) for a in articles]

    def generate(self, spec, batch):
        self.calls.append([p.article.id for p in batch])
        if len(batch) > self.limit:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return [Generation(text=p.article.id.upper(), prompt=p.prompt, new_tokens=1) for p in batch]


def test_out_of_memory_backs_off_and_skips_nothing(tmp_path):
    arts = [Article(f"a{i}", "x" * (i + 1)) for i in range(10)]
    backend = _FlakyBackend(limit=3)
    spec = task_spec("summary", TaskConfig(), ModelConfig(name="f", backend="lead"))
    run = generate_task(
        backend,
        spec,
        arts,
        model_name="f",
        batch_size=8,
        cache=GenerationCache(tmp_path, "fp"),
        show_progress=False,
    )
    assert [s.id for s in run.samples] == [a.id for a in arts]  # article order
    assert [s.raw_output for s in run.samples] == [a.id.upper() for a in arts]
    assert backend.calls[0] == [f"a{i}" for i in range(9, 1, -1)]  # longest first, batch 8
    assert max(run.batch_sizes) <= 3 and sum(run.batch_sizes) == 10
    assert run.generated == 10


def test_out_of_memory_at_batch_one_is_an_error():
    from summeval.errors import ModelError

    backend = _FlakyBackend(limit=0)
    spec = task_spec("summary", TaskConfig(), ModelConfig(name="f", backend="lead"))
    prepared = backend.prepare(spec, [ARTICLE])
    with pytest.raises(ModelError, match="out of memory at batch size 1"):
        run_batches(backend, spec, prepared, 4, lambda b, g: None)


# ---- through the CLI


def _articles(path: Path, n: int) -> Path:
    words = [
        "council",
        "budget",
        "storm",
        "coast",
        "power",
        "city",
        "mayor",
        "plan",
        "vote",
        "river",
        "bridge",
        "school",
    ]
    rows = []
    for i in range(n):
        body = " ".join(words[(i + j) % len(words)] for j in range(8 + i % 7)).capitalize() + "."
        rows.append(
            {"id": f"n{i:03d}", "article": body, "summary": "Council plan.", "headline": "Plan"}
        )
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def _config(tmp_path: Path, n: int = 6, batch_size: int = 2, new_tokens: int = 6, **model) -> Path:
    cfg = {
        "dataset": {"path": str(_articles(tmp_path / "d.jsonl", n))},
        "tasks": {
            "summary": {"generation": {"max_new_tokens": new_tokens}},
            "headline": {"generation": {"max_new_tokens": 4}},
        },
        "models": [
            {"name": "lead", "backend": "lead"},
            {
                "name": "tl",
                "backend": "hf-causal",
                "model": "tiny-random:llama",
                "batch_size": batch_size,
                **model,
            },
            {
                "name": "t5",
                "backend": "hf-seq2seq",
                "model": "tiny-random:t5",
                "batch_size": batch_size,
            },
        ],
        "output": {"dir": str(tmp_path / "results"), "run_name": "r", "report": False},
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SUMMEVAL_GENERATION_CACHE": str(tmp_path / "gen"),
        "PYTHONUNBUFFERED": "1",
    }


def _cli(tmp_path: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "summeval", *args, "--no-progress"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _results(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "results" / "r" / "results.json").read_text())


def test_rerun_makes_no_model_calls_and_loads_nothing(tmp_path):
    cfg = _config(tmp_path)
    first = _cli(tmp_path, "run", str(cfg))
    assert first.returncode == 0, first.stderr
    r1 = _results(tmp_path)
    assert r1["models"]["tl"]["loaded_this_run"] is True
    assert r1["models"]["tl"]["load_seconds"] >= 0
    assert r1["results"]["tl"]["summary"]["generated"] == 6
    samples1 = (tmp_path / "results" / "r" / "samples_tl_summary.jsonl").read_text()

    second = _cli(tmp_path, "run", str(cfg))
    assert second.returncode == 0, second.stderr
    r2 = _results(tmp_path)
    for model in ("tl", "t5"):
        assert r2["models"][model]["loaded_this_run"] is False  # the model was never loaded
        assert "load_seconds" not in r2["models"][model]
        for task in ("summary", "headline"):
            assert r2["results"][model][task]["generated"] == 0
            assert r2["results"][model][task]["cache_hits"] == 6
    assert r2["models"]["tl"]["generation"] == r1["models"]["tl"]["generation"]
    assert r2["models"]["tl"]["parameters"] == r1["models"]["tl"]["parameters"]
    same = [json.loads(x) for x in samples1.splitlines()]
    again = [
        json.loads(x)
        for x in (tmp_path / "results" / "r" / "samples_tl_summary.jsonl").read_text().splitlines()
    ]
    assert [s["raw_output"] for s in again] == [s["raw_output"] for s in same]
    assert "cache hits 12/12" in second.stderr


def test_metric_change_costs_no_generation_and_one_model_change_regenerates_only_it(tmp_path):
    cfg = _config(tmp_path)
    assert _cli(tmp_path, "run", str(cfg)).returncode == 0
    proc = _cli(
        tmp_path,
        "run",
        str(cfg),
        "--set",
        "metrics.rouge.stem=false",
        "--set",
        "metrics.rouge.types=[rouge1]",
    )
    assert proc.returncode == 0, proc.stderr
    r = _results(tmp_path)
    assert all(
        r["results"][m][t]["generated"] == 0 for m in ("tl", "t5") for t in ("summary", "headline")
    )
    proc = _cli(
        tmp_path, "run", str(cfg), "--set", "models.tl.generation={summary: {num_beams: 2}}"
    )
    assert proc.returncode == 0, proc.stderr
    r = _results(tmp_path)
    assert r["results"]["tl"]["summary"]["generated"] == 6
    assert r["results"]["tl"]["headline"]["generated"] == 0
    assert r["results"]["t5"]["summary"]["generated"] == 0


def test_no_cache_flag_and_cache_commands(tmp_path):
    cfg = _config(tmp_path, n=2)
    assert _cli(tmp_path, "run", str(cfg), "--no-cache").returncode == 0
    assert not (tmp_path / "gen").exists() or not list((tmp_path / "gen").glob("*.jsonl"))
    assert _cli(tmp_path, "run", str(cfg)).returncode == 0
    info = subprocess.run(
        [sys.executable, "-m", "summeval", "cache", "info"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert info.returncode == 0 and "tl" in info.stdout and "t5" in info.stdout
    assert "4 generation(s)" in info.stdout
    clear = subprocess.run(
        [sys.executable, "-m", "summeval", "cache", "clear"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert clear.returncode == 0 and "removed" in clear.stdout
    left = [p.name for p in (tmp_path / "gen").iterdir()]
    assert left and all(n.endswith(".jsonl.lock") for n in left)  # all but the locks, which stay


def _cache_lines(tmp_path: Path) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in (tmp_path / "gen").glob("*.jsonl"))


def _ignore_sigint() -> None:
    """What a shell does for a background job (and some CI runners for every child)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_and_stop_midway(
    tmp_path: Path, cfg: Path, sig: int, after_lines: int
) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "summeval", "run", str(cfg), "--no-progress"],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ignore_sigint,  # summeval run must restore Ctrl-C handling itself
    )
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if (tmp_path / "gen").exists() and _cache_lines(tmp_path) >= after_lines:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(sig)
    proc.wait(timeout=60)
    return proc


def test_resume_after_sigkill_loses_and_duplicates_nothing(tmp_path):
    n = 40
    cfg = _config(tmp_path, n=n, batch_size=1, new_tokens=24)
    proc = _start_and_stop_midway(tmp_path, cfg, signal.SIGKILL, after_lines=5)
    assert proc.returncode == -signal.SIGKILL
    done = _cache_lines(tmp_path)
    assert 5 <= done < 4 * n
    rerun = _cli(tmp_path, "run", str(cfg))
    assert rerun.returncode == 0, rerun.stderr
    r = _results(tmp_path)
    generated = sum(
        r["results"][m][t]["generated"] for m in ("tl", "t5") for t in ("summary", "headline")
    )
    hits = sum(
        r["results"][m][t]["cache_hits"] for m in ("tl", "t5") for t in ("summary", "headline")
    )
    assert (
        hits >= done - 1 and hits + generated == 4 * n
    )  # nothing regenerated but the batch in flight
    for model in ("tl", "t5"):
        ids = [
            json.loads(x)["id"]
            for x in (tmp_path / "results" / "r" / f"samples_{model}_summary.jsonl")
            .read_text()
            .splitlines()
        ]
        assert ids == [f"n{i:03d}" for i in range(n)]  # none lost, none duplicated, in order
    # the resumed outputs equal an uninterrupted run's
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    ref = subprocess.run(
        [
            sys.executable,
            "-m",
            "summeval",
            "run",
            str(cfg),
            "--no-progress",
            "--no-cache",
            "--output-dir",
            str(fresh),
        ],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ref.returncode == 0, ref.stderr
    for name in ("samples_tl_summary.jsonl", "samples_t5_headline.jsonl"):
        a = [
            json.loads(x)["raw_output"]
            for x in (tmp_path / "results" / "r" / name).read_text().splitlines()
        ]
        b = [json.loads(x)["raw_output"] for x in (fresh / "r" / name).read_text().splitlines()]
        assert a == b


def test_ctrl_c_exits_130_and_says_how_to_resume(tmp_path):
    cfg = _config(tmp_path, n=40, batch_size=1, new_tokens=24)
    proc = _start_and_stop_midway(tmp_path, cfg, signal.SIGINT, after_lines=3)
    err = proc.stderr.read()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Resume with: python -m summeval run" in err
    assert "Traceback" not in err
    assert _results(tmp_path)["status"] == "interrupted"
    rerun = _cli(tmp_path, "run", str(cfg))
    assert rerun.returncode == 0
    assert _results(tmp_path)["status"] == "complete"


def test_check_determinism_through_the_cli(tmp_path):
    cfg = _config(tmp_path, n=5, batch_size=4)
    proc = _cli(tmp_path, "run", str(cfg), "--check-determinism", "3")
    assert proc.returncode == 0, proc.stderr
    r = _results(tmp_path)
    det = r["results"]["tl"]["summary"]["determinism"]
    assert det == {"checked": 3, "diverged": []}  # fp32 CPU: batched equals batch size 1


class _BatchSensitiveBackend(_FlakyBackend):
    """Writes something different when an article shares its batch: a divergence to catch."""

    def generate(self, spec, batch):
        return [
            Generation(text=f"{p.article.id}-{len(batch)}", prompt=p.prompt, new_tokens=1)
            for p in batch
        ]


def test_check_determinism_reports_divergence(tmp_path):
    arts = [Article(f"a{i}", "x" * (i + 1)) for i in range(4)]
    spec = task_spec("summary", TaskConfig(), ModelConfig(name="f", backend="lead"))
    run = generate_task(
        _BatchSensitiveBackend(limit=99),
        spec,
        arts,
        model_name="f",
        batch_size=4,
        cache=None,
        check_determinism=2,
        show_progress=False,
    )
    assert run.determinism == {"checked": 2, "diverged": ["a0", "a1"]}


def test_the_suite_keeps_out_of_the_users_caches():
    """conftest points every cache away from the user's home (~/.cache/summeval, HF, ...)."""
    from summeval.cache import cache_root, generations_folder

    real_cache = REAL_HOME / ".cache"
    for folder in (cache_root(), generations_folder(), Path.home()):
        assert folder != REAL_HOME and real_cache not in (folder, *folder.parents), folder
