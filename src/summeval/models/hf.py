"""Hugging Face transformers backends: encoder-decoder (seq2seq) and decoder-only (causal).

Both load from a Hub id or a local folder, pick a device and dtype, truncate over-long
articles from the end (the lead is kept, the instruction is never cut), and record the
decoding settings actually used.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from summeval.config import ModelConfig, TasksConfig
from summeval.data.article import Article
from summeval.errors import ModelError
from summeval.models.base import Generation, ModelInfo, Prepared
from summeval.models.device import resolve_device, resolve_dtype
from summeval.models.tiny import VERSION as TINY_VERSION
from summeval.models.tiny import is_tiny, tiny_model_path
from summeval.tasks import DEFAULT_MAX_NEW_TOKENS, TaskSpec

DECODING_KEYS = (
    "max_new_tokens",
    "min_new_tokens",
    "num_beams",
    "do_sample",
    "temperature",
    "top_p",
    "top_k",
    "repetition_penalty",
    "no_repeat_ngram_size",
    "length_penalty",
    "early_stopping",
)
_SAMPLING_ONLY = ("temperature", "top_p", "top_k")
_FALLBACK_CONTEXT = 1024


def looks_like_path(ref: str) -> bool:
    """A reference that can only be a local path (a Hub id is ``name`` or ``org/name``)."""
    return ref.startswith(("/", "./", "../", "~")) or ref.count("/") > 1 or "\\" in ref


def load_error(exc: BaseException, ref: str, key: str) -> ModelError:
    """A one-line error for a model that could not be loaded from a path or the Hub."""
    text = " ".join(str(exc).split())
    low = f"{exc.__class__.__name__} {text}".lower()
    offline_env = any(os.environ.get(v) == "1" for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))
    unreachable = offline_env or any(
        s in low for s in ("connect", "offline", "resolve", "max retries", "timed out", "network")
    )
    if unreachable:
        return ModelError(
            f"'{ref}' is not a local folder and the Hugging Face Hub could not be reached "
            "to fetch it",
            where=key,
            hint=(
                "download it where you have internet (huggingface-cli download "
                f"{ref} --local-dir DIR) and set {key} to that folder"
            ),
        )
    if "not a valid model identifier" in low or "repository not found" in low or "404" in low:
        return ModelError(
            f"model '{ref}' was not found on the Hugging Face Hub nor as a local folder",
            where=key,
            hint="check the id or path (private models need `huggingface-cli login`)",
        )
    if "safetensors" in low and ("no file named" in low or "does not appear to have" in low):
        return ModelError(
            f"'{ref}' has no safetensors weights and pickle loading is off",
            where=key,
            hint="set allow_pickle: true for this model if you trust its files",
        )
    return ModelError(f"could not load '{ref}' ({exc.__class__.__name__}: {text[:240]})", where=key)


def _cache_layers(cache: Any) -> list[tuple[Any, Any]] | None:
    """(keys, values) per layer of a plain full-attention cache, else None."""
    if hasattr(cache, "layers"):
        if any(type(layer).__name__ != "DynamicLayer" for layer in cache.layers):
            return None
        return [(layer.keys, layer.values) for layer in cache.layers]
    if hasattr(cache, "key_cache"):
        return list(zip(cache.key_cache, cache.value_cache, strict=True))
    return None


def _materialise(ref: str) -> str:
    """A tiny-random model name becomes its built folder; anything else is unchanged."""
    return str(tiny_model_path(ref)) if is_tiny(ref) else ref


def weights_fingerprint(ref: str) -> str | None:
    """A cheap fingerprint of local weights: file names, sizes and mtimes, and the JSON
    configs' content. None for a Hub id (its id and revision identify it)."""
    if is_tiny(ref):
        return f"{ref}@{TINY_VERSION}"
    path = Path(ref).expanduser()
    if not path.exists():
        return None
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    h = hashlib.sha256()
    for f in files:
        st = f.stat()
        name = f.relative_to(path) if path.is_dir() else f.name
        h.update(f"{name}|{st.st_size}|{st.st_mtime_ns}".encode())
        if f.suffix == ".json" and st.st_size < 5_000_000:
            h.update(f.read_bytes())
    return h.hexdigest()


class HFBackend:
    """Shared loading, truncation and decoding for both transformers backends."""

    is_seq2seq = False
    cacheable = True

    def __init__(self, cfg: ModelConfig, tasks: TasksConfig, seed: int, source: str | None = None):
        """Cheap: nothing is loaded until a cache miss needs the model (see ``load``)."""
        self.cfg = cfg
        self.tasks = tasks
        self.seed = seed
        self.key = f"models.{cfg.name}.model"
        ref = source or cfg.model
        if not ref:
            raise ModelError("no model given", where=self.key, hint="set a Hub id or a local path")
        self.ref = ref
        self._check_local(ref)
        if cfg.tokenizer:
            self._check_local(cfg.tokenizer)
        self.device = resolve_device(cfg.device)
        self.dtype = resolve_dtype(cfg.dtype, self.device)
        self._tokenizer: Any = None
        self._model: Any = None
        self.context = 0
        self.info = ModelInfo(
            backend=cfg.backend,
            model=cfg.model or ref,
            revision=cfg.revision,
            device=self.device,
            dtype=self.dtype,
        )

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def torch_dtype(self) -> Any:
        import torch

        return getattr(torch, self.dtype)

    @property
    def tokenizer(self) -> Any:
        """The tokenizer, loaded on first use without the weights (a dry run needs no more)."""
        if self._tokenizer is None:
            ref = _materialise(self._metadata_source())
            self._hub_preflight(ref)
            self._tokenizer = self._load_tokenizer(_materialise(self.cfg.tokenizer or ref))
        return self._tokenizer

    def _metadata_source(self) -> str:
        """Where tokenizer and configs are read from (GGUF overrides it)."""
        return self.ref

    def _metadata_kwargs(self) -> dict[str, Any]:
        return {}

    def _model_config(self) -> Any:
        """The model's config: the loaded model's, else read from its files (no weights)."""
        if self._model is not None:
            return self._model.config
        from transformers import AutoConfig

        ref = _materialise(self._metadata_source())
        return AutoConfig.from_pretrained(ref, **self._hub_kwargs(), **self._metadata_kwargs())

    def _own_generation_config(self) -> Any:
        """The model's generation_config: the loaded model's, else from its files."""
        if self._model is not None:
            return self._model.generation_config
        from transformers import GenerationConfig

        ref = _materialise(self._metadata_source())
        try:
            return GenerationConfig.from_pretrained(
                ref, **self._hub_kwargs(), **self._metadata_kwargs()
            )
        except OSError:  # no generation_config.json: the defaults its config implies
            return GenerationConfig.from_model_config(self._model_config())

    @property
    def model(self) -> Any:
        self.load()
        return self._model

    def identity(self) -> dict[str, Any]:
        """What makes this model's outputs what they are, known without loading it."""
        return {
            "backend": self.cfg.backend,
            "model": self.cfg.model,
            "revision": self.cfg.revision,
            "weights": weights_fingerprint(self.ref),
            "tokenizer": self.cfg.tokenizer,
            "tokenizer_files": weights_fingerprint(self.cfg.tokenizer)
            if self.cfg.tokenizer
            else None,
            "dtype": f"torch.{self.dtype}",
        }

    def load(self) -> None:
        """Load tokenizer and model once (on the first cache miss)."""
        if self._model is not None:
            return
        started = time.perf_counter()
        ref = _materialise(self.ref)
        self._hub_preflight(ref)
        if self._tokenizer is None:
            self._tokenizer = self._load_tokenizer(_materialise(self.cfg.tokenizer or self.ref))
        model = self._load_model(ref)
        if self.cfg.compile:
            import torch

            model.forward = torch.compile(model.forward, dynamic=True)
        self._model = model
        self.context = self.context_limit
        self.info.details.update(
            {
                "class": type(model).__name__,
                "parameters": sum(p.numel() for p in model.parameters()),
                "max_input_tokens": self.context,
                "chat_template": bool(getattr(self._tokenizer, "chat_template", None)),
                "padding_side": self._tokenizer.padding_side,
                "model_generation_config": self._model_decoding(),
                "kv_cache": self.cfg.kv_cache,
                "compile": self.cfg.compile,
                "load_seconds": round(time.perf_counter() - started, 3),
            }
        )

    # ------------------------------------------------------------ loading

    def _hub_preflight(self, ref: str) -> None:
        """Fail fast, with one clear line, when a Hub model cannot be fetched.

        One metadata request (no retries) instead of from_pretrained's retry loop; skipped
        offline and when the model is already in the local Hugging Face cache.
        """
        if looks_like_path(ref) or Path(ref).exists():
            return
        if any(os.environ.get(v) == "1" for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")):
            return
        import huggingface_hub
        from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

        cached = huggingface_hub.try_to_load_from_cache(
            ref, "config.json", revision=self.cfg.revision
        )
        if isinstance(cached, str):
            return
        try:
            huggingface_hub.model_info(ref, revision=self.cfg.revision, timeout=10)
        except GatedRepoError:
            return  # from_pretrained reports the access problem with the Hub's own words
        except RepositoryNotFoundError as exc:
            raise load_error(
                RuntimeError(f"404 repository not found: {exc}"), ref, self.key
            ) from None
        except Exception as exc:
            raise load_error(exc, ref, self.key) from None

    def _check_local(self, ref: str) -> None:
        if looks_like_path(ref) and not Path(ref).expanduser().exists():
            raise ModelError(
                f"local model folder '{ref}' not found (looked from {Path.cwd()})",
                where=self.key,
                hint="fix the path, or give a Hugging Face Hub id such as facebook/bart-large-cnn",
            )

    def _hub_kwargs(self) -> dict[str, Any]:
        kw: dict[str, Any] = {"trust_remote_code": self.cfg.trust_remote_code}
        if self.cfg.revision:
            kw["revision"] = self.cfg.revision
        return kw

    def _load_tokenizer(self, ref: str) -> Any:
        from transformers import AutoTokenizer

        kw = self._hub_kwargs()
        if not self.is_seq2seq:
            kw["padding_side"] = "left"  # batched decoder-only generation needs left padding
        try:
            tok = AutoTokenizer.from_pretrained(
                str(Path(ref).expanduser()) if looks_like_path(ref) else ref, **kw
            )
        except Exception as exc:
            raise load_error(exc, ref, self.key) from None
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        return tok

    def _auto_class(self) -> Any:
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

        return AutoModelForSeq2SeqLM if self.is_seq2seq else AutoModelForCausalLM

    def _load_model(self, ref: str) -> Any:
        kw = self._hub_kwargs()
        kw["dtype"] = self.torch_dtype
        if not self.cfg.allow_pickle:
            kw["use_safetensors"] = True
        path = str(Path(ref).expanduser()) if looks_like_path(ref) else ref
        if self.cfg.device_map:  # spread over devices by accelerate, not moved as a whole
            kw.update(self._device_map_kwargs())
        try:
            model = self._auto_class().from_pretrained(path, **kw)
        except Exception as exc:
            raise load_error(exc, ref, self.key) from None
        if self.cfg.device_map:
            self.device = self.info.device = str(model.device)  # where inputs go: the first
            placed = getattr(model, "hf_device_map", None) or {"": self.device}  # module: device
            self.info.details["device_map"] = {str(k): str(v) for k, v in placed.items()}
        else:
            model.to(self.device)
        model.eval()
        return model

    def _device_map_kwargs(self) -> dict[str, Any]:
        """``device_map`` and ``max_memory`` for from_pretrained; under torchrun each rank
        takes its own GPUs (``rank_devices``)."""
        import os

        from accelerate.utils import get_max_memory

        from summeval.models.device import rank_devices

        try:
            memory = rank_devices(
                get_max_memory(),
                int(os.environ.get("LOCAL_RANK", "0") or 0),
                int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1),
                self.cfg.max_memory,
            )
        except ValueError as err:
            raise ModelError(str(err), where=f"models.{self.cfg.name}.device_map") from None
        return {"device_map": self.cfg.device_map, "max_memory": memory}

    @property
    def context_limit(self) -> int:
        """The most input tokens: the config's, else what the model and tokenizer allow."""
        if self.cfg.max_input_tokens:
            return self.cfg.max_input_tokens
        if self.context:
            return self.context
        conf = self._model_config()
        candidates = [
            getattr(conf, a, None)
            for a in ("max_position_embeddings", "n_positions", "max_seq_len")
        ]
        tok_max = getattr(self.tokenizer, "model_max_length", None)
        if tok_max and tok_max < 1_000_000:
            candidates.append(tok_max)
        known = [int(c) for c in candidates if isinstance(c, int) and c > 0]
        self.context = min(known) if known else _FALLBACK_CONTEXT
        return self.context

    # ------------------------------------------------------------ decoding settings

    def _model_decoding(self) -> dict[str, Any]:
        own = self._own_generation_config().to_diff_dict()
        return {k: v for k, v in own.items() if k in (*DECODING_KEYS, "max_length", "min_length")}

    def requested_settings(self, task: str) -> dict[str, Any]:
        """The decoding settings the config asks for (no model needed): part of the cache key."""
        task_set = self.tasks.get(task).generation.set_values()
        model_set = self.cfg.generation[task].set_values() if task in self.cfg.generation else {}
        settings = {**task_set, **model_set}
        settings["do_sample"] = bool(settings.get("do_sample", False))
        if "stop" in settings:  # transformers' name; generate() then needs the tokenizer
            settings["stop_strings"] = settings.pop("stop")
        if self.cfg.kv_cache != "dynamic":
            settings["cache_implementation"] = self.cfg.kv_cache
        return settings

    def generation_settings(self, task: str) -> dict[str, Any]:
        """summeval defaults < the model's generation_config < tasks.<task> < models[].generation.

        Sampling is off unless the config turns it on, so runs are reproducible. The model's
        own max/min length apply only to the summary task of encoder-decoder models.
        """
        own = self._model_decoding()
        max_len, min_len = own.pop("max_length", None), own.pop("min_length", None)
        if task != "summary":
            own.pop("max_new_tokens", None)
            own.pop("min_new_tokens", None)
        elif self.is_seq2seq:
            if max_len:
                own.setdefault("max_new_tokens", max(1, int(max_len) - 1))
            if min_len:
                own.setdefault("min_new_tokens", max(0, int(min_len) - 1))
        settings: dict[str, Any] = {
            "max_new_tokens": DEFAULT_MAX_NEW_TOKENS[task],
            "num_beams": 1,
            **own,
            **self.requested_settings(task),
        }
        if not settings["do_sample"]:
            for key in _SAMPLING_ONLY:
                settings.pop(key, None)
        return dict(sorted(settings.items()))

    def _generation_config(self, settings: dict[str, Any]) -> Any:
        from transformers import GenerationConfig

        base = self.model.generation_config.to_dict()
        plumbing = {
            k: v
            for k, v in base.items()
            if (k.endswith("_token_id") or k in ("suppress_tokens", "begin_suppress_tokens"))
            and v is not None
        }
        if plumbing.get("pad_token_id") is None:
            plumbing["pad_token_id"] = self.tokenizer.pad_token_id
        return GenerationConfig(**plumbing, **settings)

    # ------------------------------------------------------------ prompts and truncation

    def build_prompt(self, spec: TaskSpec, article_text: str) -> str:
        """The full model input for one article."""
        raise NotImplementedError

    def _add_special(self) -> bool:
        return True

    def _count(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=self._add_special())["input_ids"])

    def fit(self, spec: TaskSpec, text: str, budget: int) -> tuple[str, int, int, bool]:
        """Truncate the article (never the instruction) so the prompt fits ``budget`` tokens.

        Returns (prompt, prompt tokens, article tokens before cutting, truncated?).
        """
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        prompt = self.build_prompt(spec, text)
        n_prompt = self._count(prompt)
        if n_prompt <= budget:
            return prompt, n_prompt, len(ids), False
        overhead = self._count(self.build_prompt(spec, ""))
        if overhead >= budget:
            raise ModelError(
                f"the {spec.name} prompt alone takes {overhead} tokens, more than the "
                f"{budget} allowed for input",
                where=f"models.{self.cfg.name}.max_input_tokens",
                hint="raise max_input_tokens or shorten the prompt",
            )
        keep = budget - overhead
        for _ in range(8):  # re-tokenising a cut can shift a token or two
            cut = self.tokenizer.decode(ids[:keep], skip_special_tokens=True).rstrip()
            prompt = self.build_prompt(spec, cut)
            n_prompt = self._count(prompt)
            if n_prompt <= budget or keep <= 1:
                break
            keep = max(1, keep - (n_prompt - budget))
        return prompt, n_prompt, len(ids), True

    def input_budget(self, settings: dict[str, Any]) -> int:
        return self.context_limit

    # ------------------------------------------------------------ generation

    def request_text(self, spec: TaskSpec, article: Article) -> str:
        """The prompt before any chat template or truncation: part of the cache key."""
        return self.build_prompt(spec, article.text)

    def prepare(self, spec: TaskSpec, articles: list[Article]) -> list[Prepared]:
        """Fit each article into the input budget; token counts drive length sorting."""
        budget = self.input_budget(self.generation_settings(spec.name))
        out = []
        for art in articles:
            prompt, n_in, n_orig, truncated = self.fit(spec, art.text, budget)
            out.append(Prepared(art, prompt, n_in, n_orig, truncated))
        return out

    def generate(self, spec: TaskSpec, batch: list[Prepared]) -> list[Generation]:
        """One batch through ``model.generate``; texts come back in batch order."""
        import torch

        settings = self.generation_settings(spec.name)
        enc = self.tokenizer(
            [p.prompt for p in batch],
            return_tensors="pt",
            padding=True,
            add_special_tokens=self._add_special(),
            # a static KV cache compiles per shape: bucket the lengths to bound recompiles
            pad_to_multiple_of=64 if self.cfg.kv_cache == "static" else None,
        ).to(self.device)
        torch.manual_seed(self.seed)
        stop = {"tokenizer": self.tokenizer} if settings.get("stop_strings") else {}
        with torch.inference_mode():
            gen_cfg = self._generation_config(settings)
            cache = self._prefill(enc, settings) if self._can_prefill(enc, settings) else None
            # rating prompts (LLM judge): the first new token's distribution over the choices
            scores = (
                {"output_scores": True, "return_dict_in_generate": True} if spec.choices else {}
            )
            if cache is not None:
                with warnings.catch_warnings():  # transformers 5 renames it `cache` (until 6.0)
                    warnings.simplefilter("ignore", FutureWarning)
                    out = self.model.generate(
                        **enc, generation_config=gen_cfg, past_key_values=cache, **stop, **scores
                    )
            else:
                out = self.model.generate(**enc, generation_config=gen_cfg, **stop, **scores)
        probs: list[dict[str, float] | None] = [None] * len(batch)
        if spec.choices:
            probs = self._choice_probs(out.scores[0], spec.choices)
            out = out.sequences
        new = out[:, 1:] if self.is_seq2seq else out[:, enc["input_ids"].shape[1] :]
        texts = self.tokenizer.batch_decode(new, skip_special_tokens=True)
        pad = self.tokenizer.pad_token_id
        counts = (new != pad).sum(dim=1).tolist() if pad is not None else [new.shape[1]] * len(new)
        hit = self._hit_limit(new, gen_cfg, int(settings.get("max_new_tokens", 0)))
        stops = settings.get("stop_strings") or []
        hit = [h and not any(s in t for s in stops) for h, t in zip(hit, texts, strict=True)]
        return [
            Generation(
                text=text,
                prompt=p.prompt,
                prompt_tokens=p.prompt_tokens,
                article_tokens=p.article_tokens,
                truncated=p.truncated,
                new_tokens=int(count),
                hit_token_limit=hit[i],
                choice_probs=probs[i],
            )
            for i, (text, p, count) in enumerate(zip(texts, batch, counts, strict=True))
        ]

    def _hit_limit(self, new: Any, gen_cfg: Any, max_new: int) -> list[bool]:
        """Per row: did it write ``max_new`` tokens that are neither padding nor an end of
        sequence? A row that ended (end-of-sequence token or stop string) has fewer."""
        import torch

        eos = gen_cfg.eos_token_id if gen_cfg.eos_token_id is not None else []
        ends = [eos] if isinstance(eos, int) else list(eos)
        if self.tokenizer.pad_token_id is not None:
            ends.append(self.tokenizer.pad_token_id)
        real = ~torch.isin(new, torch.tensor(ends, dtype=new.dtype, device=new.device))
        return [bool(n >= max_new > 0) for n in real.sum(dim=1).tolist()]

    def _choice_probs(self, logits: Any, choices: tuple[str, ...]) -> list[dict[str, float]]:
        """Per row, the probability of each choice as the first new token (choices that are
        not one token of their own are left out)."""
        import torch

        ids: dict[str, int] = {}
        for c in choices:
            toks = self.tokenizer.encode(c, add_special_tokens=False)
            if len(toks) == 1:
                ids[c] = toks[0]
        p = torch.softmax(logits.float(), dim=-1)
        return [{c: float(p[row, i]) for c, i in ids.items()} for row in range(p.shape[0])]

    def _can_prefill(self, enc: Any, settings: dict[str, Any]) -> bool:
        """Separate prefill pays off on CPU, where prefill is compute-bound and pad tokens
        cost as much as real ones; on a GPU one padded prefill beats many small launches."""
        if self.device != "cpu" or self.is_seq2seq or self.cfg.kv_cache != "dynamic":
            return False
        if self.cfg.compile:
            return False
        if int(settings.get("num_beams", 1)) != 1 or enc["input_ids"].shape[0] < 2:
            return False
        return bool(enc["attention_mask"].sum(dim=1).min() >= 2)

    def _prefill(self, enc: Any, settings: dict[str, Any]) -> Any:
        """Prefill each prompt alone (no padding), then stack the caches left-padded.

        Padding a batch to its longest prompt wastes prefill compute on pad tokens; here each
        row is prefilled at its own length (exactly what batch size 1 computes) and only the
        decoding is batched. ``generate`` then feeds just the last prompt token. Returns None
        where the cache layout is not the plain one, and the batch runs the usual way.
        """
        import torch
        from transformers import DynamicCache

        ids, mask = enc["input_ids"], enc["attention_mask"]
        width = ids.shape[1]
        # the body alone: the prompt's logits are never read (and cost a vocabulary-sized
        # row per token); the keys and values are those the whole model computes
        body = getattr(self.model, "base_model", self.model)
        rows: list[list[tuple[Any, Any]]] = []
        for i in range(ids.shape[0]):
            length = int(mask[i].sum())
            row = ids[i : i + 1, width - length : width - 1]
            layers = _cache_layers(body(input_ids=row, use_cache=True).past_key_values)
            if layers is None:
                return None
            rows.append(layers)
        cache = DynamicCache()
        for layer in range(len(rows[0])):
            keys, values = [], []
            for i, row in enumerate(rows):
                k, v = row[layer]
                pad = width - 1 - k.shape[2]
                keys.append(torch.nn.functional.pad(k, (0, 0, pad, 0)))
                values.append(torch.nn.functional.pad(v, (0, 0, pad, 0)))
                rows[i][layer] = (None, None)  # free as we go
            cache.update(torch.cat(keys), torch.cat(values), layer)
        return cache

    def free_memory(self) -> None:
        """After an out-of-memory error: release cached blocks before retrying smaller."""
        import gc

        gc.collect()
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.empty_cache()

    def close(self) -> None:
        self._model = None
        if self.device.startswith("cuda") and "torch" in sys.modules:  # a model was loaded
            sys.modules["torch"].cuda.empty_cache()


class Seq2SeqBackend(HFBackend):
    """Encoder-decoder models (BART, PEGASUS, T5/FLAN-T5).

    The input is ``prefix + article`` (as in the transformers summarisation example), unless
    the model has its own prompt for the task in ``models[].prompts``.
    """

    is_seq2seq = True

    def build_prompt(self, spec: TaskSpec, article_text: str) -> str:
        if spec.name in self.cfg.prompts:
            return spec.render(article_text)
        return (self.cfg.prefix or "") + article_text


class CausalBackend(HFBackend):
    """Decoder-only models; the prompt goes through the tokenizer's chat template if it has one."""

    def _add_special(self) -> bool:
        return not getattr(self.tokenizer, "chat_template", None)

    def request_text(self, spec: TaskSpec, article: Article) -> str:
        system = f"[system]{self.cfg.system_prompt}\n" if self.cfg.system_prompt else ""
        return system + (self.cfg.prefix or "") + spec.render(article.text)

    def build_prompt(self, spec: TaskSpec, article_text: str) -> str:
        user = (self.cfg.prefix or "") + spec.render(article_text)
        if not getattr(self.tokenizer, "chat_template", None):
            return user
        messages = [{"role": "user", "content": user}]
        if self.cfg.system_prompt:
            messages.insert(0, {"role": "system", "content": self.cfg.system_prompt})
        return self.tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True
        )

    def input_budget(self, settings: dict[str, Any]) -> int:
        """Prompt and new tokens must both fit the model's context."""
        if self.cfg.max_input_tokens:
            return self.cfg.max_input_tokens
        return max(16, self.context_limit - int(settings.get("max_new_tokens", 0)))
