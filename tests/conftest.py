"""Shared fixtures: an offline, cached environment and helpers to run the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
XSUM = ROOT / "data" / "xsum" / "xsum_test500.jsonl"
SEED = ROOT / "data" / "sample" / "seed_article.txt"

# Tests never touch the network nor the user's home: built tiny models and the de-quantised
# GGUF are cached in the clone (gitignored) so a second test run is fast; generations go to a
# fresh temporary folder per test session, and HOME (with every cache under it) is a temporary
# folder too, so no test can read or write the user's own caches.
REAL_HOME = Path.home()
_SESSION_TMP = Path(tempfile.mkdtemp(prefix="summeval-tests-"))
os.environ["SUMMEVAL_CACHE"] = str(ROOT / ".cache" / "summeval-test")
os.environ["SUMMEVAL_GENERATION_CACHE"] = str(_SESSION_TMP / "generations")
os.environ["HOME"] = str(_SESSION_TMP / "home")
os.environ["XDG_CACHE_HOME"] = str(_SESSION_TMP / "home" / ".cache")
os.environ["MPLCONFIGDIR"] = str(ROOT / ".cache" / "matplotlib")
os.environ["HF_HOME"] = str(_SESSION_TMP / "hf")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def python_c(code: str, timeout: int = 1200, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -c code`` in a fresh interpreter from the repository root."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env},
    )


def read_xsum(n: int) -> list[dict[str, Any]]:
    """The first ``n`` rows of the shipped XSum sample (data/xsum/, CC BY-SA 4.0)."""
    with XSUM.open(encoding="utf-8") as f:
        return [json.loads(line) for _, line in zip(range(n), f, strict=False)]


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a config dict (or raw text) to a YAML file and return its path."""

    def _write(data: dict[str, Any] | str, name: str = "cfg.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        return path

    return _write


@pytest.fixture
def run_cli(capsys):
    """Run ``summeval`` in-process; return (exit code, stdout, stderr)."""
    from summeval.cli import main

    def _run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


@pytest.fixture
def jsonl(tmp_path: Path):
    """Write records (dicts or raw lines) to a JSONL file."""

    def _write(rows: list[Any], name: str = "data.jsonl") -> Path:
        path = tmp_path / name
        lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return _write


def basic_config(data_path: Path | str, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    """A small config using only the lead baseline."""
    cfg: dict[str, Any] = {
        "dataset": {"path": str(data_path)},
        "models": [{"name": "lead", "backend": "lead"}],
        "output": {"dir": str(tmp_path / "results")},
    }
    cfg.update(extra)
    return cfg


@pytest.fixture(scope="session")
def rouge155_home() -> Path:
    """The official ROUGE-1.5.5 (plain Porter), installed by scripts/test.sh; required in CI."""
    home = os.environ.get("ROUGE155_HOME", "")
    script = Path(home) / "ROUGE-1.5.5.pl"
    kind = Path(home) / "data" / ".exc-db-kind"
    problem = None
    if not home or not script.exists():
        problem = "ROUGE-1.5.5 is not installed (ROUGE155_HOME unset)"
    elif not kind.exists() or kind.read_text().strip() != "empty=1":
        problem = f"ROUGE-1.5.5 at {home} uses the WordNet exception DB, not plain Porter"
    if problem:
        how = "run: export ROUGE155_HOME=$(EMPTY_EXC_DB=1 bash scripts/rouge155_setup.sh)"
        if os.environ.get("CI"):
            pytest.fail(f"{problem}; {how}")
        pytest.skip(f"{problem}; {how}")
    return Path(home)
