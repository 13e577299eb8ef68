"""PNG plots for leaderboards and reports (matplotlib, headless Agg backend).

Plots are byte-identical for identical input: no timestamps or software tags in the files.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from summeval.results import SHORT, write_atomic_bytes


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
