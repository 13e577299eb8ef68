"""Meta-evaluation: correlations against scipy.stats (exact), resampling and permutation
tests against hand-computed cases, and ``summeval meta-eval`` on REALSumm."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from summeval.metrics.correlation import (
    average_ranks,
    bootstrap_correlations,
    correlate,
    kendall,
    pearson,
    percentile_interval,
    permutation_test,
    resample_indices,
    spearman,
)

from .conftest import ROOT

REALSUMM = ROOT / "data" / "realsumm" / "realsumm_meta.jsonl"


def _grid(seed: int, s: int = 7, a: int = 9, ties: bool = True) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(s, a))
    y = x + rng.normal(scale=1.0, size=(s, a))
    if ties:  # human scores on a coarse scale, and a metric with ties
        y = np.round(y * 2) / 2
        x = np.round(x, 1)
    return x, y


@pytest.mark.parametrize("seed", range(6))
def test_coefficients_equal_scipy(seed: int) -> None:
    x, y = _grid(seed)
    for i in range(x.shape[0]):
        assert kendall(x[i], y[i]) == pytest.approx(
            stats.kendalltau(x[i], y[i]).statistic, abs=1e-12
        )
        assert spearman(x[i], y[i]) == pytest.approx(
            stats.spearmanr(x[i], y[i]).statistic, abs=1e-12
        )
        assert pearson(x[i], y[i]) == pytest.approx(stats.pearsonr(x[i], y[i]).statistic, abs=1e-12)
    # vectorised over rows equals row by row
    np.testing.assert_allclose(
        kendall(x, y),
        [stats.kendalltau(a, b).statistic for a, b in zip(x, y, strict=True)],
        atol=1e-12,
    )


@pytest.mark.parametrize("coef", ["kendall", "spearman", "pearson"])
def test_levels_equal_scipy(coef: str) -> None:
    x, y = _grid(11)
    f = {"kendall": stats.kendalltau, "spearman": stats.spearmanr, "pearson": stats.pearsonr}[coef]
    system = f(x.mean(axis=1), y.mean(axis=1)).statistic
    assert correlate(x, y, "system", coef) == pytest.approx(system, abs=1e-12)
    per_article = [f(x[:, j], y[:, j]).statistic for j in range(x.shape[1])]
    assert correlate(x, y, "summary", coef) == pytest.approx(np.nanmean(per_article), abs=1e-12)


def test_summary_level_skips_undefined_articles() -> None:
    x = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    y = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])  # article 2: every system the same
    assert np.isnan(kendall(x[:, 1], y[:, 1]))
    assert correlate(x, y, "summary", "kendall") == 1.0


def test_bootstrap_equals_a_hand_computed_resampling() -> None:
    """Each bootstrap value is scipy's correlation on the drawn systems and articles."""
    x, y = _grid(3, s=6, a=5)
    n, seed = 40, 7
    for mode in ("systems", "articles", "both"):
        for level in ("system", "summary"):
            got = bootstrap_correlations(x, y, level, "kendall", mode, n, seed)
            sys_idx, art_idx = resample_indices(np.random.default_rng(seed), 6, 5, mode, n)
            for k in range(n):
                xs = x[np.ix_(sys_idx[k], art_idx[k])]
                ys = y[np.ix_(sys_idx[k], art_idx[k])]
                if level == "system":
                    want = stats.kendalltau(xs.mean(1), ys.mean(1)).statistic
                else:
                    vals = [stats.kendalltau(xs[:, j], ys[:, j]).statistic for j in range(5)]
                    vals = [v for v in vals if not np.isnan(v)]
                    want = np.mean(vals) if vals else np.nan
                if np.isnan(want):
                    assert np.isnan(got[k])
                else:
                    assert got[k] == pytest.approx(want, abs=1e-12), (mode, level, k)
    # systems only: every draw keeps all articles
    s_idx, a_idx = resample_indices(np.random.default_rng(0), 4, 3, "systems", 5)
    assert (a_idx == np.arange(3)).all() and s_idx.shape == (5, 4)


def test_interval_of_a_perfect_metric_is_a_point() -> None:
    y = np.arange(20, dtype=float).reshape(5, 4) + np.arange(5)[:, None] * 10
    boots = bootstrap_correlations(y * 2 + 1, y, "system", "pearson", "both", 200, 0)
    assert percentile_interval(boots) == pytest.approx((1.0, 1.0))
    assert percentile_interval(np.array([0.1, 0.2, 0.3, 0.4, 0.5]), 0.5) == pytest.approx(
        (0.2, 0.4)
    )


def test_permutation_test_hand_cases() -> None:
    x, y = _grid(5, s=10, a=12, ties=False)
    noise = np.random.default_rng(1).normal(size=x.shape)
    good = permutation_test(y, noise, y, "summary", "kendall", "both", 500, 0)
    assert good["delta"] > 0.5 and good["p"] < 0.01
    same = permutation_test(x, x, y, "system", "kendall", "both", 200, 0)
    assert same["delta"] == 0.0 and same["p"] == 1.0  # swapping equal scores changes nothing
    # p = (#{perm diff >= observed} + 1) / (n + 1): never 0
    assert good["p"] >= 1 / 501


def test_meta_eval_on_realsumm(tmp_path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "summeval", "meta-eval", str(REALSUMM), "--metrics",
         "rouge1,rouge2,rougeL", "--output-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "## System level: litepyramid_recall" in proc.stdout
    assert "| R-1 |" in proc.stdout and "Kendall τ-b" in proc.stdout
    doc = json.loads((tmp_path / "meta_eval.json").read_text())
    assert doc["n_systems"] == 24 and doc["n_articles"] == 100
    r1 = doc["correlations"]["summary"]["litepyramid_recall"]["rouge1"]["kendall"]
    assert r1["low"] < r1["value"] < r1["high"]
    assert (tmp_path / "meta_eval_heatmap.png").stat().st_size > 1000
    assert (tmp_path / "meta_eval.csv").read_text().startswith("level,human,metric")
    # the metric scores are the ones summeval score gives
    from summeval.metaeval import read_judged, rouge_metrics
    from summeval.metrics.rouge import settings_for

    judged = read_judged(REALSUMM)
    values, sig = rouge_metrics(settings_for("rouge155", resamples=1))["rouge1"](
        judged.predictions[:5], judged.references[:5]
    )
    assert sig.startswith("rouge|profile:rouge155") and len(values) == 5


def test_meta_eval_bad_input_is_one_line(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    rows = [
        {"id": "a", "system": "s1", "prediction": "x", "references": ["x"], "human": {"h": 1}},
        {"id": "a", "system": "s2", "prediction": "y", "references": ["x"], "human": {"h": 2}},
        {"id": "b", "system": "s1", "prediction": "x", "references": ["x"], "human": {"h": 1}},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = subprocess.run(
        [sys.executable, "-m", "summeval", "meta-eval", str(path), "--output-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and "system 's2' on 'b'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_meta_eval_model_metrics_use_the_run_code(tmp_path) -> None:
    """bertscore and embedding in meta-eval: the scores and signatures of a run's defaults."""
    from summeval.config import BertScoreConfig
    from summeval.metaeval import Judged, meta_evaluate, metric_functions
    from summeval.metrics.rouge import settings_for
    from summeval.scorers import BertScoreScorer

    rows = [json.loads(x) for x in REALSUMM.read_text().splitlines()[:48]]  # 2 articles
    systems = sorted({r["system"] for r in rows})
    cells = {(r["system"], r["id"]): r for r in rows}
    articles = list(dict.fromkeys(r["id"] for r in rows))
    order = [cells[(s, a)] for s in systems for a in articles]
    judged = Judged(
        systems, articles, [r["prediction"] for r in order], [r["references"] for r in order],
        {"h": np.array([[cells[(s, a)]["human"]["litepyramid_recall"] for a in articles]
                        for s in systems])},
    )  # fmt: skip
    fns = metric_functions(["rouge1", "bertscore"], settings_for("rouge155", resamples=1))
    doc = meta_evaluate(judged, fns, bootstrap=50, permutations=50)
    assert doc["signatures"]["bertscore"].startswith("bertscore|model:")
    values, _ = fns["bertscore"](judged.predictions[:3], judged.references[:3])
    direct, _ = BertScoreScorer(BertScoreConfig()).score(
        judged.predictions[:3], judged.references[:3], [r for g in judged.references[:3] for r in g]
    )
    np.testing.assert_allclose(values, direct["fmeasure"])
    assert set(doc["correlations"]["system"]["h"]) == {"rouge1", "bertscore"}


def test_meta_eval_faithfulness_and_sacrebleu_metrics(tmp_path) -> None:
    """bleu, chrf and hallucination in meta-eval: source-based metrics read the articles
    (--articles or an article field); lower-is-better ones are correlated negated."""
    rows = [json.loads(x) for x in REALSUMM.read_text().splitlines()[:72]]  # 3 articles
    small = tmp_path / "small.jsonl"
    small.write_text("".join(json.dumps(r) + "\n" for r in rows))
    articles = ROOT / "data" / "realsumm" / "realsumm_articles.jsonl"

    def meta(path, *extra):
        return subprocess.run(
            [sys.executable, "-m", "summeval", "meta-eval", str(path), "--metrics",
             "rouge1,bleu,chrf,hallucination", "--bootstrap", "50", "--permutations", "50",
             "--output-dir", str(tmp_path / "out"), *extra],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    shipped = subprocess.run(  # the acceptance command: REALSumm's articles found beside it
        [sys.executable, "-m", "summeval", "meta-eval", "data/realsumm/realsumm_meta.jsonl",
         "--metrics", "rouge1,bleu,chrf,hallucination", "--bootstrap", "20",
         "--permutations", "20", "--output-dir", str(tmp_path / "shipped")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert shipped.returncode == 0, shipped.stderr
    assert "summeval: articles from data/realsumm/realsumm_articles.jsonl" in shipped.stderr
    assert "| −Halluc. (negated) |" in shipped.stdout
    missing = meta(small)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "summeval: error: --metrics: 'hallucination' reads each summary's article, and the "
        "file gives none; add an 'article' field to each line, or give --articles FILE "
        '({"id", "article"} lines, e.g. data/realsumm/realsumm_articles.jsonl)'
    ]
    proc = meta(small, "--articles", str(articles))
    assert proc.returncode == 0, proc.stderr
    assert "| −Halluc. (negated) |" in proc.stdout and "| chrF (sent.) |" in proc.stdout
    doc = json.loads((tmp_path / "out" / "meta_eval.json").read_text())
    assert doc["signatures"]["bleu"].startswith("bleu|sentence-level mean|sacrebleu:")
    # the same numbers with the article on every line
    by_id = {json.loads(x)["id"]: json.loads(x)["article"] for x in articles.read_text()
             .splitlines()}  # fmt: skip
    inline = tmp_path / "inline.jsonl"
    inline.write_text("".join(json.dumps({**r, "article": by_id[r["id"]]}) + "\n" for r in rows))
    again = meta(inline)
    assert again.returncode == 0, again.stderr
    assert (
        json.loads((tmp_path / "out" / "meta_eval.json").read_text())["correlations"]
        == (doc["correlations"])
    )
    # hallucination there is minus the run's metric (0 where a summary has no entity)
    from summeval.metaeval import metric_functions, read_articles, read_judged
    from summeval.metrics.hallucination import hallucination
    from summeval.metrics.rouge import settings_for

    judged = read_judged(small, None, read_articles(articles))
    fn = metric_functions(["hallucination"], settings_for("rouge155"), judged.sources)
    values, _ = fn["hallucination"](judged.predictions, judged.references)
    share, _, _ = hallucination(judged.predictions[0], judged.sources[0])
    assert values[0] == (-share if share == share else 0.0)


def test_meta_eval_summac_with_a_chosen_nli_model(tmp_path) -> None:
    rows = [json.loads(x) for x in REALSUMM.read_text().splitlines()[:48]]  # 2 articles
    small = tmp_path / "small.jsonl"
    small.write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = subprocess.run(
        [sys.executable, "-m", "summeval", "meta-eval", str(small), "--metrics",
         "summac_zs,summac_conv", "--summac-model", "tiny-random:nli", "--articles",
         str(ROOT / "data" / "realsumm" / "realsumm_articles.jsonl"), "--bootstrap", "20",
         "--permutations", "20", "--output-dir", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    sigs = json.loads((tmp_path / "out" / "meta_eval.json").read_text())["signatures"]
    assert sigs["summac_zs"].startswith("summac-zs|model:tiny-random:nli|gran:sentence")
    assert sigs["summac_conv"].startswith("summac-conv|model:tiny-random:nli")


def test_average_ranks_equal_scipy_rankdata() -> None:
    rng = np.random.default_rng(3)
    for shape in [(7,), (4, 9), (3, 5, 12)]:
        a = np.round(rng.normal(size=shape), 1)  # ties
        np.testing.assert_array_equal(average_ranks(a), stats.rankdata(a, axis=-1))
    assert average_ranks(np.array([2.0, 2.0, 2.0])).tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("level", ["system", "summary"])
def test_stacked_metrics_resample_as_each_alone(level) -> None:
    x, y = _grid(1)
    x2 = np.round(x * 0.5 + y * 0.5, 1)
    for coef in ("kendall", "spearman", "pearson"):
        both = bootstrap_correlations(np.stack([x, x2]), y, level, coef, "both", 120, 4)
        for k, one in enumerate((x, x2)):
            alone = bootstrap_correlations(one, y, level, coef, "both", 120, 4)
            np.testing.assert_array_equal(both[:, k], alone)  # the same draws, bit for bit


def test_permutation_p_reverse_is_the_swapped_test() -> None:
    x, y = _grid(2)
    x2 = np.round(y + np.random.default_rng(5).normal(size=y.shape), 1)
    ab = permutation_test(x, x2, y, "summary", "kendall", "both", 300, 0)
    ba = permutation_test(x2, x, y, "summary", "kendall", "both", 300, 0)
    assert ab["p_reverse"] == ba["p"] and ba["p_reverse"] == ab["p"]
    assert ab["delta"] == -ba["delta"]
