"""SummaC (Laban et al., TACL 2022): is each output sentence entailed by the article?

An NLI model rates every (article chunk, output chunk) pair; the "image" holds the
entailment, contradiction and neutral probabilities, shape (3, article chunks, output
chunks). From it:

- SummaC-ZS = mean over output chunks of (max entailment - max contradiction), each max over
  the article's chunks: from -1 (contradicted) to 1 (entailed).
- SummaC-Conv = each output chunk's entailment column as a histogram over 23 percentile bins,
  through the published 1-D convolution (a linear layer over the bins), the mean over the
  first 10 output chunks, then the final linear layer and a softmax: P(consistent), 0-1.

Both as the ``summac`` package (0.0.4) computes them: chunks of 10 characters or fewer are
dropped, the article keeps its first 100 chunks, and a pair with no chunk on either side gives
an all-zero 1 x 1 image. The NLI model runs elsewhere (``summeval.nli``); this module is numbers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import numpy as np

GRANULARITIES = ("sentence", "paragraph", "document")
MIN_CHUNK_CHARS = 10  # chunks this long or shorter are dropped (summac: len(chunk) > 10)
MAX_ARTICLE_CHUNKS = 100
CONV_ROWS = 10  # SummaC-Conv reads the first 10 output chunks
# summac's "percentile" bin edges: 23 bins
PERCENTILE_BINS = (0.0, 0.01, 0.02, 0.03, 0.04, 0.07, 0.13, 0.37, 0.90, 0.91, 0.92, 0.93,
                   0.94, 0.95, 0.955, 0.96, 0.965, 0.97, 0.975, 0.98, 0.985, 0.99, 0.995,
                   1.0)  # fmt: skip
CONV_WEIGHTS = "summac_conv_vitc_sent_perc_e.json"


def paragraphs(text: str) -> list[str]:
    """Paragraphs as summac splits them: on blank lines if there are any, else on lines."""
    parts = text.split("\n\n") if "\n\n" in text else text.split("\n")
    return [p.strip() for p in parts]


def chunks(text: str, granularity: str, split_sentences: Callable[[str], list[str]]) -> list[str]:
    """A text cut into the units the NLI model compares, short ones dropped."""
    if granularity == "document":
        return [text]  # summac keeps a document whole, however short
    parts = split_sentences(text) if granularity == "sentence" else paragraphs(text)
    return [p for p in parts if len(p) > MIN_CHUNK_CHARS]


def pairs(article_chunks: list[str], output_chunks: list[str]) -> list[tuple[int, int]]:
    """(article chunk, output chunk) index pairs, in summac's order."""
    return [(i, j) for i in range(len(article_chunks)) for j in range(len(output_chunks))]


def image_from(probs: np.ndarray, n_article: int, n_output: int) -> np.ndarray:
    """The (3, article, output) image from per-pair [entail, contradict, neutral] rows in
    ``pairs`` order; no pair: the all-zero (3, 1, 1) image."""
    if n_article == 0 or n_output == 0:
        return np.zeros((3, 1, 1))
    return probs.reshape(n_article, n_output, 3).transpose(2, 0, 1).astype(np.float64)


def zs_score(image: np.ndarray) -> float:
    """SummaC-ZS: mean over output chunks of max entailment - max contradiction."""
    return float(np.mean(image[0].max(axis=0) - image[1].max(axis=0)))


@dataclass(frozen=True)
class ConvWeights:
    """The SummaC-Conv layers: 23 bin weights and a bias, then a 2 x 3 layer and its bias."""

    mlp_weight: np.ndarray
    mlp_bias: float
    final_weight: np.ndarray
    final_bias: np.ndarray

    @classmethod
    def published(cls) -> ConvWeights:
        """The weights of the SummaC paper (see metrics/data/README.md)."""
        path = resources.files("summeval.metrics").joinpath(f"data/{CONV_WEIGHTS}")
        doc = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            np.asarray(doc["mlp_weight"], dtype=np.float64),
            float(doc["mlp_bias"]),
            np.asarray(doc["final_weight"], dtype=np.float64),
            np.asarray(doc["final_bias"], dtype=np.float64),
        )


def conv_score(image: np.ndarray, weights: ConvWeights) -> float:
    """SummaC-Conv: P(consistent) from the histograms of the entailment columns."""
    n_output = image.shape[2]
    rows = [
        np.histogram(image[0, :, j], bins=PERCENTILE_BINS, range=(0, 1))[0]
        for j in range(min(n_output, CONV_ROWS))
    ]
    used = sum(1 for r in rows if r.sum() != 0)  # summac: rows whose histogram is not empty
    if used == 0:
        feature = 0.0
    else:
        out = np.asarray(rows[:used], dtype=np.float64) @ weights.mlp_weight + weights.mlp_bias
        feature = float(out.mean())
    logits = weights.final_weight @ np.full(3, feature) + weights.final_bias
    exp = np.exp(logits - logits.max())
    return float(exp[1] / exp.sum())
