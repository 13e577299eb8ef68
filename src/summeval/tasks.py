"""The two tasks, summary and headline: default prompts, decoding defaults, post-processing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from summeval.config import ModelConfig, TaskConfig
from summeval.data.cleaning import remove_controls
from summeval.sentences import strip_full_stop

# The instruction comes after the article: small instruction-tuned models follow it better
# there, and truncation (which cuts only the article) can never remove it.
SUMMARY_PROMPT = "Article:\n{article}\n\nSummarise this article in two or three sentences."
HEADLINE_PROMPT = (
    "Article:\n{article}\n\nWrite a short headline for this article. Reply with the headline only."
)

DEFAULT_PROMPTS = {"summary": SUMMARY_PROMPT, "headline": HEADLINE_PROMPT}
DEFAULT_MAX_NEW_TOKENS = {"summary": 128, "headline": 32}
DEFAULT_MAX_WORDS = {"summary": None, "headline": 20}


@dataclass(frozen=True)
class TaskSpec:
    """A task as one model runs it: the prompt template and post-processing limits."""

    name: str
    prompt: str
    max_words: int | None
    # a rating prompt (LLM judge): the answers whose first-token probabilities to record
    choices: tuple[str, ...] = ()

    def render(self, article: str) -> str:
        """Fill the template; ``{article}`` and ``{max_words}`` are the only fields. Only the
        template is filled: text in the article that looks like a field stays as it is."""
        template = self.prompt.replace("{max_words}", str(self.max_words or ""))
        before, _, after = template.partition("{article}")
        return before + article + after.replace("{article}", article)

    def postprocess(self, text: str) -> str:
        """Clean raw model output for this task."""
        return self.postprocess_edits(text)[0]

    def postprocess_edits(self, text: str) -> tuple[str, list[str]]:
        """Clean raw model output, and name what cleaning had to do (headlines: ``prefix``,
        ``lines``, ``quotes``, ``cut``), so a model that ignores the instruction shows it."""
        if self.name == "headline":
            return clean_headline_edits(text, self.max_words or DEFAULT_MAX_WORDS["headline"] or 20)
        return clean_summary(text, self.max_words), []


def task_spec(task: str, task_cfg: TaskConfig, model_cfg: ModelConfig) -> TaskSpec:
    """Resolve the prompt: model's own > task config > built-in default."""
    prompt = model_cfg.prompts.get(task) or task_cfg.prompt or DEFAULT_PROMPTS[task]  # type: ignore[call-overload]
    if "{article}" not in prompt:
        prompt = prompt.rstrip() + "\n\n{article}"
    return TaskSpec(task, prompt, task_cfg.max_words or DEFAULT_MAX_WORDS[task])


_CHAT_TOKENS = re.compile(
    r"<\|[^|>]{1,40}\|>|</?s>|<pad>|<unk>|\[/?INST\]|<start_of_turn>|<end_of_turn>"
)
_ROLE_LINE = re.compile(r"^\s*(assistant|model|system|user)\s*:?\s*$", re.IGNORECASE)
_LEAD_IN = re.compile(
    r"^\s*(?:sure[,!.]?\s*)?(?:here(?:'s| is| are)\b[^:\n]{0,80}:|"
    r"(?:summary|tl;?dr|in summary)\s*[:\-–]|(?:news\s+)?headline\s*[:\-–]|title\s*[:\-–]|"
    r"(?:the\s+)?article\s*:|(?:reply|answer|response)\s*:)\s*",
    re.IGNORECASE,
)
_QUOTES = "\"'“”‘’«»`*_#"


def strip_chat_artefacts(text: str) -> str:
    """Remove special tokens, role lines and lead-ins such as 'Here is a summary:', and
    control characters (a model can write ESC or NUL as well as any text)."""
    text = _CHAT_TOKENS.sub(" ", remove_controls(text))
    lines = [ln for ln in text.replace("\r", "").split("\n") if not _ROLE_LINE.match(ln)]
    text = "\n".join(lines).strip()
    prev = None
    while prev != text:
        prev = text
        text = _LEAD_IN.sub("", text, count=1).strip()
    return text


def clean_summary(text: str, max_words: int | None = None) -> str:
    """Summary: chat artefacts stripped, whitespace folded, optional word cap."""
    text = strip_chat_artefacts(text)
    paragraphs = [" ".join(p.split()) for p in text.split("\n") if p.strip()]
    text = "\n".join(paragraphs)
    if max_words:
        words = text.split()
        text = " ".join(words[:max_words]) if len(words) > max_words else text
    return text


def clean_headline(text: str, max_words: int = 20) -> str:
    """Headline: the first non-empty line, no 'Headline:' prefix, no surrounding quotes,
    at most ``max_words`` words."""
    return clean_headline_edits(text, max_words)[0]


def clean_headline_edits(text: str, max_words: int = 20) -> tuple[str, list[str]]:
    """``clean_headline`` and the edits it made: ``prefix`` (chat tokens, role lines or a
    lead-in such as 'Headline:' or 'The article:' removed), ``lines`` (only the first of
    several lines kept), ``quotes`` (surrounding quotes or markup removed), ``cut`` (cut to
    ``max_words``), ``stop`` (the headline's final full stop removed: headlines have none; a
    cut that ends after a full stop loses it too, as part of the cut)."""
    edits = []
    stripped = strip_chat_artefacts(text)
    if stripped != text.strip():
        edits.append("prefix")
    lines = [ln.strip() for ln in stripped.split("\n") if ln.strip(_QUOTES + " \t")]
    line = lines[0] if lines else ""
    if len(lines) > 1:
        edits.append("lines")
    unprefixed = _LEAD_IN.sub("", line).strip()
    if unprefixed != line and "prefix" not in edits:
        edits.append("prefix")
    line = unprefixed.strip(_QUOTES + " \t")
    if line != unprefixed:
        edits.append("quotes")
    words = line.split()
    if len(words) > max_words:
        words = words[:max_words]
        edits.append("cut")
    out = " ".join(words).strip(_QUOTES + " \t")
    unstopped = strip_full_stop(out)  # what the headline ends with, once cut
    if unstopped != out and "cut" not in edits:  # the model ended its headline with one
        edits.append("stop")
    return unstopped, edits
