"""The wheel stands alone: built from this tree, installed into a fresh venv with no source
tree on the path, it runs the packaged default config, the judge config, ``summeval score``
and the Python API from an empty folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

SHIPPED = ["pyproject.toml", "README.md", "LICENSE", "src", "configs", "data"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built (no network, no build isolation) from a copy of the tree."""
    work = tmp_path_factory.mktemp("wheel")
    tree = work / "tree"
    tree.mkdir()
    for name in SHIPPED:
        src = ROOT / name
        if src.is_dir():
            skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
            shutil.copytree(src, tree / name, ignore=skip)
        else:
            shutil.copy2(src, tree / name)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(work / "dist"), str(tree)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (found,) = (work / "dist").glob("summeval-*.whl")
    return found


def test_the_wheel_holds_everything_the_code_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "src" / "summeval"
    expected = {
        f"summeval/{p.relative_to(package).as_posix()}"
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert expected <= names, sorted(expected - names)  # judge prompts, word lists, py.typed
    for config in (ROOT / "configs").glob("*.yaml"):
        assert f"summeval/resources/configs/{config.name}" in names
    for data in ("wikinews/wikinews.jsonl", "wikinews/README.md", "sample/seed_article.txt",
                 "xsum/xsum_test500.jsonl", "xsum/README.md"):  # fmt: skip
        assert f"summeval/resources/data/{data}" in names


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed. Its dependencies (torch and the rest, GBs)
    come from the test environment's site-packages, added after the venv's own by a .pth
    file: summeval itself is imported from the wheel, never from src/."""
    env = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    py = env / "bin" / "python"
    site = Path(subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip())  # fmt: skip
    (site / "zz_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return env


def _in_empty_folder(venv: Path, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    return subprocess.run(
        list(argv), cwd=tmp_path, capture_output=True, text=True, timeout=900, env=env
    )


def test_summeval_is_imported_from_the_wheel(venv, tmp_path):
    proc = _in_empty_folder(venv, tmp_path, "python", "-c",
                            "import summeval, summeval.packaged as p; print(summeval.__file__);"
                            "print(p.root())")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    module, root = proc.stdout.split()
    assert module.startswith(str(venv)) and root.startswith(str(venv)), proc.stdout
    assert not module.startswith(str(ROOT))


@pytest.mark.slow
def test_the_default_config_runs_by_name_from_an_empty_folder(venv, tmp_path):
    listed = _in_empty_folder(venv, tmp_path, "summeval", "configs")
    assert listed.returncode == 0 and "base" in listed.stdout and "judge" in listed.stdout
    proc = _in_empty_folder(venv, tmp_path, "summeval", "run", "base", "--no-progress",
                            "--set", "dataset.limit=3")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "results" / "base" / "results.json").read_text())
    assert res["status"] == "complete" and res["schema_version"] == 1
    for model in ("lead-1", "smollm2-135m"):
        for task in ("summary", "headline"):  # both tasks scored, with intervals
            rouge1 = res["results"][model][task]["rouge"]["rouge1"]
            assert 0 < rouge1["fmeasure"] <= 1 and rouge1["fmeasure_low"] is not None
    assert res["config_file"] == "base"
    assert "resources/data/wikinews/wikinews.jsonl" in res["data"]["source"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]  # nothing else written


@pytest.mark.slow
def test_the_judge_config_reads_its_prompts_from_the_wheel(venv, tmp_path):
    proc = _in_empty_folder(venv, tmp_path, "summeval", "run", "judge", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    res = json.loads((tmp_path / "results" / "judge" / "results.json").read_text())
    judged = [t["judge"] for by_task in res["results"].values() for t in by_task.values()
              if "judge" in t]  # fmt: skip
    assert judged and all(j["signature"].startswith("judge|") for j in judged)


def test_score_and_the_python_api_from_an_empty_folder(venv, tmp_path):
    (tmp_path / "p.txt").write_text("the cat sat on the mat\n")
    (tmp_path / "r.txt").write_text("a cat sat on a mat\n")
    cli = _in_empty_folder(venv, tmp_path, "summeval", "score", "p.txt", "--refs", "r.txt",
                           "--json")  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    api = _in_empty_folder(venv, tmp_path, "python", "-c",
                           "import json, summeval; r = summeval.score(['the cat sat on the mat'],"
                           " ['a cat sat on a mat']); print(json.dumps({m: r[m].fmeasure for m "
                           "in r} | {'signature': r.signature}))")  # fmt: skip
    assert api.returncode == 0, api.stderr
    by_cli, by_api = json.loads(cli.stdout), json.loads(api.stdout)
    assert by_api["signature"] == by_cli["signature"]
    for m in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
        assert by_api[m] == by_cli[m]["fmeasure"]
