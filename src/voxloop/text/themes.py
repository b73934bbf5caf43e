"""Themes in a period's open text, and whether a theme is a common problem (共性问题) or an
individual one (个性问题).

Discovery clusters TF-IDF vectors of content words (jieba words for Chinese, stop-word-filtered
words for English) with k-means on unit vectors; each theme is named by the words that weigh
most in its centre and shown with the records nearest to it. Earlier records are then matched to
the themes (cosine similarity to a centre), which gives each theme a trend and a baseline.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from voxloop.text.keywords import EN_COMMON, ZH_COMMON
from voxloop.text.normalize import normalize
from voxloop.text.tokenize import NO_WORDS, Dictionary, cut

_HAN = re.compile(r"[\u4e00-\u9fff]")
_TOKEN = re.compile(r"[\u4e00-\u9fff]+|[a-z][a-z'-]{2,29}")
# Words that say how someone feels, not what about: they would make every complaint one theme.
_FEELING = {
    "失望", "满意", "不满", "不错", "喜欢", "讨厌", "一般", "垃圾", "好评", "差评", "生气", "糟糕", "很差",
    "太差", "不好", "好吃", "难吃", "hotel", "good", "bad", "great", "terrible", "awful", "disappointed",
    "happy", "love", "hate", "poor", "nice", "worst", "best",
}  # fmt: skip
_ZH_STOP = ZH_COMMON | {
    "我们", "你们", "他们", "这样", "已经", "还有", "但是", "因为", "所以", "可以", "时候", "怎么",
    "一次", "里面", "有点", "两个", "一个", "一份", "那么", "这么", "第一次", "我要", "不是", "什么",
    "就是", "还是", "现在", "今天", "昨天", "一点", "真是", "结果", "而且", "然后", "一下", "一直",
    "觉得", "知道", "以后", "下次", "出来", "不过", "一个多", "这次", "上次", "每次", "这家", "那家",
    "自己", "为什么", "如果", "虽然", "不能", "不会", "没有", "没法", "晚上", "早上", "白天", "中午",
    "明天", "好几次", "经常", "总是", "希望", "尽快", "请问", "下周", "上周", "本周", "这周", "几天",
    "昨晚", "今晚", "一下子", "麻烦",
}  # fmt: skip
_EN_STOP = EN_COMMON | {"don", "didn", "doesn", "isn", "wasn", "won", "can", "did", "does", "know", "want"}
MATCH_SIMILARITY = 0.2


def content_words(text: str, dictionary: Dictionary = NO_WORDS) -> list[str]:
    """The words a theme can be named by: no stop words, no single characters, no feelings."""
    words: list[str] = []
    for run in _TOKEN.findall(normalize(text)):
        if _HAN.match(run):
            words.extend(
                w for w in cut(run, dictionary) if len(w) > 1 and w not in _ZH_STOP and w not in _FEELING
            )
        elif run not in _EN_STOP and run not in _FEELING:
            words.append(run)
    return words


@dataclass
class Theme:
    terms: list[str]
    members: list[int]  # indexes into the texts, nearest to the centre first
    centre: np.ndarray = field(repr=False)

    @property
    def label(self) -> str:
        return " / ".join(self.terms[:3])


@dataclass
class Themes:
    themes: list[Theme]
    vectorizer: TfidfVectorizer | None

    def match(self, texts: Sequence[str]) -> list[int | None]:
        """The theme (index) each earlier or later text belongs to, or None."""
        if not self.themes or self.vectorizer is None or not texts:
            return [None] * len(texts)
        X = self.vectorizer.transform(texts)
        similarity = X @ np.vstack([t.centre for t in self.themes]).T
        best = np.asarray(similarity.argmax(axis=1)).ravel()
        top = np.asarray(similarity.max(axis=1)).ravel()
        return [int(b) if s >= MATCH_SIMILARITY else None for b, s in zip(best, top, strict=True)]


def discover(
    texts: Sequence[str],
    *,
    max_themes: int = 12,
    min_size: int = 3,
    seed: int = 0,
    dictionary: Dictionary = NO_WORDS,
) -> Themes:
    """Themes of at least `min_size` texts, largest first; texts about nothing in particular
    (no content words) are left out. The organization's `dictionary` words stay whole."""
    analyzer = partial(content_words, dictionary=dictionary)
    usable = [i for i, t in enumerate(texts) if analyzer(t)]
    if len(usable) < max(min_size, 2):
        return Themes([], None)
    vectorizer = TfidfVectorizer(analyzer=analyzer, min_df=2, sublinear_tf=True)
    try:
        X = vectorizer.fit_transform([texts[i] for i in usable])
    except ValueError:  # no word appears twice
        return Themes([], None)
    k = max(2, min(max_themes, round(math.sqrt(len(usable) / 2))))
    k = min(k, X.shape[0])
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(X)
    terms = np.array(vectorizer.get_feature_names_out())
    themes = []
    for c in range(k):
        rows = np.flatnonzero(model.labels_ == c)
        centre = model.cluster_centers_[c]
        norm = np.linalg.norm(centre)
        if len(rows) < min_size or norm == 0:
            continue
        centre = centre / norm
        closeness = np.asarray(X[rows] @ centre).ravel()
        # a theme needs a word most of its members share, else it is a catch-all
        shared = np.asarray((X[rows] > 0).mean(axis=0)).ravel()
        if shared.max() < 0.3:
            continue
        order = rows[np.argsort(-closeness)]
        top_terms = [str(terms[j]) for j in np.argsort(-centre)[:5] if centre[j] > 0]
        themes.append(Theme(top_terms, [usable[i] for i in order], centre))
    themes.sort(key=lambda t: -len(t.members))
    return Themes(themes, vectorizer)


@dataclass(frozen=True)
class Spread:
    """How far a theme reaches in the current period, and how that compares with before."""

    count: int
    customers: int
    branches: int
    baseline: float | None  # mean count per earlier period; None without history
    p_rise: float | None  # Poisson test of count against the baseline (one-sided)


@dataclass(frozen=True)
class Criteria:
    customers: int = 3
    branches: int = 2
    rise_p: float = 0.05
    rise_min: int = 3


def spread(customers: Sequence[object], branches: Sequence[object], earlier_counts: Sequence[int]) -> Spread:
    """`customers` and `branches`: one entry per member record (None when unknown). Anonymous
    records count as one customer together: nothing says they came from different people."""
    known = {c for c in customers if c is not None}
    distinct = len(known) + (1 if any(c is None for c in customers) else 0)
    baseline = round(float(np.mean(earlier_counts)), 3) if len(earlier_counts) else None
    count = len(customers)
    p = float(stats.poisson.sf(count - 1, baseline)) if baseline else None
    return Spread(count, distinct, len({b for b in branches if b}), baseline, p)


def scope(s: Spread, criteria: Criteria = Criteria()) -> tuple[str, list[str]]:
    """('common', reasons) or ('individual', [])."""
    reasons = []
    if s.customers >= criteria.customers:
        reasons.append("customers")
    if s.branches >= criteria.branches:
        reasons.append("branches")
    rising = s.p_rise is not None and s.p_rise < criteria.rise_p
    new = s.baseline == 0  # there is history, and the theme was not in it
    if s.count >= criteria.rise_min and (rising or new):
        reasons.append("rising")
    return ("common" if reasons else "individual"), reasons
