"""The default analysis of feedback text: language, sentiment, emotion, feedback type, keywords,
aspects and personal data, in Chinese and English.

Sentiment and emotion come from the shipped models (see trained/MODEL_CARD.md); the feedback
type from the sentiment model and cue phrases (`voxloop.text.intent`), and, where `guess` is
asked for meaning, a learned head over the sentence encoder (`voxloop.text.type_model`).
Everything works on batches: one vectorizer pass per language per call.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from voxloop.common import forked
from voxloop.text import encoder, pii, type_model
from voxloop.text.categories import CategoryModel
from voxloop.text.features import en_features, faster
from voxloop.text.intent import POLARITY, Intent, intent
from voxloop.text.keywords import keywords
from voxloop.text.language import language_of
from voxloop.text.normalize import MAX_CHARS, normalize, without_courtesy
from voxloop.text.tokenize import NO_WORDS, Dictionary

MODEL_PATH = Path(__file__).with_name("trained") / "default.joblib"

SENTIMENTS = ("negative", "neutral", "positive")
EMOTIONS = ("joy", "anger", "sadness", "fear", "surprise", "neutral")
TYPES = ("praise", "complaint", "suggestion", "inquiry", "other")

_EN_EMOTION_CUES = {
    "anger": re.compile(
        r"\b(?:angry|furious|outrag\w*|unacceptable|ridiculous|disgust\w*|hate|pissed|rude|worst|"
        r"scam|fed up|annoy\w*|infuriat\w*|livid|shameful|pathetic|incompetent)\b"
    ),
    "sadness": re.compile(
        r"\b(?:sad|disappoint\w*|unfortunately|heartbroken|upset|miss(?:ed)?|sorry|regret\w*|"
        r"let down|depress\w*|unhappy|crying|lonely)\b"
    ),
    "fear": re.compile(
        r"\b(?:afraid|scared|worr\w*|concern(?:ed)?|anxious|nervous|unsafe|danger\w*|fear\w*|panic\w*|"
        r"terrif\w*|frighten\w*)\b"
    ),
    "surprise": re.compile(
        r"\b(?:surpris\w*|wow|unexpected\w*|can't believe|cannot believe|shock\w*|amaz\w*|astonish\w*|"
        r"didn't expect|omg)\b"
    ),
    "joy": re.compile(
        r"\b(?:love[ds]?|happy|glad|delight\w*|thank\w*|excellent|wonderful|great|awesome|enjoy\w*|"
        r"pleased|perfect|fantastic|best)\b"
    ),
}
_CLAUSE_SPLIT = re.compile(
    r"[,.;!?\n，。；！？]+|\b(?:but|however|although|though|yet|whereas)\b|但是|不过|可是|然而|只是|但|却"
)
_MIN_CLAUSE = re.compile(r"[\u4e00-\u9fff].*[\u4e00-\u9fff]|[a-z]{2,}\W+[a-z]{2,}")


@dataclass(frozen=True)
class Aspect:
    aspect: str
    sentiment: str
    text: str


@dataclass(frozen=True)
class Analysis:
    language: str
    sentiment: str
    sentiment_score: float
    emotion: str
    feedback_type: str
    keywords: list[str]
    aspects: list[Aspect] = field(default_factory=list)
    pii: list[str] = field(default_factory=list)
    category: str | None = None
    category_confidence: float | None = None
    truncated: bool = False


@lru_cache(maxsize=1)
def default_model() -> dict[str, Any]:
    bundle: dict[str, Any] = faster(joblib.load(MODEL_PATH))
    idf = bundle["en"]["vectorizer"]
    words = {w: float(idf.idf_[i]) for w, i in idf.vocabulary_.items() if " " not in w}
    bundle["en"]["idf"] = {**words, "": max(words.values())}  # "": what an unknown word gets
    return bundle


def known_word(word: str) -> bool:
    """Whether an English word is in the default models' vocabulary."""
    return word in default_model()["en"]["idf"]


def _ordered(model: Any, probabilities: np.ndarray, order: Sequence[Any]) -> np.ndarray:
    """Probability columns in `order` (zeros for classes the model never saw)."""
    classes = list(model.classes_)
    out = np.zeros((probabilities.shape[0], len(order)), dtype=np.float64)
    for j, name in enumerate(order):
        if name in classes:
            out[:, j] = probabilities[:, classes.index(name)]
    return out


@dataclass(frozen=True)
class Features:
    """The default models' features of some texts, computed once for every model that reads
    them: Chinese (and mixed) texts' n-grams; the other texts' words, and those words beside
    the texts' lexicon scores (what English sentiment and emotion read)."""

    zh_rows: list[int]
    zh: Any
    en_rows: list[int]
    en: Any
    en_scored: Any = None

    @classmethod
    def of(cls, texts: list[str], languages: list[str]) -> "Features":
        bundle = default_model()
        zh_rows = [i for i, lang in enumerate(languages) if lang in ("zh", "mixed")]
        en_rows = [i for i, lang in enumerate(languages) if lang != "zh"]
        en_texts = [texts[i] for i in en_rows]
        en = bundle["en"]["vectorizer"].transform(en_texts) if en_rows else None
        return cls(
            zh_rows=zh_rows,
            zh=bundle["zh"]["vectorizer"].transform([texts[i] for i in zh_rows]) if zh_rows else None,
            en_rows=en_rows,
            en=en,
            en_scored=en_features(en, en_texts) if en_rows else None,
        )


def sentiment_probabilities(
    texts: list[str], languages: list[str], features: Features | None = None
) -> np.ndarray:
    """P(negative, neutral, positive) per normalized text; a mixed text averages both models."""
    bundle = default_model()
    f = features or Features.of(texts, languages)
    out = np.zeros((len(texts), 3))
    if f.zh_rows:
        zh = bundle["zh"]["sentiment"]
        out[f.zh_rows] += _ordered(zh, zh.predict_proba(f.zh), SENTIMENTS)
    if f.en_rows:
        en = bundle["en"]["sentiment"]
        out[f.en_rows] += _ordered(en, en.predict_proba(f.en_scored), SENTIMENTS)
    mixed = [i for i, lang in enumerate(languages) if lang == "mixed"]
    out[mixed] /= 2
    return out


def _suggestion_scores(languages: list[str], f: Features) -> np.ndarray:
    out = np.zeros(len(languages))
    picked = [(k, i) for k, i in enumerate(f.en_rows) if languages[i] in ("en", "mixed")]
    if picked:
        model = default_model()["en"]["suggestion"]
        X = f.en[[k for k, _ in picked]]
        out[[i for _, i in picked]] = _ordered(model, model.predict_proba(X), (1,))[:, 0]
    return out


def _zh_emotions(f: Features) -> dict[int, np.ndarray]:
    """P(emotion) per text, in EMOTIONS order: the Chinese model's for Chinese and mixed texts,
    the English model's for the others (none from a bundle without one: cue words then)."""
    bundle = default_model()
    out: dict[int, np.ndarray] = {}
    english = bundle["en"].get("emotion")
    if f.en_rows and english is not None:
        probabilities = _ordered(english, english.predict_proba(f.en_scored), EMOTIONS)
        out.update(zip(f.en_rows, probabilities, strict=True))
    if f.zh_rows:
        model = bundle["zh"]["emotion"]
        probabilities = _ordered(model, model.predict_proba(f.zh), EMOTIONS)
        out.update(zip(f.zh_rows, probabilities, strict=True))
    return out


def emotion_of(text: str, sentiment: str, score: float, probabilities: np.ndarray | None) -> str:
    """The emotion, kept consistent with the sentiment: a negative text is never 'joy'. The
    most probable allowed one when an emotion model read the text, else English cue words."""
    allowed = {
        "positive": ("joy", "surprise"),
        "negative": ("anger", "sadness", "fear", "surprise"),
        "neutral": EMOTIONS,
    }[sentiment]
    if probabilities is not None:
        ranked = sorted(zip(probabilities, EMOTIONS, strict=True), reverse=True)
        return next(name for _, name in ranked if name in allowed)
    hits = {name: len(cue.findall(text)) for name, cue in _EN_EMOTION_CUES.items() if name in allowed}
    best = max(hits, key=lambda name: hits[name]) if hits else None
    if best and hits[best]:
        return best
    if sentiment == "positive":
        return "joy"
    if sentiment == "negative":
        return "anger" if score <= -0.5 else "sadness"
    return "neutral"


def _label(probabilities: np.ndarray) -> tuple[str, float]:
    return SENTIMENTS[int(probabilities.argmax())], round(float(probabilities[2] - probabilities[0]), 4)


def aspects(texts: list[str], languages: list[str], words: list[list[str]]) -> list[list[Aspect]]:
    """Per text, the sentiment of each clause that names one of the text's keywords, when the
    text has several clauses."""
    clauses: list[tuple[int, str, str]] = []
    for i, text in enumerate(texts):
        parts = [p.strip() for p in _CLAUSE_SPLIT.split(text) if p and _MIN_CLAUSE.search(p)]
        if len(parts) < 2:
            continue
        for part in parts:
            aspect = next((w for w in words[i] if w in part), None)
            if aspect:
                clauses.append((i, part, aspect))
    out: list[list[Aspect]] = [[] for _ in texts]
    if not clauses:
        return out
    probabilities = sentiment_probabilities([c for _, c, _ in clauses], [languages[i] for i, _, _ in clauses])
    for (i, clause, aspect), p in zip(clauses, probabilities, strict=True):
        sentiment, _ = _label(p)
        if sentiment != "neutral":
            out[i].append(Aspect(aspect=aspect, sentiment=sentiment, text=clause))
    return out


PARALLEL_MIN = 4_000  # texts: fewer are analysed in the calling process


@dataclass(frozen=True)
class Guess:
    """What triage takes from the text models: type, the polarity that goes with it (the
    model's score beside it), and category."""

    language: str
    sentiment: str
    sentiment_score: float
    feedback_type: str
    category: str | None = None
    category_confidence: float | None = None
    type_confidence: float | None = None  # where the learned type head read the text


def analyze(
    texts: Sequence[object],
    *,
    with_aspects: bool = True,
    categories: CategoryModel | None = None,
    dictionary: Dictionary = NO_WORDS,
    processes: int = 1,
) -> list[Analysis]:
    """The default analysis of each text, and its category when a category model is given;
    keywords keep the organization's `dictionary` words whole. Any input (None, bytes, HTML,
    1 MB) gives a result.

    With `processes` > 1, a batch of PARALLEL_MIN texts or more is shared among that many
    processes forked from this one (`voxloop.common.forked`)."""
    options: dict[str, Any] = {
        "with_aspects": with_aspects,
        "categories": categories,
        "dictionary": dictionary,
    }
    return _in_parts(_analyze, texts, options, processes)


def guess(
    texts: Sequence[object],
    *,
    categories: CategoryModel | None = None,
    processes: int = 1,
    meaning: bool = False,
) -> list[Guess]:
    """Type, sentiment and category of each text, as `analyze` finds them, without what
    triage does not use (keywords, emotion, aspects, personal data): for large batches.
    With `meaning`, the type also reads the sentence encoder (`voxloop.text.type_model`):
    better on new wording, a few hundred texts a second."""
    found = _in_parts(_guess, texts, {"categories": categories}, processes)
    model = type_model.shipped() if meaning else None
    if model is None or not found:
        return found
    bodies = [without_courtesy(t) for t in texts]  # the head reads what is said, not the courtesy
    types = model.types(bodies, encoder.embed(bodies), found)
    return [
        replace(
            g,
            feedback_type=t,
            sentiment=g.sentiment if t == g.feedback_type else POLARITY.get(t, "neutral"),
            type_confidence=p,
        )
        for g, (t, p) in zip(found, types, strict=True)
    ]


def _in_parts(
    analyse: Callable[..., list[Any]], texts: Sequence[object], options: dict[str, Any], processes: int
) -> list[Any]:
    if processes > 1 and len(texts) >= PARALLEL_MIN:
        default_model()  # loaded once, here, and inherited by the forked processes
        if options["categories"] is not None:
            options["categories"].predict([""])  # its vectorizer's tables built before the fork
    parts = forked.in_parts(analyse, texts, options, processes=processes, minimum=PARALLEL_MIN)
    return [result for part in parts for result in part]


@dataclass(frozen=True)
class _Common:
    """What every result needs: the texts normalized, their language, sentiment
    probabilities, suggestion scores, and the category model's prediction."""

    normalized: list[str]
    languages: list[str]
    features: Features
    probabilities: np.ndarray
    suggestion: np.ndarray
    predicted: list[tuple[str, float]] | None

    @classmethod
    def of(cls, texts: Sequence[object], categories: CategoryModel | None) -> "_Common":
        normalized = [normalize(t) for t in texts]
        languages = [language_of(t) for t in normalized]
        features = Features.of(normalized, languages)
        return cls(
            normalized=normalized,
            languages=languages,
            features=features,
            probabilities=sentiment_probabilities(normalized, languages, features),
            suggestion=_suggestion_scores(languages, features),
            predicted=categories.predict(texts) if categories is not None else None,
        )

    def sentiment(self, i: int) -> tuple[str, float]:
        return _label(self.probabilities[i]) if self.normalized[i] else ("neutral", 0.0)

    def intent(self, i: int) -> Intent:
        """The type, and the polarity that goes with it (a polite complaint is negative, a
        plain question neutral)."""
        return intent(self.normalized[i], *self.sentiment(i), self.suggestion[i])

    def feedback_type(self, i: int) -> str:
        return self.intent(i).feedback_type

    def category(self, i: int) -> tuple[str | None, float | None]:
        return self.predicted[i] if self.predicted is not None else (None, None)


def _guess(texts: Sequence[object], *, categories: CategoryModel | None) -> list[Guess]:
    common = _Common.of(texts, categories)
    out = []
    for i in range(len(texts)):
        found = common.intent(i)
        _, score = common.sentiment(i)
        out.append(
            Guess(common.languages[i], found.sentiment, score, found.feedback_type, *common.category(i))
        )
    return out


def _analyze(
    texts: Sequence[object], *, with_aspects: bool, categories: CategoryModel | None, dictionary: Dictionary
) -> list[Analysis]:
    common = _Common.of(texts, categories)
    normalized, languages = common.normalized, common.languages
    emotions = _zh_emotions(common.features)
    idf = default_model()["en"]["idf"]
    words = [keywords(t, 5, idf, dictionary) for t in normalized]
    per_text_aspects = aspects(normalized, languages, words) if with_aspects else [[] for _ in texts]
    results = []
    for i, text in enumerate(normalized):
        sentiment, score = common.sentiment(i)
        category, confidence = common.category(i)
        results.append(
            Analysis(
                language=languages[i],
                sentiment=sentiment,
                sentiment_score=score,
                emotion=emotion_of(text, sentiment, score, emotions.get(i)) if text else "neutral",
                feedback_type=common.feedback_type(i),
                keywords=words[i],
                aspects=per_text_aspects[i],
                pii=sorted({f.kind for f in pii.find(text)}),
                category=category,
                category_confidence=confidence,
                truncated=len(text) >= MAX_CHARS,
            )
        )
    return results


OUTPUT_COLUMNS = (
    "language", "sentiment", "sentiment_score", "emotion", "feedback_type", "category", "keywords",
)  # fmt: skip


def classify_table(
    frame: pd.DataFrame,
    *,
    text_column: str,
    categories: CategoryModel | None = None,
    chunk: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """The input table with the analysis columns added (an input column of the same name is
    kept as `<name>_input`); `progress` is told how many rows each chunk finished."""
    rows: list[Analysis] = []
    texts = list(frame[text_column])
    for start in range(0, len(texts), chunk):
        part = texts[start : start + chunk]
        rows.extend(analyze(part, with_aspects=False, categories=categories))
        if progress:
            progress(len(part))
    out = frame.rename(columns={c: f"{c}_input" for c in OUTPUT_COLUMNS if c in frame.columns}).copy()
    for name in OUTPUT_COLUMNS:
        if name == "keywords":
            out[name] = [", ".join(r.keywords) for r in rows]
        else:
            out[name] = [getattr(r, name) for r in rows]
    if categories is not None:
        out["category_confidence"] = [r.category_confidence for r in rows]
    return out
