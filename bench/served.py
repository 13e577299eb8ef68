"""Served-model throughput: summeval's concurrent client against a sequential openai loop.

    python bench/served.py [--articles 64] [--concurrency 16] [--latency 0.5]
    python bench/served.py --quick             # 4 articles, 0.05 s latency: a smoke test

A local server (tests/fake_openai.py, 127.0.0.1 only) answers every completion after
``--latency`` seconds with canned text, like a busy model server would. Both sides send the
same 64 articles x 2 tasks (summary, headline): the baseline is a plain loop over the official
``openai`` client, one request at a time; summeval runs ``backend: openai`` with
``max_concurrency``. Prints articles/s of both and their ratio (target >= 12x), like for
like: the loop's time excludes importing and constructing the client, so summeval's is its
generation time per task (results.json ``seconds``, which includes connecting, preparing,
caching and retry bookkeeping); the whole summeval process (start-up, imports, scoring,
writing) is printed beside it. Also summeval's client CPU time per request.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_openai import MODEL, FakeOpenAI  # noqa: E402

XSUM = ROOT / "data" / "xsum" / "xsum_test500.jsonl"


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def baseline(url: str, articles: list[dict]) -> float:
    """The loop users write: one chat request after the other."""
    from openai import OpenAI

    client = OpenAI(base_url=url, api_key="EMPTY", max_retries=0)
    started = time.perf_counter()
    for row in articles:
        for instruction, tokens in (("Summarise this article.", 128), ("Write a headline.", 32)):
            client.chat.completions.create(
                model=MODEL,
                messages=[
                    {"role": "user", "content": f"Article:\n{row['article']}\n\n{instruction}"}
                ],
                max_tokens=tokens,
                temperature=0,
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument(
        "--quick", action="store_true", help="4 articles, 0.05 s latency: a smoke test"
    )
    args = parser.parse_args()
    if args.quick:
        args.articles, args.latency = min(args.articles, 4), min(args.latency, 0.05)
    rows = [
        json.loads(x)
        for _, x in zip(range(args.articles), XSUM.open(encoding="utf-8"), strict=False)
    ]
    with FakeOpenAI(delay_s=args.latency) as server, tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.jsonl"
        data.write_text(
            "".join(
                json.dumps({"id": r["id"], "article": r["article"], "summary": r["summary"]}) + "\n"
                for r in rows
            )
        )
        cfg = {
            "dataset": {"path": str(data), "fields": {"headline": None}},
            "models": [
                {
                    "name": "served",
                    "backend": "openai",
                    "base_url": server.url,
                    "model": MODEL,
                    "max_concurrency": args.concurrency,
                }
            ],
            "output": {"dir": str(Path(tmp) / "results"), "report": False},
        }
        (Path(tmp) / "c.yaml").write_text(json.dumps(cfg))
        t_base = baseline(server.url, rows)
        sent = len(server.requests)
        cpu0 = child_cpu()
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "summeval", "run", str(Path(tmp) / "c.yaml"), "--no-progress"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "SUMMEVAL_GENERATION_CACHE": str(Path(tmp) / "gen")},
        )
        t_ours = time.perf_counter() - started
        cpu = child_cpu() - cpu0
        if proc.returncode != 0:
            sys.exit(proc.stderr)
        ours_sent = len(server.requests) - sent
        doc = json.loads((Path(tmp) / "results" / "c" / "results.json").read_text())
        stats = doc["models"]["served"]["requests"]
        t_gen = sum(r["seconds"] for r in doc["results"]["served"].values())
    n = args.articles
    print(f"{n} XSum articles x 2 tasks, server latency {args.latency} s per request, 127.0.0.1")
    print(
        f"openai client, sequential loop: {t_base:.2f} s ({n / t_base:.2f} articles/s, {sent} requests)"
    )
    print(
        f"summeval, max_concurrency {args.concurrency}: generation {t_gen:.2f} s ({n / t_gen:.2f} articles/s, {ours_sent} requests)"
    )
    print(f"ratio: {t_base / t_gen:.1f}x articles/s (target >= 12x)")
    print(
        f"whole summeval process (start-up, imports, generation, scoring, writing): {t_ours:.2f} s = {t_base / t_ours:.1f}x"
    )
    print(
        f"summeval client CPU (whole process): {cpu:.2f} s, {1000 * cpu / max(ours_sent, 1):.1f} ms per request; "
        f"latency p50 {stats['latency_p50_s']} s, p95 {stats['latency_p95_s']} s"
    )


if __name__ == "__main__":
    main()
