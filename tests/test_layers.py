"""Imports point down the flow: config -> data -> models -> generations -> metrics -> results."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT, python_c

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
    assert ours <= {"summeval.errors", "summeval.languages", "summeval.packaged"}, ours
    # tables, lookups, the schema, atomic writes, table labels
    for leaf in ("languages.py", "packaged.py", "schema.py", "atomic.py", "labels.py"):
        leaves = {m for m in _imports(SRC / leaf) if m.startswith("summeval")}
        assert not leaves, (leaf, leaves)


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


HEAVY = ("torch", "transformers", "matplotlib", "wandb")
# Not heavy for what they do, but for what importing them costs: nltk's package imports
# scipy, scikit-learn and pandas where installed (1-2 s); the default path needs none.
SLOW_IMPORTS = ("nltk", "scipy", "sklearn", "pandas")


def _heavy_imports(argv: list[str], **env: str) -> list[str]:
    """The heavy libraries a fresh interpreter imported to run ``summeval argv``."""
    code = (
        "import sys; from summeval.cli import main; "
        f"code = main({argv!r}); "
        f"print([m for m in {(*HEAVY, *SLOW_IMPORTS)!r} if m in sys.modules] if code == 0 "
        "else code)"
    )
    proc = python_c(code, **env)
    assert proc.returncode == 0, proc.stderr
    return eval(proc.stdout.strip().splitlines()[-1])  # a printed list of names


def test_light_commands_do_not_import_heavy_libraries(tmp_path):
    """validate, score and a fully cached run need neither torch, transformers nor matplotlib,
    nor nltk or scipy; that is what makes a warm rerun fast."""
    assert _heavy_imports(["validate", "configs/base.yaml"]) == []
    preds, refs = tmp_path / "p.txt", tmp_path / "r.txt"
    preds.write_text("The cat sat on the mat. It purred.\n")
    refs.write_text("A cat sat on a mat.\n")
    assert _heavy_imports(["score", str(preds), "--refs", str(refs)]) == []
    # rouge-score's stemmer is nltk's, vendored: stemming imports no nltk (1.8 s here)
    rs = ["score", str(preds), "--refs", str(refs), "--profile", "rouge-score"]
    assert _heavy_imports(rs) == []
    run = ["run", "configs/tiny.yaml", "--no-progress", "--output-dir", str(tmp_path / "r")]
    gen = {"SUMMEVAL_GENERATION_CACHE": str(tmp_path / "generations")}
    assert "torch" in _heavy_imports(run, **gen)  # cold: the tiny models load
    assert _heavy_imports(run, **gen) == []  # every generation cached, plots memoised


@pytest.mark.slow
def test_warm_rerun_of_the_default_config_imports_nothing_heavy(tmp_path):
    """configs/base.yaml (on 2 of its articles), run twice: the rerun loads no model and
    imports neither torch, matplotlib, nltk nor scipy (-X importtime shows the same)."""
    run = ["run", "configs/base.yaml", "--no-progress", "--output-dir", str(tmp_path / "r"),
           "--set", "dataset.limit=2"]  # fmt: skip
    gen = {"SUMMEVAL_GENERATION_CACHE": str(tmp_path / "generations")}
    assert "torch" in _heavy_imports(run, **gen)
    assert _heavy_imports(run, **gen) == []
