"""SummaC-ZS and SummaC-Conv against the ``summac`` package itself (0.0.4, installed
``--no-deps`` by the dev set-up) with the same NLI model, a tiny random one built offline;
hand-computed cases; and proof that the metric reads the article, never the reference."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from summeval.config import SummaCConfig
from summeval.errors import ModelError
from summeval.metrics.summac import ConvWeights, conv_score, zs_score
from summeval.models.tiny import tiny_model_path
from summeval.nli import label_indices
from summeval.scorers import SummaCScorer
from summeval.sentences import split_sentences

from .conftest import ROOT

WIKINEWS = ROOT / "data" / "wikinews" / "wikinews.jsonl"


def _cases() -> tuple[list[str], list[str]]:
    """Articles (their first eight sentences, as paragraphs) and outputs of every kind: the
    lead, a later sentence, words the article does not have, several sentences, more than
    ten sentences (SummaC-Conv reads ten), a chunk of 10 characters or fewer, nothing."""
    rows = [json.loads(line) for line in WIKINEWS.read_text().splitlines()[:6]]
    articles, outputs = [], []
    for k, row in enumerate(rows):
        sents = split_sentences(row["article"])[:8]
        articles.append("\n\n".join(" ".join(sents[i : i + 2]) for i in range(0, len(sents), 2)))
        outputs.append(
            [
                sents[0],
                sents[-1] + " " + row["summary"],
                "The minister denied that anything had happened on Tuesday in Paris.",
                " ".join(sents[:3]),
                " ".join(sents * 2),  # 16 sentences
                "Yes. No.",
            ][k]
        )
    articles.append(articles[0])
    outputs.append("")
    return articles, outputs


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    """summac's SummaCZS and SummaCConv over the tiny NLI model, with summeval's sentence
    splitter in place of nltk's pretrained Punkt (whose data cannot be installed offline):
    the chunking rules, NLI batching, images and scores are summac's own code."""
    if os.environ.get("CI"):  # the oracle must be there in CI: fail, never skip
        import summac.model_summac as summac
    else:
        summac = pytest.importorskip(
            "summac.model_summac", reason="summac not installed: bash scripts/setup.sh dev"
        )
    import torch

    summac.model_map["tiny"] = {
        "model_card": str(tiny_model_path("tiny-random:nli")),
        "entailment_idx": 0,
        "contradiction_idx": 2,
    }
    summac.nltk.tokenize.sent_tokenize = split_sentences
    from transformers import PreTrainedTokenizerBase

    def batch_encode_plus(self, pairs, truncation_strategy=None, **kwargs):
        """transformers 4's batch_encode_plus, gone in 5: with truncation=True it cut the
        longest side first and ignored the old truncation_strategy argument."""
        return self([p for p, _ in pairs], [h for _, h in pairs], **kwargs)

    PreTrainedTokenizerBase.batch_encode_plus = batch_encode_plus
    w = ConvWeights.published()
    start = tmp_path_factory.mktemp("conv") / "conv.bin"
    torch.save({
        "mlp.weight": torch.tensor(w.mlp_weight[None, :], dtype=torch.float32),
        "mlp.bias": torch.tensor([w.mlp_bias], dtype=torch.float32),
        "layer_final.weight": torch.tensor(w.final_weight, dtype=torch.float32),
        "layer_final.bias": torch.tensor(w.final_bias, dtype=torch.float32),
    }, start)  # fmt: skip
    return summac, start


@pytest.mark.parametrize("granularity", ["sentence", "paragraph", "document"])
def test_summac_equals_the_summac_package(oracle, granularity):
    summac, start = oracle
    articles, outputs = _cases()
    ours = SummaCScorer(SummaCConfig(model="tiny-random:nli", granularity=granularity,
                                     device="cpu"))  # fmt: skip
    got = {name: v["fmeasure"] for name, v, _ in ours.score_sources(outputs, articles)}
    zs = summac.SummaCZS(model_name="tiny", granularity=granularity, device="cpu",
                         imager_load_cache=False)  # fmt: skip
    want_zs = zs.score(articles, outputs)["scores"]
    assert got["summac_zs"] == pytest.approx(want_zs, abs=1e-5)
    conv = summac.SummaCConv(models=["tiny"], bins="percentile", granularity=granularity,
                             nli_labels="e", device="cpu", imager_load_cache=False,
                             start_file=str(start))  # fmt: skip
    want_conv = conv.score(articles, outputs)["scores"]
    assert got["summac_conv"] == pytest.approx(want_conv, abs=1e-5)
    assert len(set(np.round(got["summac_zs"], 4))) > 3  # the tiny model tells pairs apart


def test_zs_and_conv_by_hand():
    ent = np.array([[0.9, 0.1], [0.2, 0.3]])  # article chunks x output chunks
    con = np.array([[0.05, 0.6], [0.1, 0.2]])
    image = np.stack([ent, con, 1 - ent - con])
    # per output chunk: max entailment - max contradiction = 0.9 - 0.1 and 0.3 - 0.6
    assert zs_score(image) == pytest.approx((0.8 - 0.3) / 2)
    w = ConvWeights(np.arange(23) / 100, 0.5, np.array([[0.0, 0, 0], [1, 1, 1]]), np.zeros(2))
    # column 0 holds 0.9 (bin 8: [0.90, 0.91)) and 0.2 (bin 6: [0.13, 0.37)): 0.08 + 0.06
    # + 0.5; column 1 holds 0.1 (bin 5) and 0.3 (bin 6): 0.05 + 0.06 + 0.5; mean f; then
    # logits (0, 3f) and P = 1 / (1 + exp(-3f))
    f = ((0.08 + 0.06 + 0.5) + (0.05 + 0.06 + 0.5)) / 2
    assert conv_score(image, w) == pytest.approx(1 / (1 + np.exp(-3 * f)))
    assert zs_score(np.zeros((3, 1, 1))) == 0.0  # no chunk at all: summac's empty image


def test_the_published_conv_weights_are_shipped():
    w = ConvWeights.published()
    assert w.mlp_weight.shape == (23,) and w.final_weight.shape == (2, 3)
    assert w.mlp_weight[0] == pytest.approx(-0.004523743875324726)


def test_entailment_and_contradiction_come_from_the_labels():
    assert label_indices({0: "SUPPORTS", 1: "REFUTES", 2: "NOT ENOUGH INFO"}, "m") == (0, 1, 2)
    assert label_indices({0: "contradiction", 1: "neutral", 2: "entailment"}, "m") == (2, 0, 1)
    with pytest.raises(ModelError) as err:
        label_indices({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, "metrics.summac")
    assert "set metrics.summac.entailment_index and metrics.summac.contradiction_index" in str(
        err.value
    )


def test_summac_reads_the_article_never_the_reference(tmp_path, jsonl, write_config, run_cli):
    rows = [json.loads(line) for line in WIKINEWS.read_text().splitlines()[:3]]
    for r in rows:
        r["other"] = "A reference that has nothing to do with the article at all."
    data = jsonl(rows)

    def run(name: str, summary_field: str, path=data) -> dict:
        cfg = {
            "dataset": {"path": str(path), "fields": {"summary": summary_field}},
            "tasks": {"headline": {"enabled": False}},
            "models": [{"name": "lead-1", "backend": "lead", "lead_sentences": 1}],
            "metrics": {"summac": {"model": "tiny-random:nli", "device": "cpu"}},
            "output": {"dir": str(tmp_path / "results"), "run_name": name, "report": False},
        }
        code, _, err = run_cli("run", write_config(cfg, f"{name}.yaml"), "--no-progress")
        assert code == 0, err
        lines = (tmp_path / "results" / name / "samples_lead-1_summary.jsonl").read_text()
        return {r["id"]: r["scores"] for r in map(json.loads, lines.splitlines())}

    a, b = run("a", "summary"), run("b", "other")
    for ident in a:
        assert a[ident]["rouge1"] != b[ident]["rouge1"]  # the reference changed...
        assert a[ident]["summac_zs"] == b[ident]["summac_zs"]  # ...SummaC did not
        assert a[ident]["summac_conv"] == b[ident]["summac_conv"]
    for r in rows:  # another article body, the same lead sentence as output
        r["article"] = split_sentences(r["article"])[0] + " " + "Nothing else was said. " * 5
    c = run("c", "summary", jsonl(rows, "changed.jsonl"))
    assert any(a[i]["summac_zs"] != c[i]["summac_zs"] for i in a)


@pytest.mark.parametrize("metric", ["summac", "bertscore"])
def test_a_mistyped_metric_model_leaves_a_complete_run_as_it_was(metric, tmp_path, run_cli,
                                                                  write_config):  # fmt: skip
    from .conftest import SEED

    cfg = {
        "dataset": {"path": str(SEED)},
        "models": [{"name": "lead", "backend": "lead"}],
        "output": {"dir": str(tmp_path / "results"), "run_name": "r", "report": False},
    }
    code, _, err = run_cli("run", write_config(cfg), "--no-progress")
    assert code == 0, err
    run_dir = tmp_path / "results" / "r"
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    cfg["metrics"] = {metric: {"model": str(tmp_path / "no-such-model")}}
    code, _, err = run_cli("run", write_config(cfg, "again.yaml"), "--no-progress")
    assert code == 2 and f"metrics.{metric}" in err.strip().splitlines()[-1]
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before  # checked first


def test_the_signature_names_the_labels_even_when_nothing_was_compared():
    """No chunk on either side: no NLI call, yet the signature reads the model's labels."""
    scorer = SummaCScorer(SummaCConfig(model="tiny-random:nli", device="cpu"))
    ((_, values, sig), _) = scorer.score_sources(["", "Short."], ["", "Also short."])
    assert list(values["fmeasure"]) == [0.0, 0.0]  # summac's all-zero image
    assert "|labels:e0/c2|" in sig  # tiny-random:nli: entailment 0, contradiction 2
