"""Bootstrap and paired tests: Perl's generator reproduced, fixed seeds, p-value behaviour."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from summeval.metrics.resampling import (
    _drand48_indices,
    approximate_randomization,
    bootstrap_indices,
    bootstrap_means,
    interval,
    paired_bootstrap,
)
from summeval.metrics.significance import ModelScores, compare_models


def test_drand48_draws_equal_perls_rand():
    # perl -e 'srand(0); print int(rand(1000)) ...' prints 170 749 96 (drand48 since 5.20)
    assert _drand48_indices(1000, np.array([0]))[0, :3].tolist() == [170, 749, 96]
    try:
        perl = subprocess.run(
            [
                "perl",
                "-e",
                "for $s (0..2) { srand($s); print join(' ', map {int(rand(37))} 1..37), qq(\\n) }",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("perl is not installed")
    expected = [[int(x) for x in line.split()] for line in perl.splitlines()]
    assert _drand48_indices(37, np.arange(3)).tolist() == expected


def test_interval_uses_rouge155_percentiles():
    samples = np.arange(1000, dtype=float)[::-1]
    assert interval(samples, 0.95) == (25.0, 974.0)
    assert interval(np.array([3.0]), 0.95) == (3.0, 3.0)


def test_resamples_are_fixed_by_seed_and_chunked_consistently():
    a = np.concatenate(list(bootstrap_indices(7, 50, "numpy", 3)))
    b = np.concatenate(list(bootstrap_indices(7, 50, "numpy", 3)))
    assert (a == b).all() and a.shape == (50, 7) and a.min() >= 0 and a.max() < 7
    perl = np.concatenate(list(bootstrap_indices(7, 50, "rouge155", 0)))
    assert (perl == _drand48_indices(7, np.arange(50))).all()
    v = np.linspace(0, 1, 40)
    assert np.array_equal(bootstrap_means(v, 200), bootstrap_means(v, 200))
    assert bootstrap_means(np.stack([v, v]), 10).shape == (2, 10)


def test_paired_tests_on_identical_and_clearly_different_systems():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.2, 0.4, size=200)
    assert paired_bootstrap(base, base) == 1.0
    assert approximate_randomization(base, base) == 1.0
    better = base + 0.05 + rng.normal(0, 0.01, size=200)
    assert paired_bootstrap(better, base) < 0.01
    assert approximate_randomization(better, base, trials=2000) < 0.01
    noise = base + rng.normal(0, 0.05, size=200)
    assert paired_bootstrap(noise, base) > 0.05
    assert approximate_randomization(noise, base, trials=2000) > 0.05
    # one article: no distribution to test against
    assert paired_bootstrap(np.array([1.0]), np.array([0.0])) == 1.0
    assert approximate_randomization(np.array([1.0]), np.array([0.0])) == 1.0


def test_compare_models_pairs_only_shared_articles():
    a = ModelScores(["1", "2", "3", "4"], {"rouge1": np.array([0.5, 0.6, 0.7, 0.9])})
    b = ModelScores(["4", "3", "2", "9"], {"rouge1": np.array([0.9, 0.7, 0.6, 0.0])})
    [test] = compare_models({"a": a, "b": b}, "b", permutations=100)
    r = test["measures"]["rouge1"]
    assert test["system"] == "a" and r["n"] == 3 and r["delta"] == 0.0
    assert r["paired_bootstrap_p"] == 1.0 and not r["significant"]
    c = ModelScores(["1"], {"rouge1": np.array([0.1])})
    pairs = compare_models({"a": a, "b": b, "c": c}, "b", all_pairs=True, permutations=10)
    assert [(t["system"], t["baseline"]) for t in pairs] == [("b", "a"), ("c", "a"), ("c", "b")]
    assert compare_models({"a": a}, "missing") == []
