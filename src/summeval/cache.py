"""Where summeval keeps derived files: de-quantised GGUF models and built tiny models."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """``$SUMMEVAL_CACHE``, else ``$XDG_CACHE_HOME/summeval``, else ``~/.cache/summeval``."""
    env = os.environ.get("SUMMEVAL_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "summeval"
