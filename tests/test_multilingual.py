# ruff: noqa: E501  (the hand-made sentences read best one pair a line)
"""Multilingual ROUGE against its oracle, XL-Sum's own scorer (``multilingual-rouge`` on PyPI,
a fork of csebuetnlp/xl-sum's multilingual_rouge_scoring).

We claim agreement for ROUGE-1/2/L per article (P, R and F) on text of any script, with
the language's Snowball stemmer and, for Chinese/Japanese/Thai, XL-Sum's word segmenters.
Where we differ on purpose (docs/rouge.md, "multilingual"), the oracle is configured to
match the difference and a test below shows the difference itself.
"""

from __future__ import annotations

import random

import pytest

from summeval.config import DatasetConfig
from summeval.metrics.rouge import make_tokenizer, score_corpus, settings_for

pytest.importorskip("multilingual_rouge", reason="dev extra: bash scripts/setup.sh dev")
from multilingual_rouge import rouge_scorer

# Hand-made prediction/reference pairs: inflections, clitics, digits, punctuation.
PAIRS = {
    "fr": [
        ("Le président a annoncé des mesures nationales.", "Les présidents annoncent une mesure nationale."),
        ("L'économie française a progressé de 3,5 % en 2023, selon l'Insee.", "Selon l'Insee, l'économie a progressé en 2023."),
        ("Des manifestations ont eu lieu dans plusieurs villes du pays.", "Manifestations dans les grandes villes françaises contre la réforme."),
    ],
    "ar": [
        ("أعلن الرئيس عن إجراءات جديدة لدعم الاقتصاد الوطني", "الرئيس يعلن إجراءات لدعم الاقتصاد"),
        ("ارتفعت أسعار النفط بنسبة 5% في الأسواق العالمية اليوم.", "أسعار النفط ترتفع في الأسواق العالمية"),
        ("المنتخب الوطني يفوز بالمباراة النهائية", "فوز المنتخب في المباراة النهائية للبطولة"),
    ],
    "hi": [
        ("भारत की राजधानी दिल्ली में भारी बारिश हुई।", "दिल्ली में भारी बारिश से जनजीवन प्रभावित"),
        ("प्रधानमंत्री ने नई योजनाओं की घोषणा की", "प्रधानमंत्री ने किसानों के लिए योजना की घोषणा की।"),
        ("क्रिकेट टीम ने 2023 का विश्व कप जीता", "भारतीय क्रिकेट टीम विश्व कप जीती"),
    ],
    "zh": [
        ("我爱北京天安门", "天安门上太阳升"),
        ("中国经济在第三季度增长了百分之五", "中国第三季度经济增长百分之五"),
        ("科学家发现了一种新的治疗方法", "研究人员发现新的癌症治疗方法"),
    ],
    "ja": [
        ("東京は日本の首都です", "日本の首都は東京である"),
        ("政府は新しい経済対策を発表した", "政府が経済対策を発表"),
    ],
    "th": [
        ("ผมรักประเทศไทย", "ประเทศไทยเป็นประเทศที่สวยงาม"),
        ("รัฐบาลประกาศมาตรการเศรษฐกิจใหม่", "รัฐบาลประกาศมาตรการใหม่"),
    ],
    "ru": [
        ("Президент объявил о новых экономических мерах.", "Президент объявляет экономические меры"),
    ],
    "es": [
        ("El gobierno anunció nuevas medidas económicas.", "Gobierno anuncia medidas económicas nuevas"),
    ],
}  # fmt: skip

XLSUM_NAME = {
    "fr": "french", "ar": "arabic", "hi": "hindi", "zh": "chinese", "ja": "japanese",
    "th": "thai", "ru": "russian", "es": "spanish",
}  # fmt: skip

MEASURES = ("rouge1", "rouge2", "rougeL")


def oracle(lang: str) -> rouge_scorer.RougeScorer:
    """XL-Sum's scorer for a language. Its Snowball stemmer is built with ignore_stopwords,
    which needs nltk's stopword lists (a download); we stem stopwords too, so the oracle gets
    the same Snowball stemmer without that list. Hindi: XL-Sum has its own stemmer, we have
    none (nltk has no Hindi Snowball), so both score unstemmed."""
    from nltk.stem.snowball import SnowballStemmer

    from summeval.languages import snowball_name

    name = snowball_name(lang)
    if name is None:
        return rouge_scorer.RougeScorer(list(MEASURES), use_stemmer=False, lang=XLSUM_NAME[lang])
    return rouge_scorer.RougeScorer(
        list(MEASURES),
        use_stemmer=True,
        lang=XLSUM_NAME[lang],
        callable_stemmer=SnowballStemmer(name).stem,
    )


def ours(lang: str, preds: list[str], refs: list[str]):
    settings = settings_for("multilingual", language=lang, measures=MEASURES)
    corpus = score_corpus(
        [str(i) for i in range(len(preds))],
        preds,
        [[r] for r in refs],
        settings,
        make_tokenizer(settings),
    )
    return [corpus.article(i) for i in range(len(preds))]


def generated(lang: str, n: int, seed: int) -> list[tuple[str, str]]:
    """Pseudo-random pairs from the language's words: repeats, reorders, shared n-grams."""
    rng = random.Random(seed)
    words = [w for p in PAIRS[lang] for text in p for w in text.split()]
    joiner = "" if lang in ("zh", "ja", "th") else " "
    if joiner == "":  # no spaces: sample whole hand-made phrases' characters in chunks
        words = [
            t[i : i + rng.randint(1, 3)]
            for p in PAIRS[lang]
            for t in p
            for i in range(0, len(t), 2)
        ]
    out = []
    for _ in range(n):
        pred = joiner.join(rng.choice(words) for _ in range(rng.randint(3, 14)))
        ref = joiner.join(rng.choice(words) for _ in range(rng.randint(3, 14)))
        out.append((pred, ref))
    return out


@pytest.mark.parametrize("lang", sorted(PAIRS))
def test_agrees_with_xlsum_scorer(lang: str) -> None:
    pairs = PAIRS[lang] + generated(lang, 25, seed=len(lang) + ord(lang[0]))
    scorer = oracle(lang)
    got = ours(lang, [p for p, _ in pairs], [r for _, r in pairs])
    for (pred, ref), mine in zip(pairs, got, strict=True):
        want = scorer.score(ref, pred)
        for m in MEASURES:
            for part in ("precision", "recall", "fmeasure"):
                assert mine[m][part] == pytest.approx(getattr(want[m], part), abs=1e-12), (
                    lang, pred, ref, m, part,
                )  # fmt: skip


def test_the_oracle_and_we_differ_where_documented() -> None:
    """Chinese with punctuation: XL-Sum's scorer counts the spaces jieba returns where the
    punctuation was as tokens (a ' ' unigram matched between texts); we do not."""
    scorer = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=False, lang="chinese")
    assert " " in scorer._tokenizer("北京，上海")
    pred, ref = "北京，上海", "天津，广州"
    assert scorer.score(ref, pred)["rouge1"].fmeasure > 0  # only the ' ' tokens match
    assert ours("zh", [pred], [ref])[0]["rouge1"]["fmeasure"] == 0.0


def test_language_from_xlsum_config_name_and_signature() -> None:
    cfg = DatasetConfig(source="hf", name="csebuetnlp/xlsum", config="chinese_simplified")
    assert cfg.language == "zh"
    assert DatasetConfig(source="hf", name="x", config="french").language == "fr"
    assert DatasetConfig(source="hf", name="x", config="french", language="de").language == "de"
    settings = settings_for("multilingual", language="zh")
    assert settings.segmenter == "jieba" and not settings.stem
    corpus = score_corpus(["a"], ["我爱北京"], [["北京"]], settings, make_tokenizer(settings))
    for field in ("profile:multilingual", "tok:unicode", "stem:no", "lang:zh", "seg:jieba"):
        assert field in corpus.signature
    fr = settings_for("multilingual", language="fr")
    assert fr.stem and fr.stemmer == "snowball" and fr.segmenter == "none"
