"""The typed layout of ``results.json``: one pydantic model that a run writes through and
every reader validates against, with a ``schema_version``.

Scores are on a 0-1 scale. Sections whose keys vary with the config (data statistics,
headline checks, model details) are typed as mappings; everything a reader relies on is
a field. ``summeval schema`` prints the JSON Schema (also in docs/results.schema.json).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1  # results.json without the key: written by summeval 0.2, the same layout


class _Open(BaseModel):
    """Fields as documented; keys this version does not know are kept, not refused."""

    model_config = ConfigDict(extra="allow")


class Score(_Open):
    """A corpus-level ROUGE (or BERTScore...) value with its bootstrap interval of F1."""

    precision: float | None = None
    recall: float | None = None
    fmeasure: float | None
    fmeasure_low: float | None = None
    fmeasure_high: float | None = None
    precision_low: float | None = None
    precision_high: float | None = None
    recall_low: float | None = None
    recall_high: float | None = None


class TaskResult(_Open):
    """One model x task: scores with intervals, signature, counts, statistics, checks."""

    n_scored: int = Field(ge=0, description="articles with a reference, i.e. scored")
    n_unscored: int = Field(0, ge=0)
    rouge: dict[str, Score | None] = Field(description="measure -> score; null: n/a")
    signature: str = Field(description="the ROUGE reproducibility signature")
    article_set: str = ""
    tokenizer_dropped: float = 0.0
    warnings: list[str] = Field(default_factory=list)
    data_stats: dict[str, float | int | None] = Field(default_factory=dict)
    n_articles: int = 0
    n_truncated: int = 0
    n_hit_token_limit: int = 0
    n_empty_predictions: int = 0
    new_tokens: int = 0
    cache_hits: int = 0
    generated: int = 0
    max_batch_size: int = 0
    seconds: float = 0.0
    headline_checks: dict[str, float | int | None] | None = None
    metrics: dict[str, Score | None] | None = None  # BERTScore, embedding similarity
    metric_signatures: dict[str, str] | None = None
    judge: dict[str, Any] | None = None
    determinism: dict[str, Any] | None = None

    def score(self, measure: str) -> Score | None:
        """A measure's score, ROUGE or another metric; None when n/a or not computed."""
        found = self.rouge.get(measure)
        if found is None and self.metrics:
            found = self.metrics.get(measure)
        return found


class ModelRecord(_Open):
    """What was run for one model: backend, model, device, decoding settings per task."""

    backend: str
    model: str | None = None
    revision: str | None = None
    device: str | None = None
    dtype: str | None = None
    batch_size: int | str | None = None
    loaded_this_run: bool = False
    cache_fingerprint: str | None = None
    generation: dict[str, dict[str, Any]] = Field(default_factory=dict)


class MeasureTest(_Open):
    """A paired test of one measure: mean difference and both p-values."""

    n: int
    delta: float
    paired_bootstrap_p: float | None = None
    approximate_randomization_p: float | None = None
    significant: bool = False


class PairedTest(_Open):
    """A system against the baseline, per measure."""

    system: str
    baseline: str
    measures: dict[str, MeasureTest]


class RunResults(_Open):
    """A run folder's ``results.json``."""

    schema_version: int = SCHEMA_VERSION
    summeval_version: str = "?"
    run: str = ""
    created: str | None = None
    config_file: str | None = None
    seed: int | None = None
    git_commit: str | None = None
    versions: dict[str, str] = Field(default_factory=dict)
    scale: str = "0-1 (tables: 0-100)"
    rouge_settings: dict[str, Any] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)
    status: Literal["running", "complete", "interrupted", "failed"]
    models: dict[str, ModelRecord] = Field(default_factory=dict)
    results: dict[str, dict[str, TaskResult]]
    significance: dict[str, list[PairedTest]] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)

    def result(self, model: str, task: str) -> TaskResult | None:
        """One model x task, or None if the run has none."""
        return self.results.get(model, {}).get(task)

    def to_json(self) -> dict[str, Any]:
        """The JSON document, exactly the keys that were set (no nulls added)."""
        return self.model_dump(mode="json", exclude_unset=True)


class SchemaVersionError(ValueError):
    """results.json written by a newer summeval than this one."""


def read_results(doc: Any) -> RunResults:
    """Validate a parsed ``results.json``; ValueError (pydantic's or a version error) says
    what is wrong. A file without ``schema_version`` is read as version 1 (summeval 0.2)."""
    if isinstance(doc, dict):
        version = doc.get("schema_version", SCHEMA_VERSION)
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"schema_version {version!r} is newer than this summeval reads "
                f"({SCHEMA_VERSION}); upgrade summeval to read it"
            )
    return RunResults.model_validate(doc)


def json_schema() -> str:
    """The JSON Schema of results.json, for other tools."""
    schema = RunResults.model_json_schema()
    schema["$id"] = f"https://summeval.dev/schema/results-v{SCHEMA_VERSION}.json"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
