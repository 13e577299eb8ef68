"""PNG plots for leaderboards and reports (matplotlib, headless Agg backend).

Plots are byte-identical for identical input: no timestamps or software tags in the files.
So each is memoised in the cache folder by a hash of its input, summeval's and matplotlib's
versions: a rerun with the same numbers (every generation cached) neither imports matplotlib
(0.3-0.5 s) nor draws.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from summeval import __version__
from summeval.atomic import write_atomic_bytes
from summeval.cache import cache_root
from summeval.labels import SHORT


def _memo(kind: str, payload: Any, draw: Callable[[], bytes]) -> bytes:
    """The PNG drawn by ``draw`` for ``payload``, from the memo when it was drawn before."""
    try:
        mpl = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:
        mpl = "?"
    blob = json.dumps([kind, payload, __version__, mpl], sort_keys=True, default=str)
    path = cache_root() / "plots" / f"{hashlib.sha256(blob.encode()).hexdigest()[:32]}.png"
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = _plain_text(draw)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs drawing again
    return data


def _plain_text(draw: Callable[[], bytes]) -> bytes:
    """Draw with every label as plain text: labels are model and run names, and a '$' in
    one must print as '$', not start TeX math (names like 'm$_{a$' make mathtext raise)."""
    import matplotlib

    with matplotlib.rc_context({"text.parse_math": False}):
        return draw()


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def rouge_bars(
    title: str,
    labels: Sequence[str],
    measures: Sequence[str],
    scores: Sequence[dict[str, dict[str, float]]],
) -> bytes:
    """Grouped bars: per measure, one bar per model (F1 x100) with its interval as whiskers.

    ``scores[i][measure]`` holds ``fmeasure``, ``fmeasure_low`` and ``fmeasure_high`` (0-1).
    """
    payload = [title, list(labels), list(measures), list(scores)]
    return _memo("rouge_bars", payload, lambda: _rouge_bars(title, labels, measures, scores))


def _rouge_bars(
    title: str,
    labels: Sequence[str],
    measures: Sequence[str],
    scores: Sequence[dict[str, dict[str, float]]],
) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 + 0.45 * len(labels) * len(measures)), 3.6))
    width = 0.8 / max(len(labels), 1)
    for i, (label, s) in enumerate(zip(labels, scores, strict=True)):
        xs = [k + (i - (len(labels) - 1) / 2) * width for k in range(len(measures))]
        f = [100 * s[m]["fmeasure"] if m in s else 0.0 for m in measures]
        lo = [100 * (s[m]["fmeasure"] - s[m]["fmeasure_low"]) if m in s else 0 for m in measures]
        hi = [100 * (s[m]["fmeasure_high"] - s[m]["fmeasure"]) if m in s else 0 for m in measures]
        ax.bar(xs, f, width=width * 0.95, label=label, yerr=[lo, hi], capsize=3)
    ax.set_xticks(range(len(measures)), [SHORT.get(m, m) for m in measures])
    ax.set_ylabel("F1 (0-100), 95% interval")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def length_boxes(title: str, labels: Sequence[str], lengths: Sequence[Sequence[int]]) -> bytes:
    """Box plots of lengths in words, one per model and one for the references."""
    payload = [title, list(labels), [list(x) for x in lengths]]
    return _memo("length_boxes", payload, lambda: _length_boxes(title, labels, lengths))


def _length_boxes(title: str, labels: Sequence[str], lengths: Sequence[Sequence[int]]) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(5.0, 1.5 + 0.9 * len(labels)), 3.6))
    data = [list(x) if len(x) else [0] for x in lengths]
    ax.boxplot(data, showmeans=True)
    ax.set_xticks(range(1, len(labels) + 1), labels, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("length (words)")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def write_png(path: Path, data: bytes) -> None:
    write_atomic_bytes(path, data)


def heatmap(
    title: str,
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[float]],
) -> bytes:
    """A heat map of correlations (-1..1), each cell labelled with its value."""
    payload = [title, list(rows), list(cols), [list(v) for v in values]]
    return _memo("heatmap", payload, lambda: _heatmap(title, rows, cols, values))


def _heatmap(
    title: str,
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[float]],
) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(
        figsize=(max(4.0, 1.6 + 1.4 * len(cols)), max(2.5, 1.0 + 0.45 * len(rows)))
    )
    image = ax.imshow(values, cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=20, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            label = "n/a" if v != v else f"{v:.2f}"
            ax.text(j, i, label, ha="center", va="center", fontsize=8)
    fig.colorbar(image, ax=ax, fraction=0.05)
    ax.set_title(title)
    return _png(fig)
