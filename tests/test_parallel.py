"""Data-parallel generation: shards, and torchrun on CPU (gloo) against one process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from summeval.parallel import Tally, ranks_from_env, shards

from .conftest import ROOT

TINY = ROOT / "configs" / "tiny.yaml"


def test_shards_are_disjoint_complete_and_balanced() -> None:
    sizes = [50, 10, 40, 30, 30, 20, 5, 5]
    parts = shards(sizes, 3)
    flat = sorted(i for p in parts for i in p)
    assert flat == list(range(len(sizes)))
    totals = [sum(sizes[i] for i in p) for p in parts]
    assert totals == [65, 65, 60]  # longest first, each to the lightest shard
    assert shards([], 2) == [[], []] and shards([3], 2) == [[0], []]
    assert shards(sizes, 3) == parts  # the same on every rank


def test_ranks_from_env() -> None:
    assert ranks_from_env({}) is None and ranks_from_env({"WORLD_SIZE": "1"}) is None
    r = ranks_from_env({"WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1"})
    assert r is not None and (r.rank, r.world, r.local_rank) == (3, 4, 1)
    t = Tally()
    t.add("m", [2, 1])
    t.add("m", [1, 1])
    assert t.lines() == ["m: 2 ranks generated 5 (3 + 2)"]


def _run(args: list[str], cache: Path, out: Path, **popen) -> subprocess.Popen:
    env = {**os.environ, "SUMMEVAL_GENERATION_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
    cmd = [*args, "-m", "summeval", "run", str(TINY), "--no-progress", "--run-name", "tiny",
           "--set", f"output.dir={out}", "--set", "dataset.path=data/xsum/xsum_test500.jsonl",
           "--set", "dataset.limit=10"]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env=env, text=True, **popen)


TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    out, err = proc.communicate(timeout=1200)
    return proc.returncode, (out or "") + (err or "")


def _cache_lines(cache: Path) -> Counter:
    keys: Counter = Counter()
    for path in cache.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            keys[json.loads(line)["key"]] += 1
    return keys


def _same_run(a: Path, b: Path, resumed: bool = False) -> None:
    """Byte-identical samples and tables; after a resume, samples the first try generated
    are ``cached`` (as in a resumed single-process run), all else is byte-identical."""
    names = sorted(p.name for p in a.glob("samples_*.jsonl"))
    assert names and names == sorted(p.name for p in b.glob("samples_*.jsonl"))
    for name in ["table.md", "table.csv", *([] if resumed else names)]:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for name in names if resumed else []:
        rows = [[{**json.loads(x), "cached": None} for x in (d / name).read_text().splitlines()]
                for d in (a, b)]  # fmt: skip
        assert rows[0] == rows[1], name


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> tuple[Path, Counter]:
    base = tmp_path_factory.mktemp("single")
    code, out = _finish(
        _run(
            [sys.executable],
            base / "cache",
            base / "results",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    )
    assert code == 0, out[-3000:]
    return base / "results" / "tiny", _cache_lines(base / "cache")


@pytest.mark.slow
def test_torchrun_two_ranks_equals_one_process(tmp_path, single) -> None:
    code, out = _finish(
        _run(
            TORCHRUN,
            tmp_path / "cache",
            tmp_path / "results",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    )
    assert code == 0, out[-3000:]
    _same_run(single[0], tmp_path / "results" / "tiny")
    keys = _cache_lines(tmp_path / "cache")
    assert set(keys) == set(single[1]) and set(keys.values()) == {1}  # each exactly once
    assert not list((tmp_path / "cache").glob("*.part-*"))
    assert "tiny-t5: 2 ranks generated 20 (" in out and "tiny-llama: 2 ranks generated 20" in out
    assert out.count("summeval: results written to") == 1  # rank 0 alone writes and says so


@pytest.mark.slow
def test_a_killed_rank_stops_the_run_and_a_rerun_resumes(tmp_path, single) -> None:
    cache, results = tmp_path / "cache", tmp_path / "results"
    proc = _run(TORCHRUN, cache, results, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    killed = None
    deadline = time.monotonic() + 600
    while killed is None and proc.poll() is None and time.monotonic() < deadline:
        for part in cache.glob("*.part-*.jsonl"):  # <fp>.part-<host>-<pid>.jsonl
            if part.stat().st_size:
                killed = int(part.name.split(".part-")[1].removesuffix(".jsonl").rsplit("-")[-1])
                os.kill(killed, signal.SIGKILL)
                break
        time.sleep(0.01)
    code, out = _finish(proc)
    assert killed is not None, "no rank wrote a generation before the run ended: " + out[-2000:]
    assert code != 0, out[-3000:]
    assert not (results / "tiny" / "results.json").exists()
    kept = _cache_lines(cache)
    assert kept  # what the killed rank finished is kept
    code, out = _finish(
        _run(TORCHRUN, cache, results, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    )
    assert code == 0, out[-3000:]
    _same_run(single[0], results / "tiny", resumed=True)
    keys = _cache_lines(cache)
    assert set(keys) == set(single[1]) and set(keys.values()) == {1}
    assert not list(cache.glob("*.part-*"))


def test_input_errors_print_once_and_fail_on_every_rank(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("models: []\ndataset: {path: nowhere.jsonl}\n")
    env = {**os.environ, "WORLD_SIZE": "2", "RANK": "1", "LOCAL_RANK": "1"}
    proc = subprocess.run([sys.executable, "-m", "summeval", "run", str(bad)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 2 and proc.stderr == ""  # rank 1 stays quiet; rank 0 says it
    env["RANK"] = "0"
    proc = subprocess.run([sys.executable, "-m", "summeval", "run", str(bad)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.count("summeval: error:") == 1
