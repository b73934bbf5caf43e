"""The emails Voxloop writes (acknowledgements, replies, alerts, invitations, deadlines): their
templates in mail/templates, rendered in the reader's language. The tasks that send them
render here, not through the web layer."""

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from voxloop.common import i18n, templating

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache
def environment(locale: str) -> Environment:
    return templating.environment(TEMPLATES, locale)


def render(name: str, locale: str, **context: Any) -> str:
    """The email template `name` (e.g. "reply_subject.txt") in `locale`."""
    return environment(i18n.normalize(locale)).get_template(name).render(**context)
