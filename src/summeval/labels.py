"""Names and notes every table shares: measure order and short labels, the small-n note.

A leaf module (no imports of ours), so that ``summeval score`` prints its table without
loading the run machinery.
"""

from __future__ import annotations

from typing import Any

# ROUGE, then the metrics beside it; every measure's ``fmeasure`` is the number tables show
# and tests compare (F1 for ROUGE and BERTScore, the cosine for embedding similarity).
MEASURES = ("rouge1", "rouge2", "rouge3", "rouge4", "rougeL", "rougeLsum", "bertscore", "embedding",
            "bleu", "chrf", "ter", "summac_zs", "summac_conv", "hallucination")  # fmt: skip
LOWER_IS_BETTER = frozenset({"ter", "hallucination"})  # ▲ marks a lower value for these
SHORT = {
    "rouge1": "R-1",
    "rouge2": "R-2",
    "rouge3": "R-3",
    "rouge4": "R-4",
    "rougeL": "R-L",
    "rougeLsum": "R-Lsum",
    "bertscore": "BERTScore",
    "embedding": "Emb-cos",
    "bleu": "BLEU (sent.)",
    "chrf": "chrF (sent.)",
    "ter": "TER (sent.)",
    "hallucination": "Halluc.",
    "summac_zs": "SummaC-ZS",
    "summac_conv": "SummaC-Conv",
    **{
        f"judge_{d}": f"Judge {d}"
        for d in ("coherence", "consistency", "fluency", "relevance", "faithfulness",
                  "informativeness")
    },
}  # fmt: skip


# Below this many scored articles a bootstrap interval or a p-value says little (from 1
# article the interval has zero width and p = 1): tables, report and leaderboard say so.
MIN_INTERVAL_N = 10


def small_n_note(n: int) -> str:
    """The warning shown beside scores computed on fewer than ``MIN_INTERVAL_N`` articles."""
    return (
        f"only {n} article(s) scored: with fewer than {MIN_INTERVAL_N}, intervals and p-values "
        "say little (use more articles)"
    )


def format_stat(stats: dict[str, Any], key: str, scale: float, digits: int) -> str:
    """One data statistic for a table cell; ``n/a`` where it is not defined."""
    v = stats.get(key)
    return "n/a" if v is None else f"{scale * v:.{digits}f}"
