"""Scoring speed: summeval's ROUGE against a plain loop over rouge-score, same run, same data.

    python bench/score.py [--n 500] [--repeats 3] [--pairs 5000]
    python bench/score.py --quick              # 20 articles, 200 pairs: a smoke test

Predictions are lead-1 (the first sentence of each article) for the XSum test articles in
data/xsum/xsum_test500.jsonl (shipped); references are their one-sentence summaries. Both sides
compute ROUGE-1/2/L/Lsum with stemming; summeval uses the ``rouge-score`` profile, whose
numbers must be identical to rouge-score's. Prints both times (the best of ``--repeats``),
their ratio, whether every per-article number is identical, and what 1000-resample bootstrap
intervals for the 4 measures add. Also times the default ``rouge155`` profile for reference.

Then, whole process against the fastest peer: ``summeval score --profile rouge-score`` (with
its bootstrap intervals and data statistics) against a script calling rouge-score-rs's
``RougeScorer.score_batch`` (Rust; rouge-score's numbers), both as fresh processes on the
same ``--pairs`` pairs (the articles repeated), best of ``--repeats``; per-article numbers
compared through ``--per-article``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
from rouge_score import rouge_scorer

from summeval.metrics.rouge import aggregate, article_scores, compute_stats, settings_for
from summeval.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "xsum" / "xsum_test500.jsonl"
MEASURES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]


def load(n: int) -> tuple[list[str], list[str], list[str]]:
    if not DATA.exists():
        sys.exit(f"bench/score.py: {DATA} is missing")
    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")][:n]
    ids = [r["id"] for r in rows]
    preds = [(split_sentences(r["article"]) or [""])[0] for r in rows]
    return ids, preds, [r["summary"] for r in rows]


def rouge_score_loop(preds: list[str], refs: list[str]) -> np.ndarray:
    """The plain loop users write: one RougeScorer.score call per article."""
    scorer = rouge_scorer.RougeScorer(MEASURES, use_stemmer=True)
    out = np.empty((len(MEASURES), 3, len(preds)))
    for i, (p, r) in enumerate(zip(preds, refs, strict=True)):
        s = scorer.score(r, p)
        for k, m in enumerate(MEASURES):
            out[k, :, i] = (s[m].precision, s[m].recall, s[m].fmeasure)
    return out


def summeval_scores(ids, preds, refs, profile: str) -> tuple[np.ndarray, dict]:
    settings = settings_for(profile, measures=MEASURES)
    per_article = article_scores(compute_stats(ids, preds, [[r] for r in refs], settings))
    return np.stack([per_article[m] for m in MEASURES]), per_article


def best_of(repeats: int, fn, *args):
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="20 articles, 200 pairs, 1 repeat: a smoke test"
    )
    args = parser.parse_args()
    if args.quick:
        args.n, args.pairs, args.repeats = min(args.n, 20), min(args.pairs, 200), 1
    ids, preds, refs = load(args.n)
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    )
    print(f"{len(ids)} XSum articles, lead-1 vs reference, ROUGE-1/2/L/Lsum with stemming")

    t_base, theirs = best_of(args.repeats, rouge_score_loop, preds, refs)
    t_ours, (ours, per_article) = best_of(
        args.repeats, summeval_scores, ids, preds, refs, "rouge-score"
    )
    t_155, _ = best_of(args.repeats, summeval_scores, ids, preds, refs, "rouge155")
    settings = settings_for("rouge-score", measures=MEASURES)
    t_ci, agg = best_of(args.repeats, aggregate, per_article, settings)
    t_ci155, _ = best_of(
        args.repeats, aggregate, per_article, settings_for("rouge155", measures=MEASURES)
    )

    diff = float(np.abs(ours - theirs).max())
    identical = bool(np.array_equal(ours, theirs))
    print(f"rouge-score loop (RougeScorer.score per article): {t_base:.3f} s")
    print(f"summeval, profile rouge-score:                     {t_ours:.3f} s")
    print(f"ratio: {t_base / t_ours:.2f}x faster (target >= 1.7x)")
    print(f"identical numbers: {identical} (max abs difference {diff:.1e}, {ours.size} values)")
    print(
        f"1000-resample 95% intervals for P/R/F of {len(MEASURES)} measures: {t_ci:.3f} s with numpy's "
        f"generator, {t_ci155:.3f} s with ROUGE-1.5.5's (target < 2 s)"
    )
    print(f"summeval, profile rouge155 (for reference):        {t_155:.3f} s")
    print(
        "mean F1 (rouge-score profile): "
        + ", ".join(f"{m} {100 * agg[m]['fmeasure']:.2f}" for m in MEASURES)
    )
    whole_process(preds, refs, args.pairs, args.repeats)


RS_SCRIPT = """
import json, sys
from rouge_score_rs import rouge_scorer
p = open(sys.argv[1], encoding="utf-8").read().split("\\n")[:-1]
r = open(sys.argv[2], encoding="utf-8").read().split("\\n")[:-1]
scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
out = scorer.score_batch(r, p)
json.dump([[[s[m].precision, s[m].recall, s[m].fmeasure] for m in s] for s in out],
          open(sys.argv[3], "w"))
"""


def whole_process(preds: list[str], refs: list[str], pairs: int, repeats: int) -> None:
    """summeval score vs rouge-score-rs, each a fresh process on the same files."""
    import subprocess
    import tempfile

    k = -(-pairs // len(preds))
    p = [x.replace("\n", " ") for x in (preds * k)[:pairs]]
    r = [x.replace("\n", " ") for x in (refs * k)[:pairs]]
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "p.txt").write_text("\n".join(p) + "\n", encoding="utf-8")
        (t / "r.txt").write_text("\n".join(r) + "\n", encoding="utf-8")
        (t / "rs.py").write_text(RS_SCRIPT)
        rs = [
            sys.executable,
            str(t / "rs.py"),
            str(t / "p.txt"),
            str(t / "r.txt"),
            str(t / "rs.json"),
        ]
        ours = [
            sys.executable,
            "-m",
            "summeval",
            "score",
            str(t / "p.txt"),
            "--refs",
            str(t / "r.txt"),
            "--profile",
            "rouge-score",
            "--per-article",
            str(t / "ours.jsonl"),
        ]

        def run(cmd):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            return time.perf_counter() - t0

        t_rs = min(run(rs) for _ in range(repeats))
        t_us = min(run(ours) for _ in range(repeats))
        theirs = np.array(json.loads((t / "rs.json").read_text()))
        rows = [json.loads(x) for x in (t / "ours.jsonl").read_text().split("\n") if x]
        mine = np.array(
            [
                [
                    [row["scores"][m][part] for part in ("precision", "recall", "fmeasure")]
                    for m in MEASURES
                ]
                for row in rows
            ]
        )
    same = bool(np.array_equal(mine, theirs))
    print(f"whole process, {pairs} pairs: rouge-score-rs {t_rs:.3f} s, summeval score {t_us:.3f} s")
    print(
        f"ratio: summeval takes {t_us / t_rs:.2f}x rouge-score-rs's time (target <= 2x); "
        f"identical numbers: {same} (max abs difference {float(np.abs(mine - theirs).max()):.1e})"
    )


if __name__ == "__main__":
    main()
