"""Imports point down the flow: config -> data -> models -> generations -> metrics -> results."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

SRC = ROOT / "src" / "summeval"


def _imports(path: Path) -> set[str]:
    """Every module a file imports (at any depth of the file, lazy imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_config_depends_on_nothing_above_it():
    ours = {m for m in _imports(SRC / "config.py") if m.startswith("summeval")}
    assert ours <= {"summeval.errors"}, ours


def test_metrics_never_import_models_or_torch():
    for path in (SRC / "metrics").glob("*.py"):
        bad = {
            m
            for m in _imports(path)
            if m.split(".")[0] in ("torch", "transformers")
            or m.startswith(("summeval.models", "summeval.run", "summeval.generate"))
        }
        assert not bad, f"{path.name} imports {bad}"


def test_models_never_import_metrics_or_reporting():
    above = ("summeval.metrics", "summeval.results", "summeval.report", "summeval.compare")
    for path in (SRC / "models").glob("*.py"):
        bad = {m for m in _imports(path) if m.startswith(above)}
        assert not bad, f"{path.name} imports {bad}"


def test_light_commands_do_not_import_heavy_libraries():
    """validate, score and a fully cached run need neither torch, transformers nor matplotlib."""
    code = (
        "import sys; from summeval.cli import main; "
        "main(['validate', 'configs/base.yaml']); "
        "heavy = [m for m in ('torch', 'transformers', 'matplotlib', 'nltk') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout
