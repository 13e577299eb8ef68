"""Config loading, overrides and the one-line errors for bad configs."""

from __future__ import annotations

import re

import pytest

from summeval.config import apply_overrides, load_config
from summeval.errors import ConfigError
from summeval.metrics.rouge import settings_from_config

from .conftest import ROOT, basic_config


def test_shipped_configs_validate(run_cli, monkeypatch):
    monkeypatch.chdir(ROOT)  # their paths are relative to the repository root
    for name in ("base", "tiny", "cnn_dailymail", "xsum", "served"):
        code, out, err = run_cli("validate", ROOT / "configs" / f"{name}.yaml")
        assert code == 0, err
        assert "OK" in out


def test_defaults_and_types(write_config, tmp_path):
    cfg = load_config(write_config(basic_config("x.jsonl", tmp_path)))
    assert cfg.seed == 1234
    assert cfg.cache is True
    assert cfg.models[0].batch_size == "auto"
    assert cfg.tasks.headline.max_words == 20
    assert cfg.models[0].tasks == ["summary", "headline"]
    assert cfg.metrics.rouge.types == ["rouge1", "rouge2", "rougeL", "rougeLsum"]


def test_set_overrides_by_index_and_name(write_config, tmp_path):
    path = write_config(basic_config("x.jsonl", tmp_path))
    cfg = load_config(
        path,
        ["dataset.limit=5", "models.lead.lead_sentences=2", "models.0.tasks=[headline]", "seed=7"],
    )
    assert cfg.dataset.limit == 5
    assert cfg.models[0].lead_sentences == 2
    assert cfg.models[0].tasks == ["headline"]
    assert cfg.seed == 7


def test_set_without_equals_is_an_error():
    with pytest.raises(ConfigError, match="has no '='"):
        apply_overrides({}, ["seed"])


def test_set_unknown_model_name():
    with pytest.raises(ConfigError, match="no item named 'nope'"):
        apply_overrides({"models": [{"name": "lead"}]}, ["models.nope.batch_size=2"])


# ---- bad input: exit code 2, one line naming file/line/key, no traceback


def _one_line_error(code: int, err: str) -> str:
    assert code == 2
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("summeval: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_missing_config(run_cli, tmp_path):
    code, _, err = run_cli("run", tmp_path / "nope.yaml")
    line = _one_line_error(code, err)
    assert "nope.yaml" in line and "not found" in line


def test_unreadable_config(run_cli, tmp_path):
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"\xff\xfe\x00bad")
    code, _, err = run_cli("validate", path)
    line = _one_line_error(code, err)
    assert "bin.yaml" in line and "cannot read" in line


def test_yaml_syntax_error_names_line(run_cli, write_config):
    path = write_config("dataset:\n  path: x.jsonl\nmodels: [\n  {name: a, backend: lead\n")
    code, _, err = run_cli("run", path)
    line = _one_line_error(code, err)
    assert "YAML syntax error" in line
    assert f"{path}:" in line


def test_unknown_key_suggests_nearest(run_cli, write_config):
    text = (
        "dataset:\n  path: x.jsonl\nmodels:\n  - name: lead\n    backend: lead\n    batch_sise: 3\n"
    )
    path = write_config(text)
    code, _, err = run_cli("validate", path)
    line = _one_line_error(code, err)
    assert "unknown key 'batch_sise'" in line
    assert "did you mean 'batch_size'" in line
    assert f"{path}:6:" in line  # the line of the bad key


def test_unknown_top_level_key(run_cli, write_config, tmp_path):
    cfg = basic_config("x.jsonl", tmp_path)
    cfg["metric"] = {}
    code, _, err = run_cli("validate", write_config(cfg))
    assert "did you mean 'metrics'" in _one_line_error(code, err)


def test_wrong_type(run_cli, write_config, tmp_path):
    cfg = basic_config("x.jsonl", tmp_path)
    cfg["models"][0]["batch_size"] = "many"
    code, _, err = run_cli("validate", write_config(cfg))
    line = _one_line_error(code, err)
    assert "models[0].batch_size" in line and "'many'" in line


def test_wrong_value(run_cli, write_config, tmp_path):
    cfg = basic_config("x.jsonl", tmp_path)
    cfg["models"][0]["tasks"] = ["summary", "poem"]
    code, _, err = run_cli("validate", write_config(cfg))
    assert "models[0].tasks[1]" in _one_line_error(code, err)


def test_unknown_backend(run_cli, write_config, tmp_path):
    cfg = basic_config("x.jsonl", tmp_path)
    cfg["models"][0]["backend"] = "hf-seq2sq"
    code, _, err = run_cli("validate", write_config(cfg))
    line = _one_line_error(code, err)
    assert "unknown backend 'hf-seq2sq'" in line and "did you mean 'hf-seq2seq'" in line


def test_validate_checks_local_files(run_cli, write_config, tmp_path):
    cfg = basic_config(tmp_path / "absent.jsonl", tmp_path)
    code, _, err = run_cli("validate", write_config(cfg))
    assert "absent.jsonl" in _one_line_error(code, err)
    data = tmp_path / "d.jsonl"
    data.write_text('{"id": "1", "article": "x"}\n')
    cfg = basic_config(data, tmp_path)
    cfg["models"].append({"name": "m", "backend": "hf-seq2seq", "model": "./no/such/folder"})
    code, _, err = run_cli("validate", write_config(cfg))
    assert "models.m.model" in _one_line_error(code, err)


def test_set_override_error_is_validated(run_cli, write_config, tmp_path):
    path = write_config(basic_config("x.jsonl", tmp_path))
    code, _, err = run_cli("validate", path, "--set", "models.lead.lead_sentences=0")
    assert "lead_sentences" in _one_line_error(code, err)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("dataset.limit=abc", "dataset.limit"),
        ("models.lead.lead_sentences=0", "models[0].lead_sentences"),
        ("dataset={limit: abc}", "dataset.limit"),  # a mapping set whole: still the --set
    ],
)
def test_a_bad_set_value_is_blamed_on_the_set_not_the_file(
    run_cli, write_config, tmp_path, override, key
):
    path = write_config(basic_config("x.jsonl", tmp_path))
    code, _, err = run_cli("validate", path, "--set", override)
    line = _one_line_error(code, err)
    assert f"--set {override}: {key}" in line, line
    assert f"{path}:" not in line  # the file's lines are fine


def test_a_bad_value_in_the_file_still_names_its_line(run_cli, write_config, tmp_path):
    cfg = basic_config("x.jsonl", tmp_path)
    cfg["dataset"]["limit"] = "abc"
    path = write_config(cfg)
    code, _, err = run_cli("validate", path, "--set", "seed=3")
    assert re.search(rf"{re.escape(str(path))}:\d+: dataset.limit", _one_line_error(code, err))


def test_duplicate_model_names(run_cli, write_config, tmp_path):
    cfg = basic_config("x.jsonl", tmp_path)
    cfg["models"].append({"name": "lead", "backend": "lead"})
    code, _, err = run_cli("validate", write_config(cfg))
    assert "two models are named 'lead'" in _one_line_error(code, err)


def test_debug_shows_traceback(run_cli, tmp_path):
    with pytest.raises(ConfigError):
        run_cli("--debug", "run", tmp_path / "nope.yaml")


def test_rouge_profile_and_single_options(write_config, tmp_path):
    cfg = load_config(write_config(basic_config("x.jsonl", tmp_path)))
    s = settings_from_config(cfg.metrics.rouge)
    assert (s.profile, s.tokenizer, s.stemmer, s.multi_ref) == (
        "rouge155",
        "rouge155",
        "porter155",
        "pooled",
    )
    path = write_config(basic_config("x.jsonl", tmp_path))
    s = load_config(
        path, ["metrics.rouge.profile=hf", "metrics.rouge.multi_ref=mean", "metrics.rouge.stem=no"]
    ).metrics.rouge
    s = settings_from_config(s)
    assert (s.tokenizer, s.split, s.multi_ref, s.stem) == (
        "rouge-score",
        "sentences",
        "mean",
        False,
    )


def test_rouge_and_significance_errors_name_the_key(run_cli, write_config, tmp_path):
    cfg = basic_config("x.jsonl", tmp_path)
    cfg["metrics"] = {"rouge": {"word_limit": 10, "byte_limit": 75}}
    code, _, err = run_cli("validate", write_config(cfg))
    assert code == 2 and "metrics.rouge" in err and "not both" in err
    cfg["metrics"] = {"rouge": {"profile": "rouge-1.5.5"}}
    code, _, err = run_cli("validate", write_config(cfg))
    assert code == 2 and "metrics.rouge.profile" in err and "rouge155" in err
    cfg["metrics"] = {"significance": {"baseline": "nobody"}}
    code, _, err = run_cli("validate", write_config(cfg))
    assert code == 2 and "baseline 'nobody' is not a model name" in err and "lead" in err
