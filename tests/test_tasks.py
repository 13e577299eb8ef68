"""Prompts and post-processing of the two tasks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from summeval.config import ModelConfig, TaskConfig
from summeval.tasks import clean_headline, clean_summary, task_spec


def test_headline_prefix_quotes_and_first_line():
    raw = 'Headline: "Bukele offers to jail US criminals"\n\nThis headline captures the story.'
    assert clean_headline(raw) == "Bukele offers to jail US criminals"


def test_headline_chat_tokens_and_lead_in():
    raw = (
        "<|im_start|>assistant\nSure! Here is a headline: "
        "**El Salvador to take US prisoners**<|im_end|>"
    )
    assert clean_headline(raw) == "El Salvador to take US prisoners"


def test_headline_word_cap():
    raw = " ".join(f"w{i}" for i in range(40))
    assert clean_headline(raw, max_words=20).split() == [f"w{i}" for i in range(20)]


def test_headline_empty_stays_empty():
    assert clean_headline("") == ""
    assert clean_headline('  \n""\n ') == ""


@given(st.text(max_size=300), st.integers(min_value=1, max_value=30))
def test_headline_always_one_short_line(text, n):
    out = clean_headline(text, max_words=n)
    assert "\n" not in out
    assert len(out.split()) <= n


def test_summary_artefacts_stripped():
    raw = (
        "Here is a summary of the article:\n\n"
        "El Salvador offered to take prisoners.  It  wants a fee.<|im_end|>"
    )
    assert clean_summary(raw) == "El Salvador offered to take prisoners. It wants a fee."


def test_summary_keeps_content_lines():
    assert clean_summary("One.\nTwo.") == "One.\nTwo."


def test_prompt_precedence_and_render():
    model = ModelConfig(name="m", backend="hf-causal", prompts={"headline": "Title for: {article}"})
    spec = task_spec("headline", TaskConfig(max_words=12), model)
    assert spec.render("Body") == "Title for: Body"
    spec = task_spec("summary", TaskConfig(prompt="Sum up ({max_words}): {article}"), model)
    assert spec.render("Body") == "Sum up (): Body"
    default = task_spec("headline", TaskConfig(max_words=12), ModelConfig(name="x", backend="lead"))
    assert default.render("Body").startswith("Article:\nBody\n\nWrite a short headline")


def test_prompt_without_placeholder_gets_article_appended():
    spec = task_spec(
        "summary", TaskConfig(prompt="Summarise:"), ModelConfig(name="x", backend="lead")
    )
    assert spec.render("Body") == "Summarise:\n\nBody"
