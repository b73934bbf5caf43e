"""Personal data in free text: phone numbers, emails, Chinese resident ID and bank card numbers.

`find` returns what it saw with positions; `redact` replaces each with a tag such as [PHONE].
ID and card numbers are only reported when their check digit is right, so order numbers and
other long digit strings are left alone.
"""

import re
from dataclasses import dataclass

KINDS = ("email", "id_card", "bank_card", "phone")
TAGS = {"email": "[EMAIL]", "id_card": "[ID]", "bank_card": "[CARD]", "phone": "[PHONE]"}

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ID_CARD = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
_CARD = re.compile(r"(?<![\d-])\d{4}(?:[ -]?\d{3,4}){2,3}(?:[ -]?\d{1,3})?(?![\d-])")
_PHONE = re.compile(
    r"(?<![\d+])(?:"
    r"(?:\+|00)?86[ -]?1[3-9]\d(?:[ -]?\d{4}){2}"  # Chinese mobile with country code
    r"|1[3-9]\d(?:[ -]?\d{4}){2}"  # Chinese mobile
    r"|0\d{2,3}[ -]?\d{7,8}"  # Chinese landline with area code
    r"|(?:\+|00)[1-9]\d{0,2}[ -]?(?:\(\d{1,4}\)[ -]?)?\d{2,4}(?:[ -]?\d{2,4}){2,3}"  # international
    r"|\(\d{3}\)[ -]?\d{3}-\d{4}|\d{3}-\d{3}-\d{4}"  # North American
    r")(?!\d)"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Found:
    kind: str
    start: int
    end: int
    value: str


def id_card_valid(number: str) -> bool:
    """The GB 11643 check digit of an 18-character resident ID number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find(text: str) -> list[Found]:
    """Every piece of personal data in the text, without overlaps, in order."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, match: re.Match[str]) -> None:
        start, end = match.span()
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append(Found(kind, start, end, match.group()))

    for m in _EMAIL.finditer(text):
        add("email", m)
    for m in _ID_CARD.finditer(text):
        if id_card_valid(m.group()):
            add("id_card", m)
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            add("bank_card", m)
    for m in _PHONE.finditer(text):
        add("phone", m)
    return sorted(found, key=lambda f: f.start)


def redact(text: str, kinds: tuple[str, ...] = KINDS) -> str:
    """The text with each piece of personal data of the given kinds replaced by its tag."""
    out, last = [], 0
    for item in find(text):
        if item.kind in kinds:
            out.append(text[last : item.start])
            out.append(TAGS[item.kind])
            last = item.end
    out.append(text[last:])
    return "".join(out)
