"""The learned half of the safety check: does a message need someone now, however it is worded?

The phrase lists in `voxloop.text.safety` are precise but only know the wording they were
written from; on messages written by other people they caught 58 % of the emergencies. This
head reads the same messages by their words (character and word n-grams) and by their meaning
(the multilingual sentence encoder), averaged, and names the kind of emergency with a second
model. It learns from the hand-written safety set in eval/ (emergencies and calm messages
about the same things) plus ordinary feedback, reviews and questions as calm examples; its
threshold is the lowest probability at which cross-validated false alarms on the calm
hand-written messages stay under 2 %. Measured on eval/holdout, written by other people.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, make_union

from voxloop.text import corpora, encoder, files
from voxloop.text import shipped as shipped_models
from voxloop.text.features import TfidfVectorizer, faster
from voxloop.text.normalize import normalize

MODEL_PATH = Path(__file__).with_name("trained") / "urgency.joblib"
FORMAT = "voxloop-urgency/1"
MAX_FALSE_ALARMS = 0.02  # cross-validated, on the calm hand-written messages
_C = 10.0


@dataclass
class UrgencyModel:
    vectorizer: FeatureUnion
    words: LogisticRegression  # urgent or not, from n-grams
    meaning: LogisticRegression  # urgent or not, from the sentence embedding
    kinds: LogisticRegression  # which emergency, from both
    threshold: float
    report: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, texts: Sequence[object]) -> tuple[np.ndarray, np.ndarray]:
        """P(needs someone now) per text, and the features the kind model reads."""
        normalized = [normalize(t) for t in texts]
        X = self.vectorizer.transform(normalized)
        E = encoder.embed(normalized)
        p = (self.words.predict_proba(X)[:, 1] + self.meaning.predict_proba(E)[:, 1]) / 2
        return p, sp.hstack([X, sp.csr_matrix(E)]).tocsr()

    def predict(self, texts: Sequence[object]) -> list[tuple[float, str | None]]:
        """(probability, kind) per text; the kind only where the probability reaches the
        threshold. An empty text needs nobody."""
        if not texts:
            return []
        p, features = self.probabilities(texts)
        out: list[tuple[float, str | None]] = [(round(float(x), 4), None) for x in p]
        urgent = [i for i, x in enumerate(p) if x >= self.threshold and normalize(texts[i])]
        if urgent:
            for i, kind in zip(urgent, self.kinds.predict(features[urgent]), strict=True):
                out[i] = (out[i][0], str(kind))
        return out


def _vectorizer() -> FeatureUnion:
    return make_union(
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True, dtype=np.float32
        ),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32),
    )


def _classifier() -> LogisticRegression:
    return LogisticRegression(C=_C, class_weight="balanced", max_iter=3000)


def train(urgent: Sequence[tuple[str, str]], calm: Sequence[str], hand_written_calm: int) -> UrgencyModel:
    """Learn from (text, kind) emergencies and calm texts, the first `hand_written_calm` of
    which are the hand-written calm messages the threshold is chosen on."""
    texts = [normalize(t) for t, _ in urgent] + [normalize(t) for t in calm]
    y = np.array([1] * len(urgent) + [0] * len(calm))
    vectorizer = _vectorizer()
    X = vectorizer.fit_transform(texts)
    E = encoder.embed(texts)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    cross = (
        cross_val_predict(_classifier(), X, y, cv=folds, method="predict_proba")[:, 1]
        + cross_val_predict(_classifier(), E, y, cv=folds, method="predict_proba")[:, 1]
    ) / 2
    calm_cross = cross[len(urgent) : len(urgent) + hand_written_calm]
    candidates = np.round(np.arange(0.3, 0.96, 0.05), 2)
    threshold = float(
        next((t for t in candidates if (calm_cross >= t).mean() <= MAX_FALSE_ALARMS), candidates[-1])
    )
    features = sp.hstack([X, sp.csr_matrix(E)]).tocsr()
    kinds = _classifier().fit(features[: len(urgent)], [k for _, k in urgent])
    report = {
        "urgent": len(urgent),
        "calm": len(calm),
        "threshold": threshold,
        "cross-validated recall": round(float((cross[: len(urgent)] >= threshold).mean()), 3),
        "cross-validated false alarms (hand-written calm)": round(float((calm_cross >= threshold).mean()), 3),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return UrgencyModel(
        vectorizer=vectorizer,
        words=_classifier().fit(X, y),
        meaning=_classifier().fit(E, y),
        kinds=kinds,
        threshold=threshold,
        report=report,
    )


CALM_CORPORA = (("zh reviews", 1500), ("en review sentences", 1000), ("en banking questions", 500))


def train_shipped(eval_dir: Path) -> UrgencyModel:
    """The shipped head: the hand-written safety set's emergencies and calm messages, the
    hand-written feedback and genuine messages as calm, and samples of the public reviews and
    questions as calm (never eval/holdout)."""
    safety = files.training_records(eval_dir, "safety.jsonl")
    urgent = [(r["text"], r["kind"]) for r in safety if r["urgent"]]
    calm = [r["text"] for r in safety if not r["urgent"]]
    hand_written = len(calm)
    calm += [r["text"] for r in files.training_records(eval_dir, "triage.jsonl")]
    calm += [r["text"] for r in files.read_records(eval_dir / "spam.jsonl") if not r["spam"]]
    sources = {
        "zh reviews": corpora.zh_reviews()["text"],
        "en review sentences": corpora.en_sentences()["text"],
        "en banking questions": corpora.en_banking("train")["text"],
    }
    for name, n in CALM_CORPORA:
        calm += list(sources[name].sample(n, random_state=0))
    return train(urgent, calm, hand_written)


def save(model: UrgencyModel, path: Path = MODEL_PATH) -> None:
    shipped_models.save(model, path, FORMAT)


@lru_cache(maxsize=1)
def shipped() -> UrgencyModel | None:
    """The model shipped in the package (None where it was not trained)."""
    model: UrgencyModel | None = shipped_models.load(MODEL_PATH, FORMAT)
    if model is not None:
        faster(model.vectorizer)
    return model
