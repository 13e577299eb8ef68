"""Backend registry: a name in the config maps to a factory. Heavy imports stay lazy.

Installed packages add backends through the ``summeval.backends`` entry points
(``summeval.plugins``); the built-in names below win a clash."""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from summeval.errors import ConfigError
from summeval.plugins import BACKEND_GROUP, found, load_plugin

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


def known_backends() -> list[str]:
    """The built-in backends, then those installed packages add."""
    return [*BACKENDS, *(n for n in found(BACKEND_GROUP) if n not in BACKENDS)]


def unknown_backend(name: str) -> str | None:
    """None for a known backend, else a message naming the nearest known one."""
    if name in BACKENDS:
        return None
    known = known_backends()
    if name in known:
        return None
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.4)
    hint = f"did you mean '{close[0]}'?" if close else f"choose one of: {', '.join(known)}"
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
    where = f"models.{cfg.name}.backend"
    check_backend(cfg.backend, where)
    factory: Callable[..., Backend]
    if cfg.backend in BACKENDS:
        module_name, attr = BACKENDS[cfg.backend].split(":")
        factory = getattr(importlib.import_module(module_name), attr)
    else:
        factory = load_plugin(BACKEND_GROUP, cfg.backend, where)
    return factory(cfg, tasks, seed)
