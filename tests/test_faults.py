"""Faults and bad input: one clear line, nothing lost, run folders that describe one run,
and two processes at once (real processes, a fake OpenAI server that answers slowly)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from summeval.cache import GenerationCache, clear_generations
from summeval.tasks import TaskSpec

from .conftest import ROOT, basic_config, read_xsum
from .fake_openai import MODEL, FakeOpenAI


def _cli(*args: str, env: dict[str, str] | None = None, timeout: int = 300):
    return subprocess.run(
        [sys.executable, "-m", "summeval", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


def _one_error_line(proc: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stderr[-1500:])
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("summeval: error")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


# --- bad configs -------------------------------------------------------------------------


def test_yaml_alias_bomb_and_deep_nesting_are_one_line_errors(tmp_path):
    levels = ["a: &a [" + ",".join(['"x"'] * 9) + "]"]
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(levels) + "\nmodels: *i\n")  # 9^9 = 387 million values
    line = _one_error_line(_cli("validate", str(bomb), timeout=120))  # never expanded
    assert "aliases expand" in line
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 100_000)
    assert "nested" in _one_error_line(_cli("validate", str(deep)))
    nested = tmp_path / "nested.yaml"
    nested.write_text("a:\n" + "".join("  " * i + "- \n" for i in range(1, 3000)))
    assert "nested" in _one_error_line(_cli("validate", str(nested)))


def test_bad_values_are_one_line_errors(tmp_path, jsonl):
    data = jsonl([{"id": "a", "article": "Some text here.", "summary": "Text."}])
    cfg = basic_config(data, tmp_path)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({**cfg, "output": {**cfg["output"], "run_name": "../../evil"}}))
    assert "output.run_name" in _one_error_line(_cli("run", str(path)))
    assert not (tmp_path.parent / "evil").exists()
    path.write_text(yaml.safe_dump(cfg))
    assert "--run-name" in _one_error_line(_cli("run", str(path), "--run-name", "../x"))
    assert "seed" in _one_error_line(_cli("validate", str(path), "--set", "seed=" + "9" * 5000))
    huge = tmp_path / "huge.yaml"
    huge.write_text(f"seed: {'9' * 5000}\n" + yaml.safe_dump(cfg))
    assert "huge.yaml" in _one_error_line(_cli("validate", str(huge)))
    folder = _one_error_line(_cli("score", str(tmp_path), "--refs", str(data)))
    assert str(tmp_path) in folder and "folder" in folder


def test_a_config_named_dot_dot_cannot_write_beside_the_results_folder(tmp_path, jsonl):
    """``...yaml`` has the stem ``..``: as a run name it would be the results folder's
    parent, and the run's config.yaml would overwrite the user's. Every run name is checked."""
    data = jsonl([{"id": "a", "article": "Some text here.", "summary": "Text."}])
    precious = tmp_path / "config.yaml"
    precious.write_text("precious\n")
    cfg = tmp_path / "...yaml"
    cfg.write_text(yaml.safe_dump(basic_config(data, tmp_path)))
    for command in ("run", "validate"):
        line = _one_error_line(_cli(command, str(cfg)))
        assert "run name '..'" in line and "...yaml" in line and "output.run_name" in line
    assert precious.read_text() == "precious\n"
    assert not (tmp_path / "results.json").exists() and not (tmp_path / "articles.jsonl").exists()
    ok = _cli("run", str(cfg), "--run-name", "fine")
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "results" / "fine" / "results.json").exists()


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('id,article,summary\n1,"unterminated quote. More,x\n2,ok,y\n', ":2", "never closed"),
        ("id,article,summary\n1,one. two,x,EXTRA\n", ":2", "4 field(s) where the header has 3"),
        ('id,article,summary\n1,"a "b" c",x\n', ":2", "malformed CSV"),
        ("id,article,summary\n", "", "a header row (id, article, summary) and no article rows"),
        ("", "", "the CSV file is empty"),
    ],
)
def test_malformed_csv_is_an_error_naming_the_line(tmp_path, text, where, message):
    data = tmp_path / "q.csv"
    data.write_text(text)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump(basic_config(str(data), tmp_path)))
    line = _one_error_line(_cli("run", str(cfg)))
    assert f"{data}{where}:" in line and message in line, line
    assert not (tmp_path / "results").exists()


def test_csv_fields_longer_than_csvs_default_limit_are_read(tmp_path):
    import csv

    data = tmp_path / "long.csv"
    with data.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "article", "summary"])
        w.writerow(["a", "A long article sentence, again and again. " * 4000, "Long."])
        w.writerow(["b", "Short article. Two sentences.", "Short."])
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump(basic_config(str(data), tmp_path)))
    proc = _cli("run", str(cfg))
    assert proc.returncode == 0, proc.stderr
    assert "2 article(s) from csv" in proc.stderr
    from summeval.config import DatasetConfig
    from summeval.data import load_articles

    before = csv.field_size_limit()
    articles, _ = load_articles(DatasetConfig(path=str(data)))
    assert len(articles[0].text) > 131_072 and csv.field_size_limit() == before  # put back


def test_devices_and_fifos_are_refused_not_read(tmp_path):
    fifo = tmp_path / "articles.jsonl"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        cfg = tmp_path / "c.yaml"
        cfg.write_text(yaml.safe_dump(basic_config(path, tmp_path)))
        for command in ("validate", "run"):
            line = _one_error_line(_cli(command, str(cfg), timeout=60))
            assert f"dataset.path '{path}'" in line and "not a regular file" in line
    line = _one_error_line(_cli("run", "/dev/zero", timeout=60))
    assert "/dev/zero: not a regular file" in line


def test_output_folder_that_is_a_file_is_one_line(tmp_path, jsonl):
    data = jsonl([{"id": "a", "article": "Some text here.", "summary": "Text."}])
    blocker = tmp_path / "results"
    blocker.write_text("not a folder")
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(basic_config(data, tmp_path)))
    line = _one_error_line(_cli("run", str(path)))
    assert str(blocker) in line


# --- text that breaks files and terminals -----------------------------------------------


def test_line_separators_and_control_characters(tmp_path, jsonl):
    rows = [
        {
            "id": f"a{i}",
            "article": f"First line\u2028still first{i}.\x85 Second \x1b[31mred\x07 "
            f"sentence{i}.\x00 Third sentence here.",
            "summary": f"Summary\u2028{i} with a \x1b[0m escape.",
            "headline": f"Head\u0085line {i}",
        }
        for i in range(3)
    ]
    data = jsonl(rows)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(basic_config(data, tmp_path)))
    proc = _cli("run", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "control character(s) removed" in proc.stderr
    run_dir = tmp_path / "results" / "c"
    doc = json.loads((run_dir / "results.json").read_text())
    assert doc["data"]["control_chars_removed"] == 3 * 4
    assert (run_dir / "report.html").exists()
    for f in run_dir.glob("*.jsonl"):
        assert "\x1b" not in f.read_text() and "\x00" not in f.read_text()
    show = _cli("show", str(run_dir), "--article", "a1")
    assert show.returncode == 0, show.stderr
    assert "\x1b" not in show.stdout and "\x07" not in show.stdout
    board = _cli("compare", str(tmp_path / "results"))
    assert (
        board.returncode == 0
        and "Skipped" not in (tmp_path / "results" / "leaderboard.md").read_text()
    )


def test_run_folders_are_read_back_split_on_newlines_only(tmp_path):
    """A prediction holding U+2028/U+0085 (a model can write them) is one JSONL line."""
    from summeval.runs import _read_jsonl

    path = tmp_path / "samples_m_summary.jsonl"
    rows = [{"id": "a", "prediction": "one\u2028two\x85three", "references": []}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    assert _read_jsonl(path) == rows


def test_article_text_is_never_a_template():
    spec = TaskSpec("summary", "Article:\n{article}\n\nAt most {max_words} words.", 30)
    text = "Prices {max_words} and {article} and {0} stay as written."
    assert spec.render(text) == f"Article:\n{text}\n\nAt most 30 words."


# --- run folders describe one run -------------------------------------------------------


def test_failed_or_interrupted_rerun_never_leaves_a_mixed_folder(tmp_path, jsonl):
    good = jsonl(
        [{"id": r["id"], "article": r["article"], "summary": r["summary"]} for r in read_xsum(4)]
    )
    cfg = basic_config(good, tmp_path)
    cfg["output"]["run_name"] = "r"
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert _cli("run", str(path)).returncode == 0
    run_dir = tmp_path / "results" / "r"
    before = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()}

    bad = jsonl(['{"id": "x", "article": "fine"}', "{broken"], name="bad.jsonl")
    path.write_text(yaml.safe_dump({**cfg, "dataset": {"path": str(bad)}}))
    _one_error_line(_cli("run", str(path)))
    after = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()}
    assert {k: v for k, v in after.items() if not k.startswith(".")} == {
        k: v for k, v in before.items() if not k.startswith(".")
    }  # bad data: the folder was not touched

    # a server that cannot be reached is found before the folder is touched
    down = {"name": "down", "backend": "openai", "base_url": "http://127.0.0.1:9/v1",
            "model": MODEL, "max_retries": 0, "timeout_s": 2}  # fmt: skip
    path.write_text(yaml.safe_dump({**cfg, "models": [*cfg["models"], down]}))
    env = {"SUMMEVAL_GENERATION_CACHE": str(tmp_path / "gen")}
    proc = _cli("run", str(path), env=env)
    assert proc.returncode == 3, proc.stderr
    after = {p.name: p.read_bytes() for p in run_dir.iterdir() if p.is_file()}
    assert {k: v for k, v in after.items() if not k.startswith(".")} == {
        k: v for k, v in before.items() if not k.startswith(".")
    }

    # a rerun that stops half way (a server that fails after the check): status says so
    with FakeOpenAI(default="500") as failing:
        down["base_url"] = failing.url
        path.write_text(yaml.safe_dump({**cfg, "models": [*cfg["models"], down]}))
        proc = _cli("run", str(path), env=env)
    assert proc.returncode == 3, proc.stderr
    doc = json.loads((run_dir / "results.json").read_text())
    saved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert doc["status"] == "interrupted" and [m["name"] for m in saved["models"]] == [
        "lead",
        "down",
    ]
    board = _cli("compare", str(tmp_path / "results"))
    assert board.returncode == 2 and "partial run (status 'interrupted')" in board.stderr


def _good_run(tmp_path: Path, jsonl, name: str) -> Path:
    data = jsonl(
        [{"id": r["id"], "article": r["article"], "summary": r["summary"]} for r in read_xsum(3)],
        name=f"{name}.jsonl",
    )
    cfg = basic_config(data, tmp_path)
    cfg["output"]["run_name"] = name
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert _cli("run", str(path)).returncode == 0
    return tmp_path / "results" / name


@pytest.mark.parametrize(
    "damage",
    [
        ("samples", lambda row: {**row, "scores": {"rouge1": "bad"}}),
        ("results", lambda s: {**s, "data_stats": None}),
        ("results", lambda s: {**s, "rouge": "oops"}),
    ],
)
def test_compare_skips_a_malformed_folder_with_its_reason(tmp_path, jsonl, damage):
    ok = _good_run(tmp_path, jsonl, "ok")
    broken = _good_run(tmp_path, jsonl, "broken")
    kind, change = damage
    if kind == "samples":
        f = broken / "samples_lead_summary.jsonl"
        rows = [json.loads(x) for x in f.read_text().splitlines()]
        f.write_text("".join(json.dumps(change(r)) + "\n" for r in rows))
    else:
        f = broken / "results.json"
        doc = json.loads(f.read_text())
        doc["results"]["lead"]["summary"] = change(doc["results"]["lead"]["summary"])
        f.write_text(json.dumps(doc))
    proc = _cli("compare", str(tmp_path / "results"))
    assert proc.returncode == 0, proc.stderr
    board = json.loads((tmp_path / "results" / "leaderboard.json").read_text())
    assert [s["path"] for s in board["skipped"]] == [str(broken)]
    assert [r["run"] for r in board["runs"]] == ["ok"] and ok.exists()


# --- the disk fills up ------------------------------------------------------------------


def test_disk_full_is_one_line_and_keeps_what_was_written(tmp_path, jsonl, run_cli, monkeypatch):
    import summeval.atomic as atomic

    data = jsonl(
        [{"id": r["id"], "article": r["article"], "summary": r["summary"]} for r in read_xsum(3)]
    )
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(basic_config(data, tmp_path)))
    real = atomic.write_atomic_bytes
    calls = {"n": 0}

    def full(target: Path, blob: bytes) -> None:
        calls["n"] += 1
        if target.name == "table.csv" and calls["n"] > 4:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real(target, blob)

    monkeypatch.setattr(atomic, "write_atomic_bytes", full)
    code, _, err = run_cli("run", path)
    assert code == 2 and "table.csv: no space left on the device" in err
    assert "internal error" not in err and "Traceback" not in err
    doc = json.loads((tmp_path / "results" / "c" / "results.json").read_text())
    assert doc["status"] in ("running", "failed")  # never claims to be complete
    monkeypatch.setattr(atomic, "write_atomic_bytes", real)
    code, _, err = run_cli("run", path)
    assert code == 0, err


def test_a_full_disk_names_the_file_and_marks_the_run_failed(tmp_path, jsonl, run_cli,
                                                              monkeypatch):  # fmt: skip
    """A write() that fails with ENOSPC names no file: the error names articles.jsonl all
    the same, and the folder says failed (not running)."""
    import summeval.atomic as atomic

    data = jsonl([{"id": "a", "article": "Some text here.", "summary": "Text."}])
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(basic_config(data, tmp_path)))
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if ".articles.jsonl." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, "No space left on device")  # as write() raises it
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    code, _, err = run_cli("run", path)
    run_dir = tmp_path / "results" / "c"
    assert code == 2, err
    assert f"{run_dir / 'articles.jsonl'}: no space left on the device" in err
    assert json.loads((run_dir / "results.json").read_text())["status"] == "failed"


def test_a_read_only_generation_cache_stops_before_the_run_folder(tmp_path, jsonl, run_cli,
                                                                 monkeypatch):  # fmt: skip
    import summeval.run as run

    data = jsonl([{"id": "a", "article": "Some text here.", "summary": "Text."}])
    cfg = basic_config(data, tmp_path)
    cfg["models"].append({"name": "tiny", "backend": "hf-causal", "model": "tiny-random:llama"})
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    cache = tmp_path / "gen"
    monkeypatch.setenv("SUMMEVAL_GENERATION_CACHE", str(cache))

    def read_only(*args, **kwargs):  # root ignores permission bits: refuse as EROFS would
        raise OSError(errno.EROFS, "Read-only file system", str(cache))

    monkeypatch.setattr(run.tempfile, "TemporaryFile", read_only)
    code, _, err = run_cli("run", path)
    assert code == 2, err
    line = err.strip().splitlines()[-1]
    assert f"{cache}: the generation cache cannot be written" in line
    assert "$SUMMEVAL_GENERATION_CACHE" in line and "--output-dir" not in line
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EACCES, "permission denied"), (errno.EROFS, "read-only file system")],
)
def test_unwritable_output_is_one_line(tmp_path, jsonl, run_cli, monkeypatch, code, words):
    """A read-only output folder (root ignores permission bits, so the write is patched)."""
    import summeval.atomic as atomic

    data = jsonl([{"id": "a", "article": "Some text here.", "summary": "Text."}])
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(basic_config(data, tmp_path)))

    def refuse(target: Path, blob: bytes) -> None:
        raise OSError(code, os.strerror(code), str(target))

    monkeypatch.setattr(atomic, "write_atomic_bytes", refuse)
    code_, _, err = run_cli("run", path)
    assert code_ == 2 and words in err and "results.json" in err
    assert "internal error" not in err and len(err.strip().splitlines()[-1]) < 300


def test_report_that_cannot_be_written_is_not_claimed(tmp_path, jsonl, run_cli, monkeypatch):
    import summeval.report as report

    data = jsonl(
        [{"id": r["id"], "article": r["article"], "summary": r["summary"]} for r in read_xsum(2)]
    )
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(basic_config(data, tmp_path)))
    assert run_cli("run", path)[0] == 0
    old = tmp_path / "results" / "c" / "report.html"
    assert old.exists()

    def full(run):
        raise OSError(errno.ENOSPC, "No space left on device", str(old))

    monkeypatch.setattr(report, "write_report", full)
    code, _, err = run_cli("run", path)
    assert code == 0 and "report.html not written" in err
    assert "report.html)" not in err.splitlines()[-1] and not old.exists()
    assert "catch (e)" in report.SCRIPT  # a malformed #search= escape cannot stop the script


# --- cache clear ------------------------------------------------------------------------


def test_cache_clear_removes_only_summeval_files(tmp_path):
    folder = tmp_path / "gen"
    cache = GenerationCache(folder, "0123456789abcdef01234567")
    cache.append([{"key": "k", "text": "t"}])
    cache.save_info({"name": "m"})
    mine = folder / "notes.txt"
    mine.write_text("keep me")
    (folder / "data.jsonl").write_text("{}\n")
    proc = _cli("cache", "clear", env={"SUMMEVAL_GENERATION_CACHE": str(folder)})
    assert proc.returncode == 0 and "removed 2 summeval cache file(s)" in proc.stdout
    assert "2 other file(s) there left alone" in proc.stdout
    left = sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))
    assert left == ["data.jsonl", "notes.txt"]  # lock files stay: see the next test
    assert clear_generations(tmp_path / "nowhere") == ([], [])


def test_cache_clear_leaves_a_cache_that_a_running_process_holds(tmp_path):
    """Clearing while a run generates: that model's files and its lock stay, clear says so,
    and a second run still waits for the first (the lock was not deleted under it)."""
    folder = tmp_path / "gen"
    held, free = "a" * 24, "b" * 24
    for fp in (held, free):
        GenerationCache(folder, fp).append([{"key": "k", "text": "t"}])
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from summeval.locks import generation_lock\n"
         f"with generation_lock(Path({str(folder / (held + '.jsonl'))!r}), print):\n"
         "    print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        proc = _cli("cache", "clear", env={"SUMMEVAL_GENERATION_CACHE": str(folder)})
        assert proc.returncode == 0, proc.stderr
        assert f"skipped {held}: a running summeval process (pid {holder.pid}" in proc.stdout
        assert (folder / f"{held}.jsonl").exists() and (folder / f"{held}.jsonl.lock").exists()
        assert not (folder / f"{free}.jsonl").exists()
        from filelock import FileLock, Timeout

        with pytest.raises(Timeout):  # still held: a second run would wait, not write beside it
            FileLock(str(folder / f"{held}.jsonl.lock")).acquire(timeout=0.2)
    finally:
        holder.kill()
        holder.wait()


def test_closed_pipe_is_a_normal_end():
    proc = subprocess.Popen(
        [sys.executable, "-m", "summeval", "cache", "info"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and "Error" not in err, err


# --- two processes at once --------------------------------------------------------------


def _served_config(tmp_path: Path, url: str, name: str, n: int = 8) -> Path:
    rows = [
        {"id": r["id"], "article": r["article"][:400], "summary": r["summary"]}
        for r in read_xsum(n)
    ]
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = {
        "dataset": {"path": str(data)},
        "tasks": {"headline": {"enabled": False}},
        "models": [{"name": "served", "backend": "openai", "base_url": url, "model": MODEL,
                    "max_concurrency": 1, "max_retries": 0, "timeout_s": 10}],
        "output": {"dir": str(tmp_path / "results"), "run_name": name, "report": False},
    }  # fmt: skip
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _start(path: Path, gen: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "summeval", "run", str(path), "--no-progress"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SUMMEVAL_GENERATION_CACHE": str(gen), "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


def test_second_run_on_the_same_folder_is_refused_naming_the_first(tmp_path):
    with FakeOpenAI(delay_s=0.4) as server:
        path = _served_config(tmp_path, server.url, "same")
        first = _start(path, tmp_path / "gen")
        time.sleep(0.5)
        while not (tmp_path / "results" / "same" / "results.json").exists():
            assert first.poll() is None, first.communicate()
            time.sleep(0.1)
        second = _cli("run", str(path), env={"SUMMEVAL_GENERATION_CACHE": str(tmp_path / "gen")})
        _, err = first.communicate(timeout=120)
    line = _one_error_line(second)
    assert f"pid {first.pid}" in line and "another summeval run" in line
    assert first.returncode == 0, err
    doc = json.loads((tmp_path / "results" / "same" / "results.json").read_text())
    assert doc["status"] == "complete" and doc["results"]["served"]["summary"]["generated"] == 8


def test_two_runs_sharing_a_model_cache_generate_each_article_once(tmp_path):
    with FakeOpenAI(delay_s=0.3) as server:
        a = _start(_served_config(tmp_path, server.url, "a"), tmp_path / "gen")
        b = _start(_served_config(tmp_path, server.url, "b"), tmp_path / "gen")
        outs = [p.communicate(timeout=180) for p in (a, b)]
        requests = len(server.requests)
    assert a.returncode == 0 and b.returncode == 0, outs
    generated = [
        json.loads((tmp_path / "results" / n / "results.json").read_text())["results"]["served"][
            "summary"
        ]["generated"]
        for n in ("a", "b")
    ]
    assert sorted(generated) == [0, 8] and requests == 8
    assert any("waiting for it" in err for _, err in outs)
    (cache_file,) = (tmp_path / "gen").glob("*.jsonl")
    keys = [json.loads(line)["key"] for line in cache_file.read_text().splitlines()]
    assert len(keys) == len(set(keys)) == 8


def test_two_first_builds_of_a_tiny_model_at_once(tmp_path):
    code = (
        "import sys; from pathlib import Path; from summeval.models.tiny import tiny_model_path; "
        "print(tiny_model_path('tiny-random:llama', Path(sys.argv[1])))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]  # fmt: skip
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    folder = Path(outs[0][0].strip())
    assert (folder / "config.json").exists() and {o.strip() for o, _ in outs} == {str(folder)}
    assert not [p for p in folder.parent.iterdir() if "partial" in p.name]


# --- names and sizes that broke the writers ---------------------------------------------


def test_model_names_with_dollar_signs_are_drawn_as_plain_text(tmp_path, jsonl):
    data = jsonl(
        [{"id": r["id"], "article": r["article"], "summary": r["summary"]} for r in read_xsum(3)]
    )
    cfg = basic_config(data, tmp_path)
    cfg["models"] = [
        {"name": "lead$^$x", "backend": "lead"},
        {"name": "m$_{a$", "backend": "lead", "lead_sentences": 1},
    ]
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    env = {"SUMMEVAL_CACHE": str(tmp_path / "cache")}  # no memoised plot: draw them
    proc = _cli("run", str(path), env=env)
    assert proc.returncode == 0, proc.stderr
    assert "report.html not written" not in proc.stderr and "ParseException" not in proc.stderr
    report = (tmp_path / "results" / "c" / "report.html").read_text()
    assert "m$_{a$" in report
    board = _cli("compare", str(tmp_path / "results"), env=env)
    assert board.returncode == 0, board.stderr
    assert (tmp_path / "results" / "leaderboard_summary_A_rouge.png").stat().st_size > 1000


def test_report_and_show_on_a_broken_articles_file_are_one_line(tmp_path, jsonl):
    data = jsonl([{"id": "a", "article": "Some text here.", "summary": "Text."}])
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(basic_config(data, tmp_path)))
    assert _cli("run", str(path)).returncode == 0
    run_dir = tmp_path / "results" / "c"
    (run_dir / "articles.jsonl").write_bytes(bytes(range(256)) * 4)
    for args in (("report", str(run_dir)), ("show", str(run_dir), "--article", "a")):
        line = _one_error_line(_cli(*args))
        assert str(run_dir) in line and "articles.jsonl cannot be read" in line


@pytest.mark.slow
def test_a_20_mb_article_is_split_and_scored(tmp_path):
    """nltk's regex time limit once raised TimeoutError (a traceback) on such an article."""
    article = "The council met on Monday and voted to repair the bridge near the river. " * 270_000
    data = tmp_path / "big.jsonl"
    record = {"id": "big", "article": article[:20_000_000], "summary": "The council voted."}
    data.write_text(json.dumps(record) + "\n")
    cfg = basic_config(str(data), tmp_path)
    cfg["output"]["report"] = False
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = _cli("run", str(path), timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    sample = json.loads((tmp_path / "results" / "c" / "samples_lead_summary.jsonl").read_text())
    assert sample["prediction"].startswith("The council met on Monday")
