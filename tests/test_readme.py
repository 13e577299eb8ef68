"""The README's commands work verbatim, in a fresh virtual environment, as a new user types
them after the quick start (the environment activated: ``python`` and ``summeval`` on PATH)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from summeval.cli import _parser

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")

# Run for real, in this order, from a folder that holds the repository's configs and data.
RUN = [
    "summeval version",
    "python -m summeval run configs/base.yaml",
    "python -m summeval run configs/tiny.yaml",
    "python -m summeval compare results/",
    "python -m summeval show base --article wikinews-iranian-cargo-plane-crashes-into-karaj-houses",
    "python -m summeval diff base:lead-1 base:smollm2-135m --task summary",
    "python -m summeval run configs/base.yaml --set dataset.limit=1 "
    "--set models.smollm2-135m.batch_size=8",
    "summeval validate configs/base.yaml",
    "summeval cache info",
    "summeval configs",
    "summeval schema",
    "python -m summeval meta-eval data/realsumm/realsumm_meta.jsonl --metrics rouge1,rouge2,rougeL",
]
# Checked by the CLI's own parser only, with the reason they are not run here.
PARSE_ONLY = {
    "python -m summeval run configs/served.yaml": (
        "needs scripts/serve_local.sh running; test_served runs this config against that "
        "server on a free port"
    ),
    "python -m summeval score preds.txt --refs refs.txt": "the user's own files",
    "summeval push results/base --to wandb --project my-evals": (
        "needs W&B credentials; test_push runs it in WANDB_MODE=offline"
    ),
    "summeval push base --to hub --repo my-org/summeval-runs": (
        "needs the Hub; test_push runs it against tests/fake_hub.py"
    ),
    "python -m summeval score preds.jsonl --refs refs.jsonl --profile rouge-score --json": (
        "the user's own files"
    ),
}


def _readme_commands() -> list[str]:
    """Every summeval command line inside the README's code blocks (synopsis lines with
    placeholders in capitals are usage, not commands)."""
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            cmd = line.split("  #")[0].strip()
            if not re.match(r"^(python -m )?summeval [a-z]", cmd):
                continue
            if re.search(r"\b[A-Z_]{3,}\b|\.\.\.|\|", cmd):
                continue  # the synopsis: CONFIG, RUN, [--x N | --y N] ...
            commands.append(cmd)
    return commands


def test_every_readme_command_is_checked():
    found = _readme_commands()
    assert found, "no commands found in the README"
    unchecked = [c for c in found if c not in RUN and c not in PARSE_ONLY]
    assert not unchecked, f"README commands not in RUN or PARSE_ONLY: {unchecked}"
    for cmd in [*RUN, *PARSE_ONLY]:
        args = shlex.split(cmd)
        args = args[3:] if args[0] == "python" else args[1:]
        _parser().parse_args(args)  # SystemExit on a stale flag


def test_quick_start_says_to_activate_the_environment():
    assert ". .venv/bin/activate" in README
    last = (ROOT / "scripts" / "quickstart.sh").read_text().strip().splitlines()[-1]
    assert ". .venv/bin/activate" in last


@pytest.mark.slow
def test_readme_commands_run_verbatim_in_a_fresh_venv(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    # the fresh environment sees what set-up installed (offline here), then installs summeval
    purelib = sysconfig.get_paths()["purelib"]
    py = venv / "bin" / "python"
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "_setup_env.pth").write_text(purelib + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
         "--no-build-isolation", "-e", str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    work = tmp_path / "work"
    work.mkdir()
    for name in ("configs", "data", "docs"):
        (work / name).symlink_to(ROOT / name)
    env = {**os.environ, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    for cmd in RUN:
        proc = subprocess.run(
            cmd, shell=True, cwd=work, env=env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, f"{cmd}\n{proc.stderr[-2000:]}"
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, cmd
        if cmd == "python -m summeval run configs/base.yaml":
            _assert_both_tasks_scored(work / "results" / "base" / "table.md", n=16)
    assert (work / "results" / "leaderboard.md").exists()


def _assert_both_tasks_scored(table_md: Path, n: int) -> None:
    """The default run scores both tasks: every ROUGE cell of its table is a number, and n
    is every article used."""
    table = table_md.read_text(encoding="utf-8").splitlines()
    rows = [
        ln.split("|")[2:-1] for ln in table if ln.startswith(("| lead-1 |", "| smollm2-135m |"))
    ]
    assert len(rows) >= 2
    for cells in rows[:2]:
        assert len(cells) == 10 and not any("n/a" in c for c in cells), cells
        assert cells[4].strip() == cells[9].strip() == str(n)


def test_run_help_example_names_a_model_of_base_yaml():
    from summeval.config import load_config

    names = {m.name for m in load_config(ROOT / "configs" / "base.yaml").models}
    help_text = _parser()._subparsers._group_actions[0].choices["run"].format_help()
    used = set(re.findall(r"--set models\.([\w.-]+?)\.\w+=", " ".join(help_text.split())))
    assert used and used <= names, (used, names)


@pytest.mark.slow
def test_the_readme_python_example_runs(tmp_path, monkeypatch):
    """The Python API block of the README runs as written (from an empty folder: ``base``
    is the packaged config)."""
    (block,) = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README.md", "exec"), {})
    assert (tmp_path / "results" / "base" / "results.json").is_file()
