"""Language detection: Chinese, English or a mix of both, from the scripts a text uses."""

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# A Latin word carries about as much as two Han characters.
_WORD_WEIGHT = 2.0


def language_of(text: str) -> str:
    """'zh', 'en', 'mixed' (neither script has 80 % of the letters) or 'unknown' (no letters)."""
    han = len(_HAN.findall(text))
    latin = len(_LATIN_WORD.findall(text)) * _WORD_WEIGHT
    if han + latin == 0:
        return "unknown"
    share = han / (han + latin)
    if share >= 0.8:
        return "zh"
    if share <= 0.2:
        return "en"
    return "mixed"


def detect_language(text: str) -> str:
    """'zh' or 'en' for a feedback record: Chinese whenever Han characters are a real share."""
    han = len(_HAN.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    if han == 0:
        return "en"
    return "zh" if han >= latin_words else "en"


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None
