"""The hand-written evaluation sets in eval/ measured, for `make eval` and the model card.

Each set was written by people who did not read the detectors; even lines were read while
writing the safety and spam phrases and the type cues ("seen"), odd lines never ("held out").
Only the held-out figures say how Voxloop does on messages it has not met.
"""

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from voxloop.text import safety, spam
from voxloop.text.analysis import guess, known_word

Row = dict[str, Any]
HALVES = (("seen", 0), ("held out", 1))


def load(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _share(hits: list[bool]) -> float:
    return round(sum(hits) / len(hits), 3) if hits else 0.0


def detection(rows: list[Row], label: str, detect: Callable[[str], bool]) -> dict[str, Any]:
    """Recall on the positives and the false-positive rate on the rest."""
    found = [detect(r["text"]) for r in rows]
    positives = [f for f, r in zip(found, rows, strict=True) if r[label]]
    negatives = [f for f, r in zip(found, rows, strict=True) if not r[label]]
    return {"n": len(rows), "recall": _share(positives), "false positives": _share(negatives)}


def typing(rows: list[Row]) -> dict[str, Any]:
    """Type and polarity accuracy of triage's guess, and complaints typed praise."""
    guessed = guess([r["text"] for r in rows])
    pairs = list(zip(guessed, rows, strict=True))
    return {
        "n": len(rows),
        "type": _share([g.feedback_type == r["type"] for g, r in pairs]),
        "polarity": _share([g.sentiment == r["polarity"] for g, r in pairs]),
        "complaints typed praise": sum(
            g.feedback_type == "praise" and r["type"] == "complaint" for g, r in pairs
        ),
    }


def evaluate(folder: Path) -> list[Row]:
    """One row per set, half and language."""
    out: list[Row] = []
    sets: list[tuple[str, Callable[[list[Row]], dict[str, Any]]]] = [
        ("safety.jsonl", lambda rows: detection(rows, "urgent", lambda t: safety.alarm(t) is not None)),
        ("spam.jsonl", lambda rows: detection(rows, "spam", lambda t: spam.check(t, known_word) is not None)),
        ("triage.jsonl", typing),
    ]
    for name, measure in sets:
        rows = load(folder / name)
        for half, start in HALVES:
            part = rows[start::2]
            for language in ("zh", "en", "all"):
                chosen = [r for r in part if language == "all" or r["lang"] == language]
                started = time.perf_counter()
                figures = measure(chosen)
                rate = len(chosen) / max(time.perf_counter() - started, 1e-9)
                speed = f"{rate:,.0f}"
                out.append({"set": name, "half": half, "lang": language, **figures, "texts/s": speed})
    return out


def table(rows: list[Row]) -> str:
    head = list(dict.fromkeys(k for r in rows for k in r))
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(str(r.get(k, "")) for k in head) + " |" for r in rows]
    return "\n".join(lines)
