"""Languages: XL-Sum's config names, ISO 639 codes, and the scoring tools each one gets.

A leaf module (no summeval imports) so that config can fill ``dataset.language`` from a
dataset config name and metrics can choose a stemmer and word segmenter from the code.
"""

from __future__ import annotations

# XL-Sum (Hasan et al. 2021, csebuetnlp/xlsum) config name -> ISO 639 code.
XLSUM_LANGUAGES: dict[str, str] = {
    "amharic": "am", "arabic": "ar", "azerbaijani": "az", "bengali": "bn", "burmese": "my",
    "chinese_simplified": "zh", "chinese_traditional": "zh", "english": "en", "french": "fr",
    "gujarati": "gu", "hausa": "ha", "hindi": "hi", "igbo": "ig", "indonesian": "id",
    "japanese": "ja", "kirundi": "rn", "korean": "ko", "kyrgyz": "ky", "marathi": "mr",
    "nepali": "ne", "oromo": "om", "pashto": "ps", "persian": "fa", "pidgin": "pcm",
    "portuguese": "pt", "punjabi": "pa", "russian": "ru", "scottish_gaelic": "gd",
    "serbian_cyrillic": "sr", "serbian_latin": "sr", "sinhala": "si", "somali": "so",
    "spanish": "es", "swahili": "sw", "tamil": "ta", "telugu": "te", "thai": "th",
    "tigrinya": "ti", "turkish": "tr", "ukrainian": "uk", "urdu": "ur", "uzbek": "uz",
    "vietnamese": "vi", "welsh": "cy", "yoruba": "yo",
}  # fmt: skip

# ISO 639 code -> the language name of NLTK's Snowball stemmer, where NLTK has one.
SNOWBALL: dict[str, str] = {
    "ar": "arabic", "da": "danish", "nl": "dutch", "en": "english", "fi": "finnish",
    "fr": "french", "de": "german", "hu": "hungarian", "it": "italian", "no": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "es": "spanish", "sv": "swedish",
}  # fmt: skip

# Scripts written without spaces between words: the segmenter XL-Sum's scorer uses.
SEGMENTERS: dict[str, str] = {"zh": "jieba", "ja": "fugashi", "th": "pythainlp"}


def language_of(config_name: str | None) -> str | None:
    """The ISO code of a dataset config name XL-Sum uses (``french`` -> ``fr``), else None."""
    if not config_name:
        return None
    return XLSUM_LANGUAGES.get(config_name.strip().lower())


def snowball_name(language: str | None) -> str | None:
    """NLTK's Snowball language for an ISO code, or None where it has no stemmer."""
    return SNOWBALL.get((language or "").lower().split("-")[0])


def segmenter_for(language: str | None) -> str:
    """The word segmenter for a language: ``jieba``/``fugashi``/``pythainlp``, else ``none``."""
    return SEGMENTERS.get((language or "").lower().split("-")[0], "none")
