"""Themes in a period's open text, and whether a theme is a common problem (共性问题) or an
individual one (个性问题).

Discovery groups texts by meaning: each is embedded by the multilingual sentence encoder (Chinese
and English in one space, so 无线网络断线 and "the wifi keeps dropping" meet), and the
embeddings are clustered bottom-up (average linkage on cosine distance) until two groups are no
longer about the same thing. A group is kept only if it is large enough and coherent (its
members lie near its centre), so unrelated complaints do not make a catch-all theme. Each theme
is named by the phrases its members use far more often than the period's texts do (class-based
TF-IDF over runs of up to three words as they were written: "source of funds", "空调坏了",
"没热水"), in each language present, and shown with the records nearest its centre; the single
content words behind the phrases are kept to recognise the same problem later.
Earlier records are then matched to the themes (cosine similarity to a centre), which gives each
theme a trend and a baseline.
"""

import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from scipy.cluster.hierarchy import fcluster, linkage

from voxloop.text import encoder
from voxloop.text.keywords import EN_COMMON, ZH_COMMON
from voxloop.text.normalize import normalize
from voxloop.text.tokenize import NO_WORDS, Dictionary, cut

_HAN = re.compile(r"[\u4e00-\u9fff]")
_TOKEN = re.compile(r"[\u4e00-\u9fff]+|[a-z][a-z'-]{2,29}")
# A phrase never crosses a clause's end (in Chinese a space ends one too).
_CLAUSE = re.compile(r"[^\u4e00-\u9fffa-z0-9' -]+|(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])")
# A Chinese phrase may open with a negation: "没热水", "不干净" say what is wrong.
_NEGATION = {"不", "没", "无", "未"}
PHRASE_WORDS = 3
PHRASE_CHARS = {"zh": 6, "en": 24}
# A word is shown in the longer phrase most members write it in ("source" as "source of
# funds") when at least this share of the members using the word write that phrase.
AS_WRITTEN = 0.4
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
    "昨晚", "今晚", "一下子", "麻烦", "根本", "只能", "一样", "好多", "半个", "小时", "特别", "非常",
    "比较", "真的", "超级", "相当", "十分", "实在", "几乎", "完全",
}  # fmt: skip
_EN_STOP = EN_COMMON | {"don", "didn", "doesn", "isn", "wasn", "won", "can", "did", "does", "know", "want"}
# Groups merge while their members are, on average, at least this similar to each other.
JOIN = 0.4
# A theme's members lie, on average, at least this near its centre (else it is a catch-all).
COHERENT = 0.55
# A text belongs to a theme when at least this similar to its centre: earlier records, and
# texts the grouping left out (a near-miss, a group too small, outside the sample).
MATCH_SIMILARITY = 0.45
# Texts clustered at most (average linkage holds n² / 2 distances); the others join the nearest
# theme. Embedding, not clustering, is the cost of a large period: 400 texts/s on one core.
SAMPLE = 4_000
TERMS = 5


def _is_content(word: str) -> bool:
    if _HAN.match(word):
        return len(word) > 1 and word not in _ZH_STOP and word not in _FEELING
    return word not in _EN_STOP and word not in _FEELING


def _tokens(clause: str, dictionary: Dictionary) -> list[tuple[str, int, int]]:
    """The clause's words with where each starts and ends in it."""
    out: list[tuple[str, int, int]] = []
    for match in _TOKEN.finditer(clause):
        run, at = match.group(), match.start()
        if not _HAN.match(run):
            out.append((run, at, at + len(run)))
            continue
        for word in cut(run, dictionary):
            out.append((word, at, at + len(word)))
            at += len(word)
    return out


def content_words(text: str, dictionary: Dictionary = NO_WORDS) -> list[str]:
    """The words a theme can be known by: no stop words, no single characters, no feelings."""
    return [
        w
        for clause in _CLAUSE.split(normalize(text))
        for w, *_ in _tokens(clause, dictionary)
        if _is_content(w)
    ]


def phrases(text: str, dictionary: Dictionary = NO_WORDS) -> dict[str, frozenset[str]]:
    """The phrases a theme can be named by, each with its content words: runs of up to
    PHRASE_WORDS words as written, from a content word (or a Chinese negation before one) to a
    content word, with no feeling word in them."""
    found: dict[str, frozenset[str]] = {}
    for clause in _CLAUSE.split(normalize(text)):
        words = _tokens(clause, dictionary)
        for i, (first, start, _) in enumerate(words):
            opens = _is_content(first) or (
                first in _NEGATION and i + 1 < len(words) and _is_content(words[i + 1][0])
            )
            if not opens:
                continue
            for word, _, end in words[i : i + PHRASE_WORDS]:
                if word in _FEELING or end - start > PHRASE_CHARS["zh" if _HAN.match(first) else "en"]:
                    break
                if _is_content(word):
                    span = words[i : i + PHRASE_WORDS]
                    found[clause[start:end]] = frozenset(w for w, _, e in span if e <= end and _is_content(w))
    return found


def _centre(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.mean(axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)  # type: ignore[no-any-return]


@dataclass
class Theme:
    terms: list[str]  # content words: what later periods and initiatives are matched by
    names: list[str]  # phrases as the members wrote them: what people read
    members: list[int]  # indexes into the texts, nearest to the centre first
    centre: np.ndarray = field(repr=False)  # unit vector in the encoder's space

    @property
    def label(self) -> str:
        return " / ".join((self.names or self.terms)[:3])


@dataclass
class Themes:
    themes: list[Theme]

    def match(self, texts: Sequence[str]) -> list[int | None]:
        """The theme (index) each earlier or later text belongs to, or None."""
        if not self.themes or not texts:
            return [None] * len(texts)
        similarity = encoder.embed(texts) @ np.vstack([t.centre for t in self.themes]).T
        best, top = similarity.argmax(axis=1), similarity.max(axis=1)
        return [int(b) if s >= MATCH_SIMILARITY else None for b, s in zip(best, top, strict=True)]


def _units(words: list[str]) -> set[str]:
    """What a theme can be named by: content words, and English word pairs ("front desk")."""
    pairs = {f"{a} {b}" for a, b in zip(words, words[1:], strict=False) if a.isascii() and b.isascii()}
    return set(words) | pairs


def _ranked(members: list[set[str]], overall: Counter[str], n: int) -> list[str]:
    """The units members share most, weighted by how much more often they share them than the
    period's texts do."""
    within = Counter(u for units in members for u in units)
    first: dict[str, int] = {}
    for k, units in enumerate(members):  # members nearest the centre first: ties go to them
        for u in units:
            first.setdefault(u, k)
    size = len(members)
    scored = sorted(
        (-(k / size) * math.log1p((k / size) / (overall[u] / n)), first[u], u) for u, k in within.items()
    )
    return [u for *_, u in scored]


def _both_languages(ranked: list[str], members: list[set[str]]) -> list[str]:
    """Where members write in both languages, the best unit of each leads."""
    size = len(members)
    chinese = sum(any(_HAN.match(u) for u in units) for units in members)
    if not ranked or not 0.2 * size <= chinese <= 0.8 * size:
        return ranked
    lead = ranked[0]
    other = next((u for u in ranked if bool(_HAN.match(u)) != bool(_HAN.match(lead))), None)
    return [u for u in (lead, other) if u] + [u for u in ranked if u not in (lead, other)]


def _as_written(ranked: list[str], members: list[set[str]], words: dict[str, frozenset[str]]) -> list[str]:
    """Each phrase replaced by the longer one members most often write it in, where that is
    how most of them put it."""
    within = Counter(p for units in members for p in units)
    out: list[str] = []
    for phrase in ranked:
        longer = [p for p in within if phrase in p and words[phrase] < words[p]]
        best = max(longer, key=lambda p: (within[p], len(p)), default=None)
        out.append(best if best and within[best] >= max(2, AS_WRITTEN * within[phrase]) else phrase)
    out = list(dict.fromkeys(out))
    return [p for p in out if within[p] >= 2] + [p for p in out if within[p] < 2]  # shared first


def _distinct(ranked: list[str], words: Callable[[str], Collection[str]]) -> list[str]:
    """The first TERMS units that share no word with one before ("front desk" and "desk" say
    the same)."""
    chosen: list[str] = []
    taken: set[str] = set()
    for unit in ranked:
        if not taken & set(words(unit)):
            chosen.append(unit)
            taken |= set(words(unit))
        if len(chosen) == TERMS:
            break
    return chosen


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
    words = [content_words(t, dictionary) for t in texts]
    usable = [i for i, w in enumerate(words) if w]
    if len(usable) < max(min_size, 2):
        return Themes([])
    E = encoder.embed([texts[i] for i in usable])
    if len(usable) > SAMPLE:
        sample = np.sort(np.random.default_rng(seed).choice(len(usable), SAMPLE, replace=False))
    else:
        sample = np.arange(len(usable))
    tree = linkage(E[sample], method="average", metric="cosine")
    groups = fcluster(tree, t=1 - JOIN, criterion="distance")
    # in a sample, a theme of `min_size` in the whole period may have fewer sampled members
    least = max(2, math.floor(min_size * len(sample) / len(usable)))
    candidates = [sample[groups == g] for g in np.unique(groups)]
    cores = [rows for rows in candidates if len(rows) >= least]
    centres = [_centre(E[rows]) for rows in cores]
    # a catch-all's members are far from its centre
    kept = [c for c, rows in enumerate(cores) if (E[rows] @ centres[c]).mean() >= COHERENT]
    if not kept:
        return Themes([])
    cores, centre_matrix = [cores[c] for c in kept], np.vstack([centres[c] for c in kept])
    # the texts in no group (a near-miss, a small group, outside the sample) join the nearest
    # theme they are near enough to, as an earlier record would
    similarity = E @ centre_matrix.T
    owner = np.where(similarity.max(axis=1) >= MATCH_SIMILARITY, similarity.argmax(axis=1), -1)
    for c, rows in enumerate(cores):
        owner[rows] = c
    units = [_units(words[i]) for i in usable]
    overall = Counter(u for each in units for u in each)
    spans = [phrases(texts[i], dictionary) for i in usable]
    phrase_words = {p: w for each in spans for p, w in each.items()}
    phrase_overall = Counter(p for each in spans for p in each)
    themes = []
    for c, centre in enumerate(centre_matrix):
        rows = np.flatnonzero(owner == c)
        if len(rows) < min_size:
            continue
        closeness = E[rows] @ centre
        order = rows[np.argsort(-closeness, kind="stable")]
        members = [units[i] for i in order]
        terms = _distinct(_both_languages(_ranked(members, overall, len(usable)), members), str.split)
        members = [set(spans[i]) for i in order]
        ranked = _as_written(_ranked(members, phrase_overall, len(usable)), members, phrase_words)
        names = _distinct(_both_languages(ranked, members), phrase_words.__getitem__)
        themes.append(Theme(terms, names, [usable[i] for i in order], centre))
    themes.sort(key=lambda t: -len(t.members))
    return Themes(themes[:max_themes])


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
    """A common problem (共性问题) is one many customers raise: at least `customers` distinct ones
    in the period (a guest who writes three times is one voice, and three voices in a hotel
    group's week are everyday noise: at 3, every theme of the demo's weeks was "common").
    Spreading over `branches` or rising against the usual count are reported as well, but make
    nobody's single problem common."""

    customers: int = 5
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
    """('common', reasons) when many customers raise it, the reasons naming also how far it
    spreads and whether it rises; else ('individual', [])."""
    if s.customers < criteria.customers:
        return "individual", []
    reasons = ["customers"]
    if s.branches >= criteria.branches:
        reasons.append("branches")
    rising = s.p_rise is not None and s.p_rise < criteria.rise_p
    new = s.baseline == 0  # there is history, and the theme was not in it
    if s.count >= criteria.rise_min and (rising or new):
        reasons.append("rising")
    return "common", reasons
