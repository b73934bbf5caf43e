"""Language detection good enough to pick zh or en for a feedback record."""

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def detect_language(text: str) -> str:
    """'zh' when Han characters make up a real share of the letters, else 'en'."""
    han = len(_HAN.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    if han == 0:
        return "en"
    return "zh" if han >= latin_words else "en"


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None
