"""Runs the official ROUGE-1.5.5 Perl script (the test oracle) on given texts.

The script comes from ``scripts/rouge155_setup.sh`` with ``EMPTY_EXC_DB=1`` (plain
Porter stemming); ``scripts/test.sh`` installs it and exports ``ROUGE155_HOME``.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_AVG = re.compile(
    r"^\S+ (ROUGE-\S+) Average_([RPF]): ([0-9.]+) \(\d+%-conf\.int\. ([0-9.]+) - ([0-9.]+)\)$"
)
_EVAL = re.compile(r"^\S+ (ROUGE-\S+) Eval (\d+)\.\S+ R:(\S+) P:(\S+) F:(\S+)$")


@dataclass
class PerlResult:
    """What the script printed: averages with intervals, and per-article values."""

    average: dict[str, dict[str, tuple[float, float, float]]]  # measure -> R/P/F -> (avg, lo, hi)
    per_article: dict[str, list[tuple[float, float, float]]]  # measure -> [(R, P, F)] by article


def run_rouge155(
    home: Path,
    workdir: Path,
    predictions: list[list[str]],
    references: list[list[list[str]]],
    options: list[str],
) -> PerlResult:
    """Score texts given as lists of lines (one sentence per line) with ROUGE-1.5.5.

    ``options`` are the script's own (e.g. ``-n 4 -m -s -l 20 -t 2``); ``-a -d -e`` are added.
    Articles are named 0000, 0001, ... so the script keeps their order.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    evals = []
    for i, (pred, refs) in enumerate(zip(predictions, references, strict=True)):
        (workdir / f"p{i:04d}.txt").write_text("".join(f"{s}\n" for s in pred), encoding="utf-8")
        models = []
        for j, ref in enumerate(refs):
            name = f"m{i:04d}_{j}.txt"
            (workdir / name).write_text("".join(f"{s}\n" for s in ref), encoding="utf-8")
            models.append(f'<M ID="{j}">{name}</M>')
        evals.append(
            f'<EVAL ID="{i:04d}"><PEER-ROOT>{workdir}</PEER-ROOT><MODEL-ROOT>{workdir}</MODEL-ROOT>'
            f'<INPUT-FORMAT TYPE="SPL"></INPUT-FORMAT><PEERS><P ID="sys">p{i:04d}.txt</P></PEERS>'
            f"<MODELS>{''.join(models)}</MODELS></EVAL>"
        )
    config = workdir / "config.xml"
    config.write_text('<ROUGE-EVAL version="1.0">' + "".join(evals) + "</ROUGE-EVAL>\n")
    cmd = ["perl", str(home / "ROUGE-1.5.5.pl"), "-e", str(home / "data"), "-a", "-d"]
    proc = subprocess.run(
        [*cmd, *options, str(config)], capture_output=True, text=True, check=True, timeout=600
    )
    average: dict[str, dict[str, tuple[float, float, float]]] = {}
    per_article: dict[str, list[tuple[float, float, float]]] = {}
    for line in proc.stdout.splitlines():
        if m := _AVG.match(line):
            average.setdefault(m[1], {})[m[2]] = (float(m[3]), float(m[4]), float(m[5]))
        elif m := _EVAL.match(line):
            per_article.setdefault(m[1], []).append((float(m[3]), float(m[4]), float(m[5])))
    return PerlResult(average, per_article)
