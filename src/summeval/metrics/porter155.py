"""The Porter stemmer exactly as ROUGE-1.5.5 ships it (``sub stem`` in ROUGE-1.5.5.pl).

A line-by-line port of the Perl code, including Chin-Yew Lin's 2004 change to step 4
("-ement" no longer blocks "-ment" and "-ent"), which makes it differ from nltk's Porter
on words such as "agreement" or "replacement". Input is one lowercase token.
ROUGE-1.5.5 first looks a word up in a WordNet exception database; with an empty
database (how most published pyrouge numbers were made) this function is the whole stemmer.
"""

from __future__ import annotations

import re
from functools import lru_cache

_c = "[^aeiou]"  # consonant
_v = "[aeiouy]"  # vowel
_C = f"{_c}[^aeiouy]*"  # consonant sequence
_V = f"{_v}[aeiou]*"  # vowel sequence

_MGR0 = re.compile(f"^({_C})?{_V}{_C}")  # [C]VC... is m>0
_MEQ1 = re.compile(f"^({_C})?{_V}{_C}({_V})?$")  # [C]VC[V] is m=1
_MGR1 = re.compile(f"^({_C})?{_V}{_C}{_V}{_C}")  # [C]VCVC... is m>1
_HAS_V = re.compile(f"^({_C})?{_v}")  # vowel in stem
_CVC = re.compile(f"^{_C}{_v}[^aeiouwxy]$")

_STEP2 = {
    "ational": "ate",
    "tional": "tion",
    "enci": "ence",
    "anci": "ance",
    "izer": "ize",
    "bli": "ble",
    "alli": "al",
    "entli": "ent",
    "eli": "e",
    "ousli": "ous",
    "ization": "ize",
    "ation": "ate",
    "ator": "ate",
    "alism": "al",
    "iveness": "ive",
    "fulness": "ful",
    "ousness": "ous",
    "aliti": "al",
    "iviti": "ive",
    "biliti": "ble",
    "logi": "log",
}
_STEP3 = {
    "icate": "ic",
    "ative": "",
    "alize": "al",
    "iciti": "ic",
    "ical": "ic",
    "ful": "",
    "ness": "",
}

_1A_SSIES = re.compile(r"(ss|i)es$")
_1A_S = re.compile(r"([^s])s$")
_1B_EED = re.compile(r"eed$")
_1B_ED_ING = re.compile(r"(ed|ing)$")
_1B_ATBLIZ = re.compile(r"(at|bl|iz)$")
_1B_DOUBLE = re.compile(r"([^aeiouylsz])\1$")
_1C_Y = re.compile(r"y$")
_2 = re.compile(
    r"(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism|"
    r"iveness|fulness|ousness|aliti|iviti|biliti|logi)$"
)
_3 = re.compile(r"(icate|ative|alize|iciti|ical|ful|ness)$")
_4 = re.compile(r"(al|ance|ence|er|ic|able|ible|ant|ement|ou|ism|ate|iti|ous|ive|ize)$")
_4_MENT = re.compile(r"ment$")
_4_ENT = re.compile(r"ent$")
_4_ION = re.compile(r"(s|t)(ion)$")
_5_E = re.compile(r"e$")
_5_LL = re.compile(r"ll$")


@lru_cache(maxsize=200_000)
def stem(w: str) -> str:
    """ROUGE-1.5.5's Porter stem of one lowercase word."""
    if len(w) < 3:
        return w
    first_y = w[0] == "y"
    if first_y:  # an initial y is a consonant: make it 'Y' so no pattern sees a vowel
        w = "Y" + w[1:]

    # Step 1a
    if (m := _1A_SSIES.search(w)) or (m := _1A_S.search(w)):
        w = w[: m.start()] + m.group(1)
    # Step 1b
    if m := _1B_EED.search(w):
        if _MGR0.search(w[: m.start()]):
            w = w[:-1]
    elif m := _1B_ED_ING.search(w):
        s = w[: m.start()]
        if _HAS_V.search(s):
            w = s
            if _1B_ATBLIZ.search(w):
                w += "e"
            elif _1B_DOUBLE.search(w):
                w = w[:-1]
            elif _CVC.search(w):
                w += "e"
    # Step 1c
    if (m := _1C_Y.search(w)) and _HAS_V.search(w[: m.start()]):
        w = w[: m.start()] + "i"
    # Step 2
    if (m := _2.search(w)) and _MGR0.search(w[: m.start()]):
        w = w[: m.start()] + _STEP2[m.group(1)]
    # Step 3
    if (m := _3.search(w)) and _MGR0.search(w[: m.start()]):
        w = w[: m.start()] + _STEP3[m.group(1)]
    # Step 4 (with the 2004 change: three separate tests, not one longest match)
    if (m := _4.search(w)) and _MGR1.search(w[: m.start()]):
        w = w[: m.start()]
    if (m := _4_MENT.search(w)) and _MGR1.search(w[: m.start()]):
        w = w[: m.start()]
    if m := _4_ENT.search(w):
        if _MGR1.search(w[: m.start()]):
            w = w[: m.start()]
    elif m := _4_ION.search(w):
        s = w[: m.start()] + m.group(1)
        if _MGR1.search(s):
            w = s
    # Step 5
    if m := _5_E.search(w):
        s = w[: m.start()]
        if _MGR1.search(s) or (_MEQ1.search(s) and not _CVC.search(s)):
            w = s
    if _5_LL.search(w) and _MGR1.search(w):
        w = w[:-1]

    if first_y:
        w = "y" + w[1:]
    return w
