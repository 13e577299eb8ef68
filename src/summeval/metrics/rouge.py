"""ROUGE-1/2/L/Lsum through rouge-score, per article and averaged over articles.

ROUGE-Lsum needs sentences on separate lines; both prediction and references are split
with the offline splitter in ``summeval.sentences`` first, so it never silently equals
ROUGE-L. With several references the best one per measure counts (rouge-score's
``score_multi``). Scores are on a 0-1 scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from rouge_score import rouge_scorer

from summeval.sentences import SPLITTER_NAME, split_sentences

Scores = dict[str, dict[str, float]]


def _lsum_text(text: str) -> str:
    return "\n".join(split_sentences(text))


@dataclass
class RougeScorer:
    """Scores one prediction against one or more references."""

    types: tuple[str, ...] = ("rouge1", "rouge2", "rougeL", "rougeLsum")
    use_stemmer: bool = True

    def __post_init__(self) -> None:
        self._scorer = rouge_scorer.RougeScorer(list(self.types), use_stemmer=self.use_stemmer)

    @property
    def signature(self) -> str:
        """How these numbers were made, sacrebleu style."""
        stem = "porter" if self.use_stemmer else "no"
        return (
            f"rouge|multi:max|stem:{stem}|tok:rouge-score|split:{SPLITTER_NAME}"
            f"|v:rouge-score-{version('rouge-score')}"
        )

    def score(self, prediction: str, references: list[str]) -> Scores | None:
        """Per-measure precision/recall/F1; None when there is no reference."""
        refs = [r for r in references if r.strip()]
        if not refs:
            return None
        pred = _lsum_text(prediction)
        targets = [_lsum_text(r) for r in refs]
        if len(targets) == 1:
            result = self._scorer.score(targets[0], pred)
        else:
            result = self._scorer.score_multi(targets, pred)
        return {
            name: {"precision": s.precision, "recall": s.recall, "fmeasure": s.fmeasure}
            for name, s in result.items()
        }


def average(per_article: list[Scores | None]) -> dict[str, Any]:
    """Mean precision/recall/F1 per measure over the articles that have references."""
    scored = [s for s in per_article if s is not None]
    out: dict[str, Any] = {"n_scored": len(scored), "n_unscored": len(per_article) - len(scored)}
    if not scored:
        return out
    for name in scored[0]:
        for part in ("precision", "recall", "fmeasure"):
            out[f"{name}_{part}"] = sum(s[name][part] for s in scored) / len(scored)
    return out
