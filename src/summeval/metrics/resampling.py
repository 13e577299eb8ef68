"""Bootstrap confidence intervals and paired significance tests over per-article scores.

Everything here works on per-article values (numpy arrays), so the expensive part of ROUGE
(tokens, n-grams, LCS) is never redone. Two ways to draw bootstrap resamples:

- ``rouge155``: ROUGE-1.5.5's. Resample ``i`` of ``R`` reseeds Perl's ``rand`` (drand48)
  with ``seed * R + i`` and draws ``int(rand(n))`` n times. With seed 0 (the default) the
  intervals equal the Perl script's own; other seeds give disjoint sets of resamples.
- ``numpy``: numpy's PCG64 generator seeded with ``seed``.

Both are fixed by their seed, so intervals are identical across reruns and machines.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

RESAMPLERS = ("rouge155", "numpy")
_DRAND48_A = np.uint64(0x5DEECE66D)
_DRAND48_C = np.uint64(0xB)
_MASK48 = np.uint64((1 << 48) - 1)
_CHUNK_CELLS = 4_000_000  # resample indices held at once (32 MB of int64)


def _drand48_indices(n: int, seeds: np.ndarray) -> np.ndarray:
    """For each seed, Perl's ``srand(seed); int(rand(n))`` drawn n times: shape (seeds, n).

    The j-th state of drand48's LCG is ``A_j * x0 + C_j`` (mod 2**48) with ``A_j = A**j``
    and ``C_j = C * (A**(j-1) + ... + 1)``: all n draws of all seeds in one array operation
    (uint64 products wrap mod 2**64, which 2**48 divides)."""
    a = np.empty(n, dtype=np.uint64)
    c = np.empty(n, dtype=np.uint64)
    aj, cj, big_a, big_c, mask = 1, 0, int(_DRAND48_A), int(_DRAND48_C), int(_MASK48)
    for j in range(n):
        aj, cj = (aj * big_a) & mask, (cj * big_a + big_c) & mask
        a[j], c[j] = aj, cj
    x0 = (seeds.astype(np.uint64) << np.uint64(16)) | np.uint64(0x330E)
    x = (x0[:, None] * a[None, :] + c[None, :]) & _MASK48
    return (x.astype(np.float64) * (2.0**-48 * n)).astype(np.int64)


def bootstrap_indices(
    n: int, resamples: int, method: str = "rouge155", seed: int = 0
) -> Iterator[np.ndarray]:
    """Resamples of ``range(n)`` with replacement, in chunks of rows of length n."""
    if method not in RESAMPLERS:
        raise ValueError(f"unknown resampler {method!r}; choose one of {RESAMPLERS}")
    rows = max(1, _CHUNK_CELLS // max(n, 1))
    rng = np.random.default_rng(seed) if method == "numpy" else None
    for start in range(0, resamples, rows):
        k = min(rows, resamples - start)
        if rng is not None:
            yield rng.integers(0, n, size=(k, n))
        else:
            first = seed * resamples + start
            yield _drand48_indices(n, np.arange(first, first + k))


def bootstrap_means(
    values: np.ndarray, resamples: int, method: str = "rouge155", seed: int = 0
) -> np.ndarray:
    """Means of each resample; ``values`` is (n,) or (k, n) for k series resampled together."""
    v = np.atleast_2d(np.asarray(values, dtype=np.float64))
    n = v.shape[1]
    out = np.empty((v.shape[0], resamples))
    done = 0
    for idx in bootstrap_indices(n, resamples, method, seed):
        # How often each item is drawn in each resample, then one matrix product: the same
        # means as gathering v[:, idx] (up to summation order), without a (series, k, n) copy.
        k = len(idx)
        cells = (idx + (np.arange(k, dtype=np.int64) * n)[:, None]).ravel()
        weights = np.bincount(cells, minlength=k * n).reshape(k, n).astype(np.float64)
        out[:, done : done + k] = (v @ weights.T) / n
        done += k
    return out if np.ndim(values) == 2 else out[0]


def interval(samples: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """ROUGE-1.5.5's percentile interval over bootstrap samples (for 1000 samples at 95%: the
    26th smallest and the 975th smallest)."""
    s = np.sort(np.asarray(samples, dtype=np.float64))
    r = len(s)
    delta = r * (1.0 - confidence) / 2.0
    upper_a = int(r - delta - 1)
    lower_a = int(delta)
    ratio = r - delta - 1 - upper_a
    upper_b = min(upper_a + 1, r - 1)
    lower_b = min(lower_a + 1, r - 1)
    low = s[lower_a] + (s[lower_b] - s[lower_a]) * ratio
    high = s[upper_a] + (s[upper_b] - s[upper_a]) * ratio
    return float(low), float(high)


def paired_bootstrap(
    system: np.ndarray,
    baseline: np.ndarray,
    resamples: int = 1000,
    method: str = "rouge155",
    seed: int = 0,
) -> float:
    """Two-sided p-value that the mean difference is zero (Koehn 2004, null-centred as in
    sacrebleu): the share of resampled differences at least as far from their mean as the
    observed difference is from zero, with +1 smoothing."""
    diff = np.asarray(system, dtype=np.float64) - np.asarray(baseline, dtype=np.float64)
    if diff.size < 2:  # one article has no sampling distribution to test against
        return 1.0
    observed = abs(diff.mean())
    means = bootstrap_means(diff, resamples, method, seed)
    extreme = np.count_nonzero(np.abs(means - means.mean()) >= observed - 1e-12)
    return float((extreme + 1) / (resamples + 1))


def approximate_randomization(
    system: np.ndarray, baseline: np.ndarray, trials: int = 10_000, seed: int = 0
) -> float:
    """Two-sided p-value of a paired permutation test (approximate randomisation, Riezler and
    Maxwell 2005): each trial swaps the two systems' outputs on a random half of the articles."""
    diff = np.asarray(system, dtype=np.float64) - np.asarray(baseline, dtype=np.float64)
    n = diff.size
    if n == 0:
        return 1.0
    observed = abs(diff.mean())
    rng = np.random.default_rng(seed)
    rows = max(1, _CHUNK_CELLS // n)
    extreme = 0
    for start in range(0, trials, rows):
        k = min(rows, trials - start)
        signs = rng.integers(0, 2, size=(k, n), dtype=np.int8) * 2 - 1
        extreme += int(np.count_nonzero(np.abs(signs @ diff) / n >= observed - 1e-12))
    return float((extreme + 1) / (trials + 1))
