"""summeval's messages (progress lines, warnings) go through the ``summeval`` logger.

Library callers (``summeval.evaluate``) see nothing unless they configure logging; the CLI
prints each message on stderr as ``summeval: <message>`` (``to_stderr``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

LOGGER = logging.getLogger("summeval")
LOGGER.addHandler(logging.NullHandler())


def log(msg: str) -> None:
    """A line about the run (data read, a model done, a warning about outputs)."""
    LOGGER.info(msg)


class _Stderr(logging.Handler):
    """``summeval: <message>`` on whatever ``sys.stderr`` is when the message comes."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"summeval: {record.getMessage()}", file=sys.stderr, flush=True)


@contextmanager
def to_stderr() -> Iterator[None]:
    """Print summeval's messages on stderr while the block runs (the CLI's whole life)."""
    handler = _Stderr(logging.INFO)
    old_level = LOGGER.level
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    try:
        yield
    finally:
        LOGGER.removeHandler(handler)
        LOGGER.setLevel(old_level)
