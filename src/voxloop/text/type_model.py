"""The learned half of the feedback type: what a message is for, read by its words and meaning.

`voxloop.text.intent` types a message from the sentiment model and cue phrases; on messages
written by other people it was right for 72-75 % of them. This head reads each message three
ways: a logistic regression over the sentence encoder's embedding (Chinese and English in one
space) beside the cues' type and the sentiment model's verdict, a second over character and word
n-grams, and their probabilities averaged. It learns from the hand-written feedback in eval/ and
eval/train/ and samples of plain public reviews; the regularisation and the share of each are
chosen by cross-validation there, and it is measured on eval/holdout, written by other people
(`make eval`).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from voxloop.text import corpora, encoder, files
from voxloop.text import shipped as shipped_models
from voxloop.text.features import TfidfVectorizer, faster
from voxloop.text.normalize import normalize, without_courtesy
from voxloop.text.training import ece

MODEL_PATH = Path(__file__).with_name("trained") / "types.joblib"
# 2: the cues and sentiment as features, and an n-gram model beside; 3: a temperature;
# 4: how sure of praise the head must be to overrule the cues' complaint
FORMAT = "voxloop-types/4"
_CS = (3.0, 10.0, 30.0)
_WORDS = (0.2, 0.3, 0.4, 0.5)  # the n-gram model's share of the average
# How sure of praise the head must be where the cues read a complaint (above 1: never).
_SURE = (1.01, 0.95, 0.9, 0.8, 0.7)


class Cues(Protocol):
    """What the cue-based typing says of a text (an `analysis.Guess`)."""

    @property
    def feedback_type(self) -> str: ...
    @property
    def sentiment(self) -> str: ...
    @property
    def sentiment_score(self) -> float: ...


@dataclass
class TypeModel:
    meaning: LogisticRegression  # embedding + cues + sentiment
    words: Pipeline  # n-grams
    share: float  # the n-gram model's share of the average
    temperature: float  # the averaged probabilities' calibration (cross-validated)
    sure: float  # the probability of praise that overrules the cues' complaint
    report: dict[str, Any] = field(default_factory=dict)

    def types(
        self, texts: Sequence[object], embeddings: np.ndarray, cues: Sequence[Cues]
    ) -> list[tuple[str, float]]:
        """The type of each text and its probability (the confidence a person can act on)."""
        if not len(cues):
            return []
        classes = [str(c) for c in self.meaning.classes_]
        probabilities = _average(
            self.meaning.predict_proba(_stacked(embeddings, cues, classes)),
            self.words.predict_proba([normalize(t) for t in texts]),
            self.share,
        )
        return _decide(
            _scaled(probabilities, self.temperature), classes, [c.feedback_type for c in cues], self.sure
        )


def _stacked(embeddings: np.ndarray, cues: Sequence[Cues], classes: list[str]) -> np.ndarray:
    """The embedding beside the cues' type (one-hot) and the sentiment model's verdict."""
    said = np.array(
        [
            [c.feedback_type == k for k in classes]
            + [c.sentiment == "positive", c.sentiment == "negative", c.sentiment_score]
            for c in cues
        ],
        dtype=float,
    )
    return np.hstack([embeddings, said])


def _average(meaning: np.ndarray, words: np.ndarray, share: float) -> np.ndarray:
    return share * words + (1 - share) * meaning


def _scaled(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Temperature scaling of probabilities: the same order, sharper (T < 1) or softer (T > 1)."""
    scaled = np.power(np.clip(probabilities, 1e-12, 1.0), 1.0 / temperature)
    rescaled: np.ndarray = scaled / scaled.sum(axis=1, keepdims=True)
    return rescaled


def _temperature(probabilities: np.ndarray, y: np.ndarray, classes: list[str]) -> float:
    """The temperature that makes cross-validated probabilities most likely (a grid search)."""
    truth = np.array([classes.index(label) for label in y])
    grid = np.round(np.arange(0.2, 3.01, 0.05), 2)
    losses = [-np.log(_scaled(probabilities, t)[np.arange(len(y)), truth]).mean() for t in grid]
    return float(grid[int(np.argmin(losses))])


def _decide(
    probabilities: np.ndarray, classes: list[str], cue_types: Sequence[str], sure: float
) -> list[tuple[str, float]]:
    """The most probable type; a problem the cues found is made praise only where the head is
    `sure` of it (a complaint thanked as praise is the mistake customers notice most; but the
    cues also read "没有任何破损" and "couldn't fault a thing" as complaints)."""
    out = []
    praise = classes.index("praise")
    for row, cue in zip(probabilities, cue_types, strict=True):
        best = classes[int(row.argmax())]
        if best == "praise" and cue == "complaint" and row[praise] < sure:
            best = "complaint"
        out.append((best, round(float(row[classes.index(best)]), 4)))
    return out


def _words() -> Pipeline:
    return make_pipeline(
        make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        ),
        LogisticRegression(C=30, max_iter=3000),
    )


def train(
    texts: Sequence[str], embeddings: np.ndarray, labels: Sequence[str], cues: Sequence[Cues]
) -> TypeModel:
    """Choose C, the n-gram share and how sure of praise overrules the cues by 5-fold
    cross-validated accuracy, never thanking more complaints as praise than when the cues
    always win; fit on everything."""
    y = np.array(labels)
    classes = sorted(set(labels))
    normalized = [normalize(t) for t in texts]
    X = _stacked(embeddings, cues, classes)
    cue_types = [c.feedback_type for c in cues]
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    words = cross_val_predict(_words(), normalized, y, cv=folds, method="predict_proba")
    scores: dict[tuple[float, float, float], tuple[float, int]] = {}
    crossed: dict[float, np.ndarray] = {}
    for C in _CS:
        crossed[C] = meaning = cross_val_predict(
            LogisticRegression(C=C, max_iter=5000), X, y, cv=folds, method="predict_proba"
        )
        for share in _WORDS:
            for sure in _SURE:
                decided = np.array(
                    [t for t, _ in _decide(_average(meaning, words, share), classes, cue_types, sure)]
                )
                thanked = int(np.sum((decided == "praise") & (y == "complaint")))
                scores[(C, share, sure)] = (float(np.mean(decided == y)), thanked)
    (C, share, sure), (accuracy, thanked) = _best(scores)
    averaged = _average(crossed[C], words, share)
    temperature = _temperature(averaged, y, classes)
    report = {
        "examples": len(labels),
        "C": C,
        "n-gram share": share,
        "praise overrules the cues from": sure,
        "cross-validated accuracy": round(accuracy, 3),
        "cross-validated complaints typed praise": thanked,
        "cues alone": round(float(np.mean(np.array(cue_types) == y)), 3),
        "temperature": temperature,
        "cross-validated ECE": [
            round(_ece(p, classes, cue_types, y, sure), 3) for p in (averaged, _scaled(averaged, temperature))
        ],
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return TypeModel(
        LogisticRegression(C=C, max_iter=5000).fit(X, y),
        clone(_words()).fit(normalized, y),
        share,
        temperature,
        sure,
        report,
    )


def _best(
    scores: dict[tuple[float, float, float], tuple[float, int]],
) -> tuple[tuple[float, float, float], tuple[float, int]]:
    """The most accurate choice among those that thank no more complaints as praise than the
    best choice where the cues always win."""
    never = max((v for k, v in scores.items() if k[2] == _SURE[0]), key=lambda v: v[0])
    allowed = {k: v for k, v in scores.items() if v[1] <= never[1]}
    return max(allowed.items(), key=lambda kv: kv[1][0])


def _ece(
    probabilities: np.ndarray, classes: list[str], cue_types: Sequence[str], y: np.ndarray, sure: float
) -> float:
    """Expected calibration error of the decided type's probability (before, after scaling)."""
    decided = _decide(probabilities, classes, cue_types, sure)
    return ece(np.array([[p] for _, p in decided]), np.array([t for t, _ in decided]), y)


# Plain reviews beside the hand-written messages: the hand-written sets are mostly traps
# (sarcasm, polite complaints, praise then a problem), and alone they taught the head that
# "服务很好，谢谢" is a complaint. Positive reviews are praise, negative ones complaints.
REVIEWS = (("zh reviews", 120), ("en review sentences", 120))  # per polarity


def public_reviews() -> tuple[list[str], list[str]]:
    """Samples of the public review corpora as (texts, types): praise or complaint."""
    sources = {"zh reviews": corpora.zh_reviews, "en review sentences": corpora.en_sentences}
    texts: list[str] = []
    types: list[str] = []
    for name, n in REVIEWS:
        frame = sources[name]()
        for polarity, type_ in (("positive", "praise"), ("negative", "complaint")):
            chosen = frame[frame["label"] == polarity]["text"].sample(n, random_state=0)
            texts += list(chosen)
            types += [type_] * n
    return texts, types


def train_shipped(eval_dir: Path) -> TypeModel:
    """The shipped head: the hand-written feedback in eval/ and eval/train/ and samples of the
    public reviews (never eval/holdout)."""
    from voxloop.text import analysis  # the cues come from the default models

    rows = files.training_records(eval_dir, "triage.jsonl")
    reviews, review_types = public_reviews()
    texts = [r["text"] for r in rows] + reviews
    bodies = [without_courtesy(t) for t in texts]  # as `analysis.guess` gives them to the head
    labels = [r["type"] for r in rows] + review_types
    return train(bodies, encoder.embed(bodies), labels, analysis.guess(texts))


def save(model: TypeModel, path: Path = MODEL_PATH) -> None:
    shipped_models.save(model, path, FORMAT)


@lru_cache(maxsize=1)
def shipped() -> TypeModel | None:
    """The model shipped in the package (None where it was not trained)."""
    model: TypeModel | None = shipped_models.load(MODEL_PATH, FORMAT)
    if model is not None:
        faster(model.words)
    return model
