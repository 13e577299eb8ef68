"""BERTScore against the bert-score package (the oracle, same encoder), embedding similarity
against a hand-computed mean-pooled cosine, and both through ``summeval run``."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from summeval.encoders import SentenceEncoder, TokenEncoder, resolve_encoder
from summeval.metrics.bertscore import bertscore, embedding_similarity, idf_weights

from .conftest import basic_config, read_xsum

CANDS = [
    "The cat sat on the mat.",
    "A storm hit the coast, cutting power to thousands of homes.",
    "Prices rose sharply in March, the statistics office said on Tuesday.",
    "x",
    "Le président a annoncé des mesures.",
]
REFS = [
    ["A cat was sitting on the mat."],
    ["The coast was hit by a storm overnight.", "Storm batters coast; thousands without power"],
    ["Inflation jumped in March, official figures show."],
    ["Something entirely different and rather long, with several clauses."],
    ["Le président annonce de nouvelles mesures.", "New measures announced."],
]


@pytest.fixture(scope="module")
def oracle():
    bert_score = pytest.importorskip("bert_score", reason="dev extra: bash scripts/setup.sh dev")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    path, _ = resolve_encoder(None, "metrics.bertscore")
    return lambda **kw: bert_score.BERTScorer(model_type=path, num_layers=6, lang="en", **kw)


@pytest.fixture(scope="module")
def encoder() -> TokenEncoder:
    return TokenEncoder(None)


def _ours(encoder: TokenEncoder, idf=None, baseline=None) -> np.ndarray:
    preds = encoder.encode(CANDS)
    refs = [encoder.encode(g) for g in REFS]
    return bertscore(preds, refs, encoder.special_ids, idf, baseline)


def test_bertscore_equals_bert_score(oracle, encoder) -> None:
    p, r, f = oracle().score(CANDS, REFS)
    want = np.stack([p.numpy(), r.numpy(), f.numpy()], axis=1)
    np.testing.assert_allclose(_ours(encoder), want, atol=1e-6)


def test_bertscore_idf_and_rescaling_equal_bert_score(oracle, encoder) -> None:
    flat = [r for g in REFS for r in g]
    p, r, f = oracle(idf=True, idf_sents=flat, nthreads=0).score(CANDS, REFS)  # no fork
    want = np.stack([p.numpy(), r.numpy(), f.numpy()], axis=1)
    idf = idf_weights([encoder.ids(x) for x in flat])
    np.testing.assert_allclose(_ours(encoder, idf), want, atol=1e-6)
    base = [0.8, 0.75, 0.78]  # rescaling: (x - b) / (1 - b) after the max over references
    rescaled = _ours(encoder, idf, base)
    np.testing.assert_allclose(rescaled, (want - base) / (1 - np.array(base)), atol=1e-5)


def test_bertscore_hand_cases(encoder) -> None:
    same = encoder.encode(["The cat sat."])
    one = bertscore(same, [same], encoder.special_ids)
    np.testing.assert_allclose(one, [[1.0, 1.0, 1.0]], atol=1e-6)
    empty = bertscore(encoder.encode([""]), [encoder.encode(["Some text."])], encoder.special_ids)
    assert empty.tolist() == [[0.0, 0.0, 0.0]]
    table, unseen = idf_weights([[101, 5, 6, 102], [101, 5, 102]])
    assert table[5] == pytest.approx(np.log(3 / 3)) and table[6] == pytest.approx(np.log(3 / 2))
    assert unseen == pytest.approx(np.log(3))


def test_embedding_similarity_equals_mean_pooled_cosine() -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    path, _ = resolve_encoder(None, "metrics.embedding")
    tok, model = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()

    def embed(texts: list[str]) -> np.ndarray:  # all-MiniLM-L6-v2's recipe, by hand
        batch = tok(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
        with torch.inference_mode():
            out = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        v = (out * mask).sum(1) / mask.sum(1)
        return torch.nn.functional.normalize(v, dim=1).numpy()

    enc = SentenceEncoder(None)
    ours = embedding_similarity(enc.encode(CANDS), [enc.encode(g) for g in REFS])
    want = [
        max(float(embed([c])[0] @ e) for e in embed(g)) for c, g in zip(CANDS, REFS, strict=True)
    ]
    np.testing.assert_allclose(ours, want, atol=1e-5)


def test_bertscore_and_embedding_in_a_run(tmp_path, jsonl, write_config, run_cli) -> None:
    data = jsonl(
        [{"id": r["id"], "article": r["article"], "summary": r["summary"]} for r in read_xsum(8)]
    )
    cfg = basic_config(
        data,
        tmp_path,
        models=[{"name": "lead-1", "backend": "lead", "lead_sentences": 1},
                {"name": "lead-3", "backend": "lead", "lead_sentences": 3}],
        metrics={"bertscore": {}, "embedding": {}},
    )  # fmt: skip
    code, _, err = run_cli("run", write_config(cfg))
    assert code == 0, err
    run_dir = tmp_path / "results" / "cfg"
    doc = json.loads((run_dir / "results.json").read_text())
    summary = doc["results"]["lead-3"]["summary"]
    bs = summary["metrics"]["bertscore"]
    assert bs["fmeasure_low"] <= bs["fmeasure"] <= bs["fmeasure_high"] and 0 < bs["fmeasure"] < 1
    assert {"precision", "recall"} <= set(bs)
    assert summary["metric_signatures"]["bertscore"].startswith("bertscore|model:")
    measures = {t["system"]: t["measures"] for t in doc["significance"]["summary"]}
    assert {"bertscore", "embedding"} <= set(measures["lead-3"])
    table = (run_dir / "table.md").read_text()
    assert "summary BERTScore" in table and "summary Emb-cos" in table
    sample = json.loads((run_dir / "samples_lead-3_summary.jsonl").read_text().splitlines()[0])
    assert set(sample["scores"]["bertscore"]) == {"precision", "recall", "fmeasure"}
    assert doc["results"]["lead-3"]["headline"]["metrics"]["bertscore"] is None  # n/a
    assert "BERTScore" in (run_dir / "report.html").read_text()
