"""Every Markdown file of the repository renders as written: parsed by a CommonMark parser
(markdown-it-py, what GitHub's renderer follows), each code fence closes where its author
closed it and each ``##`` heading outside code is a heading. A closing fence with text after
it (```` ``` Where there is ...````) is no closing fence, and everything below it renders as
code: that broke the README once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from .conftest import ROOT


def _markdown_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    files = [ROOT / f for f in listed] or sorted(ROOT.glob("*.md"))
    return [f for f in files if f.exists()]


def headings_by_lines(text: str) -> list[str]:
    """``##`` headings as the author meant them: a line starting with three backticks opens
    or closes a code block, whatever follows it on the line."""
    out, in_code = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("## "):
            out.append(line[3:].strip())
    return out


def headings_by_commonmark(text: str) -> list[str]:
    tokens = MarkdownIt("commonmark").parse(text)
    return [
        tokens[i + 1].content
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag == "h2"
    ]


def fence_problems(text: str) -> list[str]:
    """Fences that swallow a would-be fence line, or run to the end of the file unclosed."""
    lines = text.splitlines()
    problems = []
    for t in MarkdownIt("commonmark").parse(text):
        if t.type != "fence" or t.map is None:
            continue
        start, end = t.map
        inner = [ln for ln in t.content.splitlines() if ln.lstrip().startswith("```")]
        if inner:
            problems.append(f"line {start + 1}: the code block swallows {inner[0]!r}")
        if not lines[end - 1].strip().startswith(("```", "~~~")) or end - 1 == start:
            problems.append(f"line {start + 1}: the code block is never closed")
    return problems


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_renders_as_written(path):
    text = path.read_text(encoding="utf-8")
    assert fence_problems(text) == []
    assert headings_by_commonmark(text) == headings_by_lines(text)


def test_the_checks_catch_a_closing_fence_with_text_after_it():
    broken = "# T\n\n```bash\n. .venv/bin/activate\n``` Where there is no GPU\n\n## Next\n"
    assert fence_problems(broken)
    assert headings_by_commonmark(broken) != headings_by_lines(broken)
    fixed = broken.replace("``` Where", "```\n\nWhere")
    assert fence_problems(fixed) == []
    assert headings_by_commonmark(fixed) == headings_by_lines(fixed) == ["Next"]
