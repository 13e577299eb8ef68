"""Scoring speed against the fastest peers, whole processes, same run, same pairs.

    python bench/score.py [--pairs 5000] [--repeats 3] [--scale 10000,50000,100000]
    python bench/score.py --quick          # 200 pairs, 1 repeat, small scale: a smoke test

Pairs are distinct: prediction ``m`` is sentence ``m`` of the 500 shipped XSum articles
(data/xsum/xsum_test500.jsonl, all their sentences in order), its reference that article's
summary (beyond the sentences there are, the reference of a later article), so no text
repeats within the first ~9,000 pairs and no cache helps either side.

1. Equal work: ``summeval score --profile rouge-score --bootstrap 0 --no-stats`` against a
   script calling rouge-score-rs's ``RougeScorer.score_batch`` (Rust, rouge-score's
   numbers), each a fresh process, best of ``--repeats``; every per-article number compared
   (rouge1/2/L/Lsum P/R/F).
2. Default work: ``summeval score`` (rouge155 profile, 1000-resample intervals, data
   statistics) and ``--profile rouge-score`` (with both) against the same rouge-score-rs run.
3. Scale: ``--scale`` pairs through the equal-work command: time and peak RSS of each.
4. In process: summeval's ROUGE against a loop over google's rouge-score (identical numbers).
5. BERTScore on CPU: summeval's against the ``bert-score`` package, same encoder (the
   packaged all-MiniLM-L6-v2, layer 6) and pairs (lead-1 of 400 articles against their
   summaries: every text distinct), model load excluded, numbers compared.
6. Meta-eval: ``summeval meta-eval`` on REALSumm as shipped (2,400 summaries x 1 reference)
   and on 1,600 of them with 11 references each (the reference plus ten other systems'
   summaries of the same article), ROUGE only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "xsum" / "xsum_test500.jsonl"
REALSUMM = ROOT / "data" / "realsumm" / "realsumm_meta.jsonl"
MEASURES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
PARTS = ("precision", "recall", "fmeasure")

RS_SCRIPT = """
import json, sys
from rouge_score_rs import rouge_scorer
p = open(sys.argv[1], encoding="utf-8").read().split("\\n")[:-1]
r = open(sys.argv[2], encoding="utf-8").read().split("\\n")[:-1]
scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
out = scorer.score_batch(r, p)
if len(sys.argv) > 3:
    json.dump([[[s[m].precision, s[m].recall, s[m].fmeasure] for m in s] for s in out],
              open(sys.argv[3], "w"))
"""


def make_pairs(n: int) -> tuple[list[str], list[str]]:
    """``n`` distinct (prediction, reference) pairs from the shipped XSum sample."""
    from summeval.sentences import split_sentences

    if not DATA.exists():
        sys.exit(f"bench/score.py: {DATA} is missing")
    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    sents = [(s, i) for i, r in enumerate(rows) for s in split_sentences(r["article"])]
    preds, refs = [], []
    for m in range(n):
        s, i = sents[m % len(sents)]
        preds.append(s.replace("\n", " "))
        refs.append(rows[(i + m // len(sents)) % len(rows)]["summary"].replace("\n", " "))
    return preds, refs


def lead_pairs(n: int) -> tuple[list[str], list[str]]:
    """Lead-1 of the first ``n`` articles and their summaries: ``2n`` distinct texts."""
    from summeval.sentences import split_sentences

    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    rows = [r for r in rows if split_sentences(r["article"])][:n]
    return [split_sentences(r["article"])[0] for r in rows], [r["summary"] for r in rows]


def run_process(cmd: list[str]) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of one fresh process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        sys.exit(f"bench/score.py: {' '.join(cmd)} failed:\n{err[-2000:]}")
    if proc.stderr:
        proc.stderr.close()
    return elapsed, usage.ru_maxrss / 1024


def best(cmd: list[str], repeats: int) -> tuple[float, float]:
    runs = [run_process(cmd) for _ in range(repeats)]
    return min(t for t, _ in runs), max(m for _, m in runs)


class Files:
    """Predictions and references as plain-text files, and the two commands on them."""

    def __init__(self, folder: Path, preds: list[str], refs: list[str]) -> None:
        self.folder = folder
        self.p, self.r = folder / f"p{len(preds)}.txt", folder / f"r{len(refs)}.txt"
        self.p.write_text("\n".join(preds) + "\n", encoding="utf-8")
        self.r.write_text("\n".join(refs) + "\n", encoding="utf-8")
        (folder / "rs.py").write_text(RS_SCRIPT)

    def rs(self, out: Path | None = None) -> list[str]:
        extra = [str(out)] if out else []
        return [sys.executable, str(self.folder / "rs.py"), str(self.p), str(self.r), *extra]

    def ours(self, *options: str) -> list[str]:
        return [sys.executable, "-m", "summeval", "score", str(self.p), "--refs", str(self.r),
                *options]  # fmt: skip


def read_ours(path: Path) -> np.ndarray:
    rows = [json.loads(x) for x in path.read_text().split("\n") if x]
    return np.array([[[r["scores"][m][p] for p in PARTS] for m in MEASURES] for r in rows])


EQUAL = ("--profile", "rouge-score", "--bootstrap", "0", "--no-stats")


def whole_process(files: Files, pairs: int, repeats: int) -> None:
    """Targets 1 and 2: ratios against rouge-score-rs, numbers checked."""
    t_rs, m_rs = best(files.rs(), repeats)
    t_eq, m_eq = best(files.ours(*EQUAL), repeats)
    t_155, m_155 = best(files.ours(), repeats)
    t_rsp, m_rsp = best(files.ours("--profile", "rouge-score"), repeats)
    run_process(files.rs(files.folder / "rs.json"))
    run_process(files.ours(*EQUAL, "--per-article", str(files.folder / "ours.jsonl")))
    theirs = np.array(json.loads((files.folder / "rs.json").read_text()))
    mine = read_ours(files.folder / "ours.jsonl")
    diff = float(np.abs(mine - theirs).max())
    print(f"whole process, {pairs} pairs (best of {repeats}); rouge-score-rs {t_rs:.3f} s, "
          f"{m_rs:.0f} MB")  # fmt: skip
    print(
        f"equal work (--profile rouge-score --bootstrap 0 --no-stats): {t_eq:.3f} s, "
        f"{m_eq:.0f} MB = {t_eq / t_rs:.2f}x rouge-score-rs (target <= 1.5x); identical "
        f"numbers: {diff <= 1e-12} (max abs difference {diff:.1e}, {mine.size} values)"
    )
    print(
        f"default work (rouge155, 1000-resample intervals, data statistics): {t_155:.3f} s, "
        f"{m_155:.0f} MB = {t_155 / t_rs:.2f}x (target <= 3x)"
    )
    print(
        f"default work, --profile rouge-score: {t_rsp:.3f} s, {m_rsp:.0f} MB = "
        f"{t_rsp / t_rs:.2f}x (target <= 3x)"
    )


def scale(folder: Path, sizes: list[int]) -> None:
    """Target 3: time linear in the pairs, memory bounded by the input."""
    base = None
    for n in sizes:
        preds, refs = make_pairs(n)
        sub = folder / f"scale{n}"
        sub.mkdir()
        files = Files(sub, preds, refs)
        t, mb = run_process(files.ours(*EQUAL))
        size = (files.p.stat().st_size + files.r.stat().st_size) / 2**20
        base = base or t / n
        print(
            f"scale: {n} pairs {t:.2f} s ({1e6 * t / n:.0f} us/pair, {t / n / base:.2f}x the "
            f"smallest's per pair), peak RSS {mb:.0f} MB for {size:.1f} MB of text"
        )


def in_process(preds: list[str], refs: list[str], repeats: int) -> None:
    """summeval's ROUGE against the plain rouge-score loop, in this process."""
    from rouge_score import rouge_scorer

    from summeval.metrics.rouge import article_scores, compute_stats, settings_for

    def loop() -> np.ndarray:
        scorer = rouge_scorer.RougeScorer(MEASURES, use_stemmer=True)
        out = np.empty((len(MEASURES), 3, len(preds)))
        for i, (p, r) in enumerate(zip(preds, refs, strict=True)):
            s = scorer.score(r, p)
            for k, m in enumerate(MEASURES):
                out[k, :, i] = (s[m].precision, s[m].recall, s[m].fmeasure)
        return out

    def ours() -> np.ndarray:
        settings = settings_for("rouge-score", measures=MEASURES, resamples=0)
        ids = [str(i) for i in range(len(preds))]
        per = article_scores(compute_stats(ids, preds, [[r] for r in refs], settings))
        return np.stack([per[m] for m in MEASURES])

    t_loop = min(timed(loop) for _ in range(repeats))
    t_ours = min(timed(ours) for _ in range(repeats))
    same = bool(np.array_equal(loop(), ours()))
    print(
        f"in process, {len(preds)} pairs: rouge-score loop {t_loop:.3f} s, summeval "
        f"{t_ours:.3f} s ({t_loop / t_ours:.1f}x faster); identical numbers: {same}"
    )


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bertscore(preds: list[str], refs: list[str], repeats: int) -> None:
    """Target 4: summeval's BERTScore against bert-score's, same encoder and pairs."""
    import logging

    try:
        import bert_score
    except ImportError:
        print("bertscore: skipped, bert-score is not installed (bash scripts/setup.sh dev)")
        return
    from summeval.encoders import TokenEncoder, resolve_encoder
    from summeval.metrics.bertscore import bertscore as ours

    logging.getLogger("transformers").setLevel(logging.ERROR)
    path, _ = resolve_encoder(None, "metrics.bertscore")
    theirs = bert_score.BERTScorer(model_type=path, num_layers=6, lang="en")
    encoder = TokenEncoder(None)
    encoder.load()

    def run_ours() -> np.ndarray:
        p = encoder.encode(preds)
        r = [[e] for e in encoder.encode(refs)]
        return ours(p, r, encoder.special_ids)

    def run_theirs() -> np.ndarray:
        return np.stack([t.numpy() for t in theirs.score(preds, refs)], axis=1)

    t_theirs = min(timed(run_theirs) for _ in range(repeats))
    t_ours = min(timed(run_ours) for _ in range(repeats))
    mine, batched = run_ours(), run_theirs()
    gaps = np.abs(mine - batched).max(axis=1)
    worst = int(gaps.argmax())  # bert-score alone on that pair: its batches move a few
    alone = np.stack([t.numpy() for t in theirs.score([preds[worst]], [refs[worst]])], axis=1)
    print(
        f"bertscore, {len(preds)} pairs on CPU (model loaded): bert-score {t_theirs:.2f} s, "
        f"summeval {t_ours:.2f} s = {t_theirs / t_ours:.2f}x bert-score's speed (target >= 1x);"
        f" max abs difference {gaps.max():.1e} against bert-score's batches, "
        f"{float(np.abs(mine[worst] - alone[0]).max()):.1e} against bert-score scoring that "
        "pair alone"
    )


def meta_eval(folder: Path, quick: bool) -> None:
    """Target 5: REALSumm as shipped, and 1,600 summaries x 11 references."""
    rows = [json.loads(line) for line in REALSUMM.open(encoding="utf-8")]
    by_article: dict[str, list[dict]] = {}
    for r in rows:
        by_article.setdefault(r["id"], []).append(r)
    wide = []
    for group in by_article.values():
        for k, r in enumerate(group[:16]):
            others = [o["prediction"] for j, o in enumerate(group) if j != k][:10]
            wide.append({**r, "references": r["references"][:1] + others})
    wide_path = folder / "realsumm_wide_meta.jsonl"
    wide_path.write_text("".join(json.dumps(r) + "\n" for r in wide), encoding="utf-8")
    extra = ["--bootstrap", "50", "--permutations", "50"] if quick else []
    for name, path, target in ((f"REALSumm as shipped ({len(rows)} x 1)", REALSUMM, 5),
                               (f"{len(wide)} x 11 references", wide_path, 15)):  # fmt: skip
        cmd = [sys.executable, "-m", "summeval", "meta-eval", str(path), "--metrics",
               "rouge1,rouge2,rougeL", "--output-dir", str(folder / "me"), *extra]  # fmt: skip
        t, mb = run_process(cmd)
        print(f"meta-eval, {name}: {t:.2f} s, {mb:.0f} MB (target < {target} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", default="10000,50000,100000")
    parser.add_argument("--quick", action="store_true", help="200 pairs, 1 repeat: a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.pairs, args.repeats, args.scale = min(args.pairs, 200), 1, "200,400"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    preds, refs = make_pairs(args.pairs)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        whole_process(Files(folder, preds, refs), args.pairs, args.repeats)
        scale(folder, [int(n) for n in args.scale.split(",")])
        # before anything here imports torch or nltk: a child forked from a big process
        # reports the parent's pages in its peak RSS
        meta_eval(folder, args.quick)
        in_process(preds[:500], refs[:500], args.repeats)
        lead, summaries = lead_pairs(40 if args.quick else 400)
        bertscore(lead, summaries, 1)


if __name__ == "__main__":
    main()
