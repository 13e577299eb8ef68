"""The Article record and the counts of what loading did to the data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Article:
    """One news article: the model input text and its references per task.

    ``text`` is only the body; references, headline and standfirst never appear in it.
    """

    id: str
    text: str
    summaries: list[str] = field(default_factory=list)
    headlines: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def references(self, task: str) -> list[str]:
        """The references for a task (``summary`` or ``headline``)."""
        return self.summaries if task == "summary" else self.headlines


@dataclass
class DataReport:
    """What happened to the data on the way in; saved in results.json."""

    source: str = ""
    read: int = 0
    used: int = 0
    skipped_empty: int = 0
    skipped_empty_ids: list[str] = field(default_factory=list)
    undecodable_replaced: int = 0
    repeated_paragraphs_removed: int = 0
    control_chars_removed: int = 0  # NUL, BEL, ESC, ... in ids, articles and references
    missing_summary_reference: int = 0
    missing_headline_reference: int = 0
    limit: int | None = None
    # Which record field held each task's references; a guessed one is also in ``guessed``.
    reference_fields: dict[str, Any] = field(default_factory=dict)
    guessed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
