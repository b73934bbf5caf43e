"""Translations (Babel catalogs in web/translations) and locale negotiation."""

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DEFAULT_LOCALE = "en"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "web" / "translations"
LOCALE_NAMES = {"en": "English", "zh_CN": "简体中文"}


@lru_cache
def translations(locale: str) -> NullTranslations:
    """Compile the .po catalog in memory, so the source catalog is the only file kept in git."""
    po = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=locale)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def N_(message: str) -> str:
    """Mark a string for extraction (`make translations`); it is translated where it is shown."""
    return message


def gettext(message: str, locale: str) -> str:
    return translations(normalize(locale)).gettext(message)


def normalize(value: str | None) -> str:
    """Map 'zh', 'zh-CN', 'zh_Hans' and friends onto a supported locale; anything else to English."""
    if not value:
        return DEFAULT_LOCALE
    v = value.replace("-", "_").lower()
    if v.startswith("zh"):
        return "zh_CN"
    return "en" if v.startswith("en") else DEFAULT_LOCALE


def customer_locale(record_language: str | None, locale: str | None, org_default: str | None) -> str:
    """The language to write to a customer in: the language of what they wrote, else the
    locale they chose, else the organization's."""
    return normalize(record_language or locale or org_default)


def negotiate(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    if not accept_language:
        return default
    ranked = []
    for part in accept_language.split(","):
        lang, _, q = part.strip().partition(";q=")
        try:
            ranked.append((float(q) if q else 1.0, lang.strip()))
        except ValueError:
            continue
    for _, lang in sorted(ranked, key=lambda r: -r[0]):
        if lang and (lang.lower().startswith("zh") or lang.lower().startswith("en")):
            return normalize(lang)
    return default


def html_lang(locale: str) -> str:
    return "zh-CN" if locale == "zh_CN" else "en"
