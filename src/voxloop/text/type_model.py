"""The learned half of the feedback type: what a message is for, read by its meaning.

`voxloop.text.intent` types a message from the sentiment model and cue phrases; on messages
written by other people it was right for 75 % of them. This head reads the sentence encoder's
embedding (Chinese and English in one space) with a logistic regression learned from the
hand-written feedback set in eval/, and its probabilities are blended with the cues' vote. The
regularisation and the blend are chosen by cross-validation on that set only; it is measured
on eval/holdout, written by other people (`make eval`).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from voxloop.text import shipped as shipped_models

MODEL_PATH = Path(__file__).with_name("trained") / "types.joblib"
FORMAT = "voxloop-types/1"
_CS = (1.0, 3.0, 10.0, 30.0)
_BLENDS = (0.3, 0.5, 0.6, 0.7, 0.8, 1.0)


@dataclass
class TypeModel:
    meaning: LogisticRegression
    blend: float  # the learned probabilities' share; the cues' vote has the rest
    report: dict[str, Any] = field(default_factory=dict)

    def types(self, embeddings: np.ndarray, cue_types: Sequence[str]) -> list[tuple[str, float]]:
        """The type of each text from its embedding and the cues' type, with its blended
        probability (the confidence a person can act on)."""
        if not len(cue_types):
            return []
        probabilities = self.meaning.predict_proba(embeddings)
        return _blend(probabilities, [str(c) for c in self.meaning.classes_], cue_types, self.blend)


def _blend(
    probabilities: np.ndarray, classes: list[str], cue_types: Sequence[str], blend: float
) -> list[tuple[str, float]]:
    """The blended type and its blended probability; a stated problem the cues found is never
    made praise (a complaint thanked as praise is the mistake customers notice most)."""
    vote = np.array([[c == t for c in classes] for t in cue_types], dtype=float)
    mixed = blend * probabilities + (1 - blend) * vote
    out = []
    for row, cue in zip(mixed, cue_types, strict=True):
        best = classes[int(row.argmax())]
        if best == "praise" and cue == "complaint":
            best = "complaint"
        out.append((best, round(float(row[classes.index(best)]), 4)))
    return out


def train(embeddings: np.ndarray, labels: Sequence[str], cue_types: Sequence[str]) -> TypeModel:
    """Choose C and the blend by 5-fold cross-validated accuracy; fit on everything."""
    y = np.array(labels)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    scores: dict[tuple[float, float], float] = {}
    for C in _CS:
        model = LogisticRegression(C=C, max_iter=3000)
        cross = cross_val_predict(model, embeddings, y, cv=folds, method="predict_proba")
        classes = sorted(set(labels))
        for blend in _BLENDS:
            blended = [t for t, _ in _blend(cross, classes, cue_types, blend)]
            scores[(C, blend)] = float(np.mean(np.array(blended) == y))
    (C, blend), accuracy = max(scores.items(), key=lambda kv: kv[1])
    cues_alone = float(np.mean(np.array(cue_types) == y))
    report = {
        "examples": len(labels),
        "C": C,
        "blend": blend,
        "cross-validated accuracy": round(accuracy, 3),
        "cues alone": round(cues_alone, 3),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return TypeModel(LogisticRegression(C=C, max_iter=3000).fit(embeddings, y), blend, report)


def save(model: TypeModel, path: Path = MODEL_PATH) -> None:
    shipped_models.save(model, path, FORMAT)


@lru_cache(maxsize=1)
def shipped() -> TypeModel | None:
    """The model shipped in the package (None where it was not trained)."""
    model: TypeModel | None = shipped_models.load(MODEL_PATH, FORMAT)
    return model
