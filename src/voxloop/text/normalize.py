"""Text as the models see it: markup removed, full-width folded, traditional Chinese simplified."""

import html
import re
import unicodedata
from functools import lru_cache

import opencc

# Analysis looks at the first this-many characters; the stored record keeps all of it.
MAX_CHARS = 5_000

_TAG = re.compile(r"<[^>]{0,500}>")
# Links and @handles (Weibo retweet chains, tweets) say who, not what; an email's @ is kept.
_LINK = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"(?<![\w.])@[\w\u4e00-\u9fff-]{1,30}:?")
_SPACE = re.compile(r"\s+")
# Lone surrogates and other code points that cannot be encoded come from broken input.
_UNENCODABLE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def clean(text: object) -> str:
    """A string with markup, control characters, links, @handles and runs of space removed
    (never raises)."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    value = str(text)[: MAX_CHARS * 2]
    if "<" in value:
        value = _TAG.sub(" ", value)
    if "&" in value:
        value = html.unescape(value)
    value = _UNENCODABLE.sub("", value)
    if "http" in value or "www." in value:
        value = _LINK.sub(" ", value)
    if "@" in value:
        value = _HANDLE.sub(" ", value)
    return _SPACE.sub(" ", value).strip()[:MAX_CHARS]


def normalize(text: object) -> str:
    """`clean`, then NFKC (full-width letters and digits to half-width) and traditional to
    simplified Chinese, lower-cased: the form every model and keyword list works on."""
    value = unicodedata.normalize("NFKC", clean(text))
    simplified: str = _t2s().convert(value)  # OpenCC's convert is unannotated
    return simplified.lower()


# A letter's greeting and sign-off ("您好：… 谢谢！张女士", "Hi Anna, … Thanks, Ben") are
# courtesy, not what the message is: polite complaints taught the type head that thanks beside
# a request is a complaint, and an emailed suggestion signed off with 谢谢 became one.
_OPENING = re.compile(  # at the start or after a subject line
    r"^([^\n]{0,80}\n)?\s*(?:(?:尊敬的|亲爱的)[^，,：:！!。\n]{0,15}|您好|你好|(?:[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear)"
    r"(?:\s+(?:[A-Z][\w.'-]*|or|and|team))*)\s*[，,：:！!\n]\s*"
)
_CLOSING = re.compile(
    r"(?<=[，,。.！!？?\n])\s*(?:(?:谢谢|多谢|感谢|此致敬礼|祝好)[！!。.~～]*(?:[\s！!。.~～]+[^\s，,。！!？?]{1,8})?|"
    r"(?:[Tt]hanks|[Tt]hank you|[Mm]any thanks|[Bb]est regards|[Kk]ind regards|[Rr]egards|[Cc]heers|"
    r"[Ss]incerely)"
    r"[,.!]*(?:\s+[A-Z][\w.'-]*){0,3})\s*$"
)


def without_courtesy(text: object) -> str:
    """The message without a letter's greeting and sign-off; the whole message where nothing
    else is left (a plain "谢谢！" is what it says)."""
    value = str(text or "").strip()
    body = _CLOSING.sub("", _OPENING.sub(r"\1", value, count=1), count=1).strip().rstrip("，,")
    return body or value
