"""summeval: evaluate summarisation models with exact, reproducible ROUGE.

As a library: ``summeval.evaluate(config, **overrides)`` runs a config and returns typed
results; ``summeval.score(predictions, references)`` scores texts without models (see
``summeval.api``). Both load on first use, so ``import summeval`` stays light.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.2.0"
__all__ = ["RunResult", "Scores", "__version__", "evaluate", "score"]

_API = ("evaluate", "score", "RunResult", "Scores")


def __getattr__(name: str) -> Any:
    if name in _API:
        from summeval import api

        return getattr(api, name)
    raise AttributeError(f"module 'summeval' has no attribute {name!r}")
