"""Results where teams keep them: ``summeval push`` (and ``output.push``) to the Hugging Face
Hub (against tests/fake_hub.py) and to Weights & Biases (for real, in WANDB_MODE=offline,
reading the run files wandb writes)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import SEED
from .fake_hub import FakeHub

TOKEN = "hf_secret_token_for_tests"


def _summeval(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "HF_HUB_OFFLINE": "0", **env}
    return subprocess.run(
        [sys.executable, "-m", "summeval", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env=full,
    )  # fmt: skip


def _write_config(tmp_path: Path, name: str = "evals", **output: Any) -> Path:
    cfg = {
        "dataset": {"path": str(SEED)},
        "models": [
            {"name": "lead-1", "backend": "lead", "lead_sentences": 1},
            {"name": "lead-3", "backend": "lead", "lead_sentences": 3},
        ],
        "output": {"dir": str(tmp_path / "results"), "report": False, **output},
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    proc = _summeval(tmp_path, "run", str(_write_config(tmp_path)), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "results" / "evals"


def _no_token_anywhere(*folders: Path) -> None:
    for folder in folders:
        for p in folder.rglob("*"):
            if p.is_file():
                assert TOKEN.encode() not in p.read_bytes(), p


def test_push_to_the_hub_uploads_the_run_and_its_card_privately(run_dir, tmp_path):
    with FakeHub() as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN}
        proc = _summeval(tmp_path, "push", str(run_dir), "--to", "hub", "--repo", "me/evals",
                         **env)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        repo = hub.repos["me/evals"]
        assert repo["type"] == "dataset" and repo["private"] is True
        files = repo["files"]
        local = {p.name for p in run_dir.iterdir() if p.is_file()}
        assert set(files) == local - {".summeval.lock"} | {"README.md"}  # not the lock
        assert files["results.json"] == (run_dir / "results.json").read_bytes()
        card = files["README.md"].decode()
        assert card.startswith("---\ntags:\n- summeval")
        res = json.loads((run_dir / "results.json").read_text())
        r1 = res["results"]["lead-3"]["summary"]["rouge"]["rouge1"]
        assert f"| summary | lead-3 | R-1 | {100 * r1['fmeasure']:.2f}" in card
        assert res["results"]["lead-3"]["summary"]["signature"] in card
        assert all(auth == f"Bearer {TOKEN}" for _, _, auth in hub.requests)  # from the env
        public = _summeval(
            tmp_path, "push", "evals", "--to", "hub", "--repo", "me/open", "--public", **env
        )  # fmt: skip  (a run name under results/)
        assert public.returncode == 0, public.stderr
        assert hub.repos["me/open"]["private"] is False
    _no_token_anywhere(run_dir, tmp_path)
    assert all(TOKEN.encode() not in content for content in files.values())


def test_output_push_sends_the_run_when_it_completes(tmp_path):
    with FakeHub() as hub:
        path = _write_config(tmp_path, push=[{"to": "hub", "repo": "team/auto"}])
        proc = _summeval(tmp_path, "run", str(path), "--no-progress",
                         HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert "results.json" in hub.repos["team/auto"]["files"]
        assert f"pushed {tmp_path / 'results' / 'evals'} to hub:" in proc.stderr


def test_a_hub_that_cannot_be_reached_is_one_line_and_keeps_the_run(run_dir, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    proc = _summeval(tmp_path, "push", str(run_dir), "--to", "hub", "--repo", "me/evals",
                     HF_ENDPOINT=dead, HF_TOKEN=TOKEN, HF_HUB_ETAG_TIMEOUT="2")  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith(f"summeval: error: push {run_dir} to me/evals: Hub: ")
    assert "Traceback" not in proc.stderr and TOKEN not in proc.stderr
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before
    no_repo = _summeval(tmp_path, "push", str(run_dir), "--to", "hub")
    assert no_repo.returncode == 2 and "--repo" in no_repo.stderr


def _wandb_records(path: Path) -> list[Any]:
    """The records of a W&B transaction log (``run-*.wandb``): a 7-byte ``:W&B`` header,
    then LevelDB-log framing (32 KiB blocks; records of checksum, length, type: full,
    first, middle, last), each a ``wandb_internal_pb2.Record``."""
    from wandb.proto import wandb_internal_pb2 as pb

    data = path.read_bytes()
    assert data[:4] == b":W&B"
    pos, block, chunks, pending = 7, 32768, [], b""
    while pos + 7 <= len(data):
        if block - pos % block < 7:  # a block's tail too short for a header is padding
            pos += block - pos % block
            continue
        length, kind = int.from_bytes(data[pos + 4 : pos + 6], "little"), data[pos + 6]
        body = data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind == 1:
            chunks.append(body)
        elif kind == 2:
            pending = body
        elif kind == 3:
            pending += body
        elif kind == 4:
            chunks.append(pending + body)
    records = []
    for raw in chunks:
        record = pb.Record()
        record.ParseFromString(raw)
        records.append(record)
    return records


def test_push_to_wandb_offline_writes_metrics_samples_and_the_artifact(run_dir, tmp_path):
    wb = tmp_path / "wb"
    wb.mkdir()
    proc = _summeval(tmp_path, "push", str(run_dir), "--to", "wandb", "--project", "tests",
                     WANDB_MODE="offline", WANDB_DIR=str(wb))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (log,) = wb.glob("wandb/offline-run-*/run-*.wandb")
    records = _wandb_records(log)
    summary: dict[str, Any] = {}
    for r in records:
        if r.WhichOneof("record_type") == "summary":
            for item in r.summary.update:
                summary[item.key or "/".join(item.nested_key)] = json.loads(item.value_json)
    res = json.loads((run_dir / "results.json").read_text())
    for model in ("lead-1", "lead-3"):
        r1 = res["results"][model]["summary"]["rouge"]["rouge1"]
        assert summary[f"summary/{model}/rouge1"] == r1["fmeasure"]
        assert summary[f"summary/{model}/rouge1_low"] == r1["fmeasure_low"]
        assert summary[f"summary/{model}/rouge1_high"] == r1["fmeasure_high"]
    assert summary["summary/signature"] == res["results"]["lead-1"]["summary"]["signature"]
    artifacts = [r.artifact for r in records if r.WhichOneof("record_type") == "artifact"]
    assert any(a.name == "summeval-evals" and a.type == "evaluation" for a in artifacts)
    names = {f.path for a in artifacts for f in a.manifest.contents}
    assert {"results.json", "table.md", "samples_lead-3_summary.jsonl"} <= names
    (table,) = wb.glob("wandb/offline-run-*/files/media/table/samples_*.table.json")
    rows = json.loads(table.read_text())
    assert rows["columns"][:5] == ["model", "task", "id", "prediction", "references"]
    assert len(rows["data"]) == 4  # 2 models x 2 tasks x 1 article
    assert f"pushed {run_dir} to wandb: {log.parent}" in proc.stderr


def test_push_to_wandb_online_without_credentials_is_one_line(run_dir, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB")}
    proc = subprocess.run(
        [sys.executable, "-m", "summeval", "push", str(run_dir), "--to", "wandb"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**env, "HOME": str(tmp_path), "NETRC": str(tmp_path / "none")},
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "summeval: error: push to wandb: no W&B credentials; set WANDB_API_KEY (or run wandb "
        "login), or WANDB_MODE=offline to keep it local"
    ]
