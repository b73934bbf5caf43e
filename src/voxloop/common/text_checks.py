"""Checks applied to every piece of text a user sends in."""

import re

# C0 and C1 control characters other than tab, newline and carriage return, plus NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character_reason(value: str) -> str | None:
    m = _CONTROL.search(value)
    if m is None:
        return None
    return f"contains control character U+{ord(m.group()):04X} at position {m.start()}"


def clean_text(value: str) -> str:
    """Validate a free-text field: reject control characters, normalise line endings, strip ends."""
    reason = control_character_reason(value)
    if reason:
        raise ValueError(reason)
    return value.replace("\r\n", "\n").strip()
