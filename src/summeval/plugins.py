"""Backends and metrics from other installed packages, found by entry point.

A package adds a backend under the entry-point group ``summeval.backends`` (name ->
``module:factory``, the factory called as ``factory(model_config, tasks, seed)`` and
returning a ``summeval.models.base.Backend``) or a metric under ``summeval.metrics``
(name -> ``module:factory``, called as ``factory(options)`` with the metric's config
mapping and returning a scorer: ``.name`` and ``.score(predictions, references,
task_references) -> (per-article values by part, signature)``). Configs name them like
the built-in ones. Nothing is imported until a config uses it.
"""

from __future__ import annotations

import difflib
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from summeval.errors import ConfigError

BACKEND_GROUP = "summeval.backends"
METRIC_GROUP = "summeval.metrics"


def found(group: str) -> dict[str, EntryPoint]:
    """The entry points of a group by name (the first installed wins a clash)."""
    out: dict[str, EntryPoint] = {}
    for ep in entry_points(group=group):
        out.setdefault(ep.name, ep)
    return out


def load_plugin(group: str, name: str, where: str) -> Any:
    """The factory a plugin's entry point names; a plugin that fails to import is a
    one-line error naming it and its package."""
    ep = found(group)[name]
    try:
        return ep.load()
    except Exception as exc:  # a broken plugin: say which, never a traceback
        dist = getattr(ep, "dist", None)
        package = f" (package {dist.name})" if dist is not None else ""
        raise ConfigError(
            f"plugin '{name}'{package} failed to load: {exc.__class__.__name__}: {exc}",
            where=where,
            hint=f"fix or reinstall the package; its entry point is {ep.value}",
        ) from None


def metric_problem(config: Any) -> tuple[tuple[str, ...], str] | None:
    """The first ``metrics`` key that is neither built in nor an installed plugin's metric
    (or whose options are not a mapping), as (key path, message), for ``load_config``."""
    extra = config.metrics.model_extra or {}
    if not extra:
        return None
    plugins = found(METRIC_GROUP)
    for name, options in extra.items():
        if name not in plugins:
            known = [*type(config.metrics).model_fields, *plugins]
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"choose from {', '.join(known)}"
            return ("metrics", name), f"unknown key '{name}'; {hint}"
        if options is not None and not isinstance(options, dict):
            return ("metrics", name), f"the options of metric '{name}' must be a mapping ({{}})"
    return None
