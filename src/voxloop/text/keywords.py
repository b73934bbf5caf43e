"""Keywords of a text: jieba's TF-IDF for Chinese, stop-word-filtered English words ranked by
their rarity."""

import math
import re
from collections import Counter
from functools import lru_cache

import jieba.analyse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from voxloop.text.tokenize import NO_WORDS, Dictionary, cut

_EN_WORD = re.compile(r"[a-z][a-z'-]{2,29}")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# Words people use in feedback about anything; they say nothing about what it is about.
EN_COMMON = ENGLISH_STOP_WORDS | {
    "i'm", "it's", "don't", "didn't", "can't", "won't", "i've", "really", "just", "like", "got", "get",
    "would", "also", "one", "even", "still", "much", "very", "well", "thing", "things", "lot", "way",
}  # fmt: skip
ZH_COMMON = {"没有", "一个", "什么", "这个", "那个", "就是", "还是", "感觉", "真的", "非常", "比较", "东西"}


@lru_cache(maxsize=1)
def _zh_idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table and its median, which unknown words get (as in jieba.analyse)."""
    extractor = jieba.analyse.default_tfidf
    return extractor.idf_freq, extractor.median_idf


def zh_keywords(text: str, top: int = 5, dictionary: Dictionary = NO_WORDS) -> list[str]:
    """jieba.analyse.extract_tags over rjieba's cut: term frequency times IDF."""
    idf, median = _zh_idf()
    counts = Counter(
        w
        for w in cut(text, dictionary)
        if 1 < len(w) <= 30
        and not w.isdigit()
        and w not in ZH_COMMON
        and w.lower() not in EN_COMMON
        and w.strip()
    )
    scored = sorted(counts.items(), key=lambda item: (-item[1] * idf.get(item[0], median), item[0]))
    return [w for w, _ in scored[:top]]


def en_keywords(text: str, top: int = 5, idf: dict[str, float] | None = None) -> list[str]:
    """Words ranked by count times IDF (an unknown word counts as the rarest)."""
    counts = Counter(w.strip("'-") for w in _EN_WORD.findall(text.lower()))
    default = idf.get("", 1.0) if idf else 1.0
    scored = [
        (n * (idf.get(w, default) if idf else 1.0 + math.log(len(w))), w)
        for w, n in counts.items()
        if w not in EN_COMMON and len(w) > 2
    ]
    return [w for _, w in sorted(scored, key=lambda s: (-s[0], s[1]))[:top]]


def keywords(
    text: str, top: int = 5, idf: dict[str, float] | None = None, dictionary: Dictionary = NO_WORDS
) -> list[str]:
    """Up to `top` keywords of a normalized text, Chinese ones first when it has Han characters."""
    found = zh_keywords(text, top, dictionary) if _HAN_RUN.search(text) else []
    if len(found) < top:
        found += [w for w in en_keywords(text, top, idf) if w not in found][: top - len(found)]
    return found
