"""The vendored Porter stemmer against nltk's own (the oracle), on every word we ship."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from summeval.metrics.porter_nltk import FastPorterStemmer, PorterStemmer

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
    ours, fast, theirs = PorterStemmer(), FastPorterStemmer(), NltkPorter()
    want = [theirs.stem(w) for w in words]
    assert [w for w, t in zip(words, want, strict=True) if ours.stem(w) != t] == []
    assert [w for w, t in zip(words, want, strict=True) if fast.stem(w) != t] == []
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


def test_fast_stemmer_equals_nltk_on_random_words() -> None:
    """Words made to hit every rule: random stems (many y's and doubled letters) with the
    suffixes the steps test, and a few that are not plain ASCII (nltk's own code runs)."""
    import random

    from nltk.stem.porter import PorterStemmer as NltkPorter

    from summeval.metrics import porter_nltk

    rng = random.Random(0)
    suffixes = [s for s, _ in porter_nltk._STEP2] + [s for s, _ in porter_nltk._STEP3]
    suffixes += [*porter_nltk._STEP4, "ing", "ed", "eed", "ied", "ies", "sses", "ss", "s", "y"]
    suffixes += ["e", "ll", "yy", "ying", "yed", "", "Ies", "é", "9s"]
    words = [
        "".join(rng.choice("aeiouyybcdlmnrstlzwx") for _ in range(rng.randint(1, 8)))
        + rng.choice(suffixes)
        for _ in range(60_000)
    ]
    fast, theirs = FastPorterStemmer(), NltkPorter()
    assert [w for w in words if fast.stem(w) != theirs.stem(w)] == []
