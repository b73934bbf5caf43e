"""A learned yes/no head with a kind: does a message need someone now (`voxloop.text.urgency`),
is it spam or nonsense (`voxloop.text.spam_model`)?

Phrase lists are precise but only know the wording they were written from. A head reads the
same messages by their words (character and word n-grams) and by their meaning (the
multilingual sentence encoder), averages the two probabilities, and names the kind with a
second model. Its threshold is the lowest probability at which the cross-validated false
alarms on the hand-written "no" messages stay under a bound: the messages that look like a
"yes" and are not, which ordinary corpora do not have.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, make_union

from voxloop.text import encoder
from voxloop.text import shipped as shipped_models
from voxloop.text.features import TfidfVectorizer, faster
from voxloop.text.normalize import normalize

_C = 10.0


@dataclass
class Head:
    vectorizer: FeatureUnion
    words: LogisticRegression  # yes or no, from n-grams
    meaning: LogisticRegression  # yes or no, from the sentence embedding
    kinds: LogisticRegression  # which kind of yes, from both
    threshold: float
    report: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, texts: Sequence[object]) -> tuple[np.ndarray, sp.csr_matrix]:
        """P(yes) per text, and the features the kind model reads."""
        normalized = [normalize(t) for t in texts]
        X = self.vectorizer.transform(normalized)
        E = encoder.embed(normalized)
        p = (self.words.predict_proba(X)[:, 1] + self.meaning.predict_proba(E)[:, 1]) / 2
        return p, sp.hstack([X, sp.csr_matrix(E)]).tocsr()

    def predict(self, texts: Sequence[object]) -> list[tuple[float, str | None]]:
        """(probability, kind) per text; the kind only where the probability reaches the
        threshold. An empty text is never a yes."""
        if not texts:
            return []
        p, features = self.probabilities(texts)
        out: list[tuple[float, str | None]] = [(round(float(x), 4), None) for x in p]
        chosen = [i for i, x in enumerate(p) if x >= self.threshold and normalize(texts[i])]
        if chosen:
            for i, kind in zip(chosen, self.kinds.predict(features[chosen]), strict=True):
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


def train(
    yes: Sequence[tuple[str, str]],
    no: Sequence[str],
    hand_written_no: int,
    max_false: float,
    before: Sequence[bool | None] | None = None,
) -> Head:
    """Learn from (text, kind) yes-messages and no-messages, the first `hand_written_no` of
    which are the hand-written ones the threshold is chosen on: cross-validated false alarms
    on them at most `max_false`. `before` says, per message (yes first), what the checks
    before the head decide: True flagged already, False the head is not asked, None the head
    decides; the bar is on what the whole check does, not on the head asked about everything."""
    texts = [normalize(t) for t, _ in yes] + [normalize(t) for t in no]
    y = np.array([1] * len(yes) + [0] * len(no))
    vectorizer = _vectorizer()
    X = vectorizer.fit_transform(texts)
    E = encoder.embed(texts)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    cross = (
        cross_val_predict(_classifier(), X, y, cv=folds, method="predict_proba")[:, 1]
        + cross_val_predict(_classifier(), E, y, cv=folds, method="predict_proba")[:, 1]
    ) / 2
    decided = np.array([np.nan if b is None else float(b) for b in (before or [None] * len(texts))])

    def flagged(t: float) -> np.ndarray:
        flags: np.ndarray = np.where(np.isnan(decided), cross >= t, decided == 1.0)
        return flags

    no_hand = slice(len(yes), len(yes) + hand_written_no)
    candidates = np.round(np.arange(0.3, 0.96, 0.01), 2)
    threshold = float(
        next((t for t in candidates if flagged(t)[no_hand].mean() <= max_false), candidates[-1])
    )
    report = {
        "yes": len(yes),
        "no": len(no),
        "threshold": threshold,
        "cross-validated recall": round(float(flagged(threshold)[: len(yes)].mean()), 3),
        "cross-validated false alarms (hand-written no)": round(float(flagged(threshold)[no_hand].mean()), 3),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    features = sp.hstack([X, sp.csr_matrix(E)]).tocsr()
    kinds = _classifier().fit(features[: len(yes)], [k for _, k in yes])
    return Head(
        vectorizer=vectorizer,
        words=_classifier().fit(X, y),
        meaning=_classifier().fit(E, y),
        kinds=kinds,
        threshold=threshold,
        report=report,
    )


def save(head: Head, path: Path, format_tag: str) -> None:
    shipped_models.save(head, path, format_tag)


def load(path: Path, format_tag: str) -> Head | None:
    """The head shipped at `path` (None where none of this format was trained)."""
    head: Head | None = shipped_models.load(path, format_tag)
    if head is not None:
        faster(head.vectorizer)
    return head
