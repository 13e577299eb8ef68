"""summeval's Punkt port splits exactly as nltk's PunktSentenceTokenizer with the same
parameters (the oracle), on every shipped text and on generated hard cases; the default
scoring path never imports nltk."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from importlib.metadata import version

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summeval.punkt import sentences
from summeval.sentences import ABBREVIATIONS, split_sentences, strip_full_stop

from .conftest import ROOT

NLTK = tuple(int(x) for x in version("nltk").split(".")[:2])
pytestmark = pytest.mark.skipif(
    NLTK < (3, 10),
    reason=f"the port follows nltk 3.10's rules (curly quotes); nltk {version('nltk')} differs",
)


@pytest.fixture(scope="module")
def oracle():
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


def _shipped_texts() -> list[str]:
    texts = [(ROOT / "data" / "sample" / "seed_article.txt").read_text(encoding="utf-8")]
    for name in (
        "xsum/xsum_test500.jsonl",
        "wikinews/wikinews.jsonl",
        "realsumm/realsumm_meta.jsonl",
    ):
        for line in (ROOT / "data" / name).read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            texts += [rec[k] for k in ("article", "summary", "headline", "prediction") if k in rec]
            texts += rec.get("references", [])
    csv.field_size_limit(1 << 24)
    for raw in sorted((ROOT / "data" / "wikinews" / "raw").glob("*.csv")):
        rows = csv.DictReader(io.StringIO(raw.read_text(encoding="utf-8"), newline=""))
        texts += [r["text"] for r in rows]
    return texts


def test_equal_to_nltk_on_every_shipped_text(oracle):
    texts = _shipped_texts()
    assert len(texts) > 6000
    differ = [t[:80] for t in texts if sentences(t, ABBREVIATIONS) != oracle.tokenize(t)]
    assert differ == []


PIECES = [
    "Mr.",
    "Dr.",
    "U.S.",
    "J.",
    "5.",
    "No.",
    "etc.",
    "e.g.",
    "a.m.",
    "...",
    "..",
    "?",
    "!",
    "?!",
    ".",
    ",",
    ";",
    ":",
    "--",
    "-",
    "(",
    ")",
    "[",
    "]",
    '"',
    "'",
    "\u201c",
    "\u201d",
    "\u2018",
    "\u2019",
    "\u00ab",
    "\u00bb",
    "Smith",
    "smith",
    "The",
    "the",
    "1,000",
    "3.5",
    "12.",
    "#",
    "*",
    "@",
    "&",
    "\n",
    "\n\n",
    " ",
    "  ",
    "\t",
    "é",
    "Zürich",
    "ok.",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map(" ".join))
def test_equal_to_nltk_on_generated_hard_cases(text):
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    assert sentences(text, ABBREVIATIONS) == PunktSentenceTokenizer(params).tokenize(text)


def test_hand_made_cases():
    assert split_sentences("Mr. Smith went to Washington. He arrived at 5 p.m. on Monday.") == [
        "Mr. Smith went to Washington.",
        "He arrived at 5 p.m. on Monday.",
    ]
    assert split_sentences("J. K. Rowling wrote it. The end.") == [
        "J. K. Rowling wrote it.",
        "The end.",
    ]
    assert split_sentences('He said "stop." Then he left.') == ['He said "stop."', "Then he left."]
    assert split_sentences("One line\nanother line") == ["One line", "another line"]
    assert strip_full_stop("Storm hits town.") == "Storm hits town"
    assert strip_full_stop("Markets fall in the U.S.") == "Markets fall in the U.S."
    assert strip_full_stop("Wait...") == "Wait..." and strip_full_stop('"Go."') == '"Go."'


def test_splitting_imports_no_nltk():
    code = (
        "import sys; from summeval.sentences import split_sentences; "
        "split_sentences('Dr. A came. B left.'); print('nltk' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
