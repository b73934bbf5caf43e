"""Models shipped inside the package (trained/): written with a format tag, read back only when
the tag matches, so a file from another version is ignored rather than misread."""

from pathlib import Path
from typing import Any

import joblib


def save(model: Any, path: Path, format_tag: str) -> None:
    joblib.dump({"format": format_tag, "model": model}, path, compress=3)


def load(path: Path, format_tag: str) -> Any | None:
    """The model at `path`, or None where there is none of this format."""
    if not path.exists():
        return None
    data = joblib.load(path)
    if not isinstance(data, dict) or data.get("format") != format_tag:
        return None
    return data["model"]
