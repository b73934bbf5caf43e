"""The hand-written evaluation sets in eval/ measured, for `make eval` and the model card.

Every set was written by people who read none of the checks. The sets in eval/ were read while
writing the safety and spam phrases and the type cues, and the safety check's learned head
trains on them ("development"); the sets in eval/holdout/, written later by others, were never
read nor trained on ("held out"). Only the held-out figures say how Voxloop does on messages
it has not met.
"""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from voxloop.text import files, safety, spam
from voxloop.text.analysis import guess, known_word
from voxloop.text.training import ece

Row = dict[str, Any]
PARTS = (("development", ""), ("held out", "holdout"))


def load(path: Path) -> list[Row]:
    """The rows of a .jsonl set."""
    return files.read_records(path)


def _share(hits: list[bool]) -> float:
    return round(sum(hits) / len(hits), 3) if hits else 0.0


def detection(rows: list[Row], label: str, flagged: list[bool]) -> dict[str, Any]:
    """Recall on the rows whose `label` is true, and the false-positive rate on the rest."""
    positives = [f for f, r in zip(flagged, rows, strict=True) if r[label]]
    negatives = [f for f, r in zip(flagged, rows, strict=True) if not r[label]]
    return {"n": len(rows), "recall": _share(positives), "false positives": _share(negatives)}


def _phrases(rows: list[Row]) -> dict[str, Any]:
    return detection(rows, "urgent", [safety.alarm(r["text"]) is not None for r in rows])


def _alarms(rows: list[Row]) -> dict[str, Any]:
    return detection(rows, "urgent", [a is not None for a in safety.alarms([r["text"] for r in rows])])


def _spam(rows: list[Row]) -> dict[str, Any]:
    return detection(rows, "spam", [spam.check(r["text"], known_word) is not None for r in rows])


def _spam_learned(rows: list[Row]) -> dict[str, Any]:
    return detection(
        rows, "spam", [f is not None for f in spam.checks([r["text"] for r in rows], known_word)]
    )


def typing(rows: list[Row], meaning: bool = False) -> dict[str, Any]:
    """Type and polarity accuracy of triage's guess, and complaints typed praise."""
    guessed = guess([r["text"] for r in rows], meaning=meaning)
    pairs = list(zip(guessed, rows, strict=True))
    figures = {
        "n": len(rows),
        "type": _share([g.feedback_type == r["type"] for g, r in pairs]),
        "polarity": _share([g.sentiment == r["polarity"] for g, r in pairs]),
        "complaints typed praise": sum(
            g.feedback_type == "praise" and r["type"] == "complaint" for g, r in pairs
        ),
    }
    confidence = [g.type_confidence for g in guessed]
    if rows and all(c is not None for c in confidence):  # the learned head's: what review reads
        figures["type ECE"] = round(
            ece(
                np.array(confidence, dtype=float)[:, None],
                np.array([g.feedback_type for g in guessed]),
                np.array([r["type"] for r in rows]),
            ),
            3,
        )
    return figures


SETS: list[tuple[str, str, Callable[[list[Row]], dict[str, Any]]]] = [
    ("safety: phrases", "safety.jsonl", _phrases),
    ("safety: phrases + learned head", "safety.jsonl", _alarms),
    ("spam and nonsense: patterns", "spam.jsonl", _spam),
    ("spam and nonsense: patterns + learned head", "spam.jsonl", _spam_learned),
    ("type and polarity: cues", "triage.jsonl", typing),
    ("type and polarity: cues + learned head", "triage.jsonl", lambda rows: typing(rows, meaning=True)),
]


def evaluate(folder: Path) -> list[Row]:
    """One row per check, part (development or held out) and language."""
    out: list[Row] = []
    for check, name, measure in SETS:
        for part_name, sub in PARTS:
            part = load(folder / sub / name)
            for language in ("zh", "en", "all"):
                chosen = [r for r in part if language == "all" or r["lang"] == language]
                started = time.perf_counter()
                figures = measure(chosen)
                rate = len(chosen) / max(time.perf_counter() - started, 1e-9)
                speed = f"{rate:,.0f}"
                out.append({"check": check, "set": part_name, "lang": language, **figures, "texts/s": speed})
    return out


def table(rows: list[Row]) -> str:
    head = list(dict.fromkeys(k for r in rows for k in r))
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(str(r.get(k, "")) for k in head) + " |" for r in rows]
    return "\n".join(lines)
