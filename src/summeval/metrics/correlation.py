"""How well a metric agrees with people: correlations, their bootstrap intervals, and a
permutation test of one metric against another (Deutsch, Dror and Roth, TACL 2021).

Inputs are two ``systems x articles`` matrices: a metric's scores ``x`` and human scores
``y`` for the same (system, article) cells.

- **system level**: correlate the systems' mean scores (over articles);
- **summary level**: per article, correlate across systems, then average over articles
  (articles where a correlation is undefined, e.g. every system got the same human score,
  are left out of the average, as in SacreROUGE).

Coefficients: Kendall's tau-b, Spearman's rho and Pearson's r, vectorised over the leading
axes (so many articles and many resamples are one numpy call) and equal to ``scipy.stats``'
``kendalltau`` (tau-b), ``spearmanr`` and ``pearsonr`` on the same numbers.

Resampling (``systems``, ``articles`` or ``both``): bootstrap samples draw systems and/or
articles with replacement; the permutation test swaps the two metrics' (z-scored) scores
per system, per article or per cell and counts how often the difference in correlation is
at least the observed one (one-sided, H1: metric A correlates better than metric B).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

COEFFICIENTS = ("kendall", "spearman", "pearson")
LEVELS = ("system", "summary")
RESAMPLING = ("systems", "articles", "both")


def pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson's r along the last axis; NaN where either side is constant."""
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    num = (xc * yc).sum(axis=-1)
    den = np.sqrt((xc * xc).sum(axis=-1) * (yc * yc).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = num / den
    r = np.where(den > 0, r, np.nan)
    return np.clip(r, -1.0, 1.0)


def average_ranks(a: np.ndarray) -> np.ndarray:
    """1-based ranks along the last axis, tied values sharing their mean rank (what
    ``scipy.stats.rankdata`` gives by default; numpy alone, as scipy takes 1.4 s to import)."""
    a = np.asarray(a, dtype=np.float64)
    n = a.shape[-1]
    order = np.argsort(a, axis=-1, kind="stable")
    s = np.take_along_axis(a, order, axis=-1)
    pos = np.broadcast_to(np.arange(n), s.shape)
    starts = np.ones(s.shape, dtype=bool)
    starts[..., 1:] = s[..., 1:] != s[..., :-1]
    ends = np.ones(s.shape, dtype=bool)
    ends[..., :-1] = starts[..., 1:]
    first = np.maximum.accumulate(np.where(starts, pos, 0), axis=-1)
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, pos, n - 1), -1), axis=-1), -1)
    out = np.empty(s.shape, dtype=np.float64)
    np.put_along_axis(out, order, (first + last) / 2.0 + 1.0, axis=-1)
    return out


def spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho along the last axis: Pearson's r of average ranks (ties averaged)."""
    return pearson(average_ranks(x), average_ranks(y))


def kendall(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kendall's tau-b along the last axis: (concordant - discordant) pairs over the square
    root of (pairs not tied in x) x (pairs not tied in y); NaN where either has no such pair.

    Counted on boolean comparison matrices: an unordered pair is concordant when one of its
    two orders has ``x_i > x_j`` and ``y_i > y_j``, discordant when one has ``x_i > x_j``
    and ``y_i < y_j``, and untied in x when one has ``x_i > x_j``.
    """
    gx = x[..., :, None] > x[..., None, :]
    gy = y[..., :, None] > y[..., None, :]
    ly = y[..., :, None] < y[..., None, :]

    def count(m: np.ndarray) -> np.ndarray:  # 4x faster than count_nonzero over two axes
        return m.reshape(*m.shape[:-2], -1).sum(axis=-1, dtype=np.int64)

    num = count(gx & gy) - count(gx & ly)
    den = np.sqrt(count(gx).astype(np.float64) * count(gy))
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = num / den
    return np.where(den > 0, tau, np.nan)


_COEF: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "kendall": kendall,
    "spearman": spearman,
    "pearson": pearson,
}


def correlate(x: np.ndarray, y: np.ndarray, level: str, coefficient: str) -> np.ndarray:
    """The correlation of ``... x systems x articles`` matrices at one level; leading axes
    (e.g. resamples) are kept."""
    f = _COEF[coefficient]
    if level == "system":
        return f(x.mean(axis=-1), y.mean(axis=-1))
    if level == "summary":
        per_article = f(np.swapaxes(x, -1, -2), np.swapaxes(y, -1, -2))  # ... x articles
        with np.errstate(invalid="ignore"):
            valid = ~np.isnan(per_article)
            total = np.where(valid, per_article, 0.0).sum(axis=-1)
            count = valid.sum(axis=-1)
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)
    raise ValueError(f"level must be one of {LEVELS}, not {level!r}")


def resample_indices(
    rng: np.random.Generator, n_systems: int, n_articles: int, mode: str, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` bootstrap draws of system and article indices (with replacement on the
    resampled axes, all of them on the other): two arrays of shape (n, S) and (n, A)."""
    if mode not in RESAMPLING:
        raise ValueError(f"resampling must be one of {RESAMPLING}, not {mode!r}")
    systems = (
        rng.integers(0, n_systems, size=(n, n_systems))
        if mode in ("systems", "both")
        else np.broadcast_to(np.arange(n_systems), (n, n_systems))
    )
    articles = (
        rng.integers(0, n_articles, size=(n, n_articles))
        if mode in ("articles", "both")
        else np.broadcast_to(np.arange(n_articles), (n, n_articles))
    )
    return systems, articles


_CELLS_PER_CHUNK = 4_000_000  # bounds memory: ~32 MB per float64 temporary


def _cells(shape: tuple[int, ...], level: str, coefficient: str) -> int:
    """Temporaries one sample needs: Kendall at summary level compares every system pair."""
    s, a = shape
    if coefficient == "kendall":  # three boolean S x S matrices, a byte a cell (floats: 8)
        return max(1, (a if level == "summary" else 1) * s * s * 3 // 8)
    return s * a


def bootstrap_correlations(
    x: np.ndarray,
    y: np.ndarray,
    level: str,
    coefficient: str,
    mode: str = "both",
    n: int = 1000,
    seed: int = 0,
    chunk: int = 100,
) -> np.ndarray:
    """The correlation on each of ``n`` bootstrap samples (NaN where undefined). ``x`` may
    stack several metrics (``metrics x S x A``): each is then resampled with the same draws,
    and the result is ``n x metrics``."""
    rng = np.random.default_rng(seed)
    sys_idx, art_idx = resample_indices(rng, y.shape[0], y.shape[1], mode, n)
    stacked = x.ndim == 3
    per = _cells(y.shape, level, coefficient) * (x.shape[0] if stacked else 1)
    chunk = max(1, min(chunk, _CELLS_PER_CHUNK // per))
    out = np.empty((n, x.shape[0]) if stacked else n)
    for start in range(0, n, chunk):
        s = sys_idx[start : start + chunk]
        a = art_idx[start : start + chunk]
        cells = (s[:, :, None], a[:, None, :])
        # chunk x [M] x S x A, contiguous: the means then sum each row in the same order
        xs = np.ascontiguousarray(x[:, cells[0], cells[1]].swapaxes(0, 1)) if stacked else x[cells]
        ys = y[cells][:, None] if stacked else y[cells]
        out[start : start + chunk] = correlate(xs, ys, level, coefficient)
    return out


def percentile_interval(samples: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """The percentile interval of the defined bootstrap values (NaN if none is defined)."""
    vals = samples[~np.isnan(samples)]
    if not len(vals):
        return float("nan"), float("nan")
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(vals, [alpha, 1 - alpha])
    return float(lo), float(hi)


def zscore(x: np.ndarray) -> np.ndarray:
    """Scores on a common scale (mean 0, sd 1 over all cells) so two metrics can swap."""
    sd = x.std()
    return (x - x.mean()) / (sd if sd > 0 else 1.0)


def permutation_test(
    xa: np.ndarray,
    xb: np.ndarray,
    y: np.ndarray,
    level: str,
    coefficient: str,
    mode: str = "both",
    n: int = 1000,
    seed: int = 0,
) -> dict[str, float]:
    """Is metric A's correlation with ``y`` higher than metric B's? The observed difference
    and a one-sided p-value from ``n`` random swaps of the two metrics' z-scored scores per
    system (``systems``), article (``articles``) or cell (``both``); ``p_reverse`` is B
    against A on the same swaps (what ``permutation_test(xb, xa, ...)`` gives)."""
    a, b = zscore(xa), zscore(xb)
    observed = float(correlate(xa, y, level, coefficient) - correlate(xb, y, level, coefficient))
    rng = np.random.default_rng(seed)
    s, m = a.shape
    if mode == "systems":
        swap = rng.random((n, s, 1)) < 0.5
    elif mode == "articles":
        swap = rng.random((n, 1, m)) < 0.5
    elif mode == "both":
        swap = rng.random((n, s, m)) < 0.5
    else:
        raise ValueError(f"resampling must be one of {RESAMPLING}, not {mode!r}")
    swap = np.broadcast_to(swap, (n, s, m))
    step = max(1, _CELLS_PER_CHUNK // _cells(a.shape, level, coefficient))
    parts = []
    for start in range(0, n, step):
        sw = swap[start : start + step]
        pa = np.where(sw, b, a)
        pb = np.where(sw, a, b)
        parts.append(correlate(pa, y, level, coefficient) - correlate(pb, y, level, coefficient))
    diffs = np.concatenate(parts)
    diffs = diffs[~np.isnan(diffs)]
    p = (np.sum(diffs >= observed - 1e-12) + 1) / (len(diffs) + 1)
    # B against A swaps the same cells: its differences are these, negated
    p_reverse = (np.sum(diffs <= observed + 1e-12) + 1) / (len(diffs) + 1)
    return {"delta": observed, "p": float(p), "permutations": len(diffs),
            "p_reverse": float(p_reverse)}  # fmt: skip
