"""Backend registry: a name in the config maps to a factory. Heavy imports stay lazy."""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from summeval.errors import ConfigError

if TYPE_CHECKING:
    from summeval.config import ModelConfig, SummevalConfig, TasksConfig
    from summeval.models.base import Backend

# name -> "module:factory"; add a backend by adding a line.
BACKENDS: dict[str, str] = {
    "lead": "summeval.models.lead:LeadBackend",
    "hf-seq2seq": "summeval.models.hf:Seq2SeqBackend",
    "hf-causal": "summeval.models.hf:CausalBackend",
    "gguf": "summeval.models.gguf:GGUFBackend",
    "openai": "summeval.models.served:OpenAIBackend",
}


def unknown_backend(name: str) -> str | None:
    """None for a known backend, else a message naming the nearest known one."""
    if name in BACKENDS:
        return None
    close = difflib.get_close_matches(name, list(BACKENDS), n=1, cutoff=0.4)
    hint = f"did you mean '{close[0]}'?" if close else f"choose one of: {', '.join(BACKENDS)}"
    return f"unknown backend '{name}'; {hint}"


def backend_problem(config: SummevalConfig) -> tuple[tuple[str | int, ...], str] | None:
    """The first model whose backend is unknown, as (key path, message), for ``load_config``."""
    for i, model in enumerate(config.models):
        message = unknown_backend(model.backend)
        if message:
            return ("models", i, "backend"), message
    return None


def check_backend(name: str, where: str = "backend") -> None:
    """Raise a one-line error naming the nearest known backend."""
    message = unknown_backend(name)
    if message:
        raise ConfigError(message, where=where)


def create_backend(cfg: ModelConfig, tasks: TasksConfig, seed: int) -> Backend:
    """Build the backend named by ``cfg.backend``."""
    check_backend(cfg.backend, f"models.{cfg.name}.backend")
    module_name, attr = BACKENDS[cfg.backend].split(":")
    factory: Callable[..., Backend] = getattr(importlib.import_module(module_name), attr)
    return factory(cfg, tasks, seed)
