"""Jinja environments for Voxloop's templates, pages and emails alike: one per folder and
locale, with Babel's translations, HTML escaped, and the formatters both kinds use."""

from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, select_autoescape

from voxloop.common import i18n
from voxloop.common.time import as_utc


def environment(folder: Path, locale: str) -> Environment:
    """The templates under `folder` in `locale` (normalized already)."""
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["when"] = partial(when, locale=locale)
    env.filters["pvalue"] = pvalue
    env.globals["locale"] = locale
    env.globals["html_lang"] = i18n.html_lang(locale)
    return env


def when(value: datetime | str | None, tz: str = "Asia/Shanghai", fmt: str = "medium", *, locale: str) -> str:
    """A moment in the organization's time zone (`value` a datetime or an ISO string)."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(as_utc(moment).astimezone(ZoneInfo(tz)), format=fmt, locale=locale)


def pvalue(p: float | None) -> str:
    """A p value as a reader takes it in: three decimals, "< 0.001" below that (never "0.000")."""
    if p is None:
        return "—"
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"
