"""The vendored Porter stemmer against nltk's own (the oracle), on every word we ship."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from summeval.metrics.porter_nltk import PorterStemmer

ROOT = Path(__file__).resolve().parents[1]


def shipped_words() -> set[str]:
    """Every lowercase word of the shipped XSum, Wikinews and REALSumm data, plus the
    cases nltk's rules single out (irregular forms, -alli/-fulli/-logi, short words)."""
    words: set[str] = set()
    for path in (ROOT / "data").rglob("*.jsonl"):
        for line in path.open(encoding="utf-8"):
            for value in json.loads(line).values():
                if isinstance(value, str):
                    words.update(re.findall(r"[a-z0-9]+", value.lower()))
    special = "skies dying lying tying news innings outing cannings howe proceed exceed succeed"
    words.update(special.split())
    words.update(["agreement", "replacement", "generalli", "hopefulli", "analogi", "sky", "a"])
    return words


def test_equals_nltk_on_every_shipped_word() -> None:
    from nltk.stem.porter import PorterStemmer as NltkPorter

    words = sorted(shipped_words())
    assert len(words) > 20_000
    ours, theirs = PorterStemmer(), NltkPorter()
    differ = [w for w in words if ours.stem(w) != theirs.stem(w)]
    assert differ == []
    for mode in ("ORIGINAL_ALGORITHM", "MARTIN_EXTENSIONS"):
        a, b = PorterStemmer(mode), NltkPorter(mode)
        assert [w for w in words[:3000] if a.stem(w) != b.stem(w)] == []


def test_stemming_does_not_import_nltk() -> None:
    code = (
        "import sys; from summeval.metrics.tokenize import TextTokenizer; "
        "t = TextTokenizer('rouge-score', 'nltk'); assert t(['Running dogs'])"
        ".tokens == ['run', 'dog']; print('nltk' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
