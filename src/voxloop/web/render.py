"""Jinja2 environments, one per locale, with Babel's translations and formatters installed."""

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from jinja2 import Environment, pass_context

from voxloop.commitments.calendar import WEEKDAYS
from voxloop.common import i18n, templating
from voxloop.common.i18n import N_
from voxloop.common.time import as_utc
from voxloop.customers.erasure import ERASED
from voxloop.errors import reason_in
from voxloop.surveys.definition import DIMENSION_NAMES, dimension_name
from voxloop.surveys.quality import LABELS as QUALITY_FLAG_LABELS
from voxloop.text import safety

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATUS_LABELS = {
    "new": N_("New"),
    "triaged": N_("Triaged"),
    "assigned": N_("Assigned"),
    "reply": N_("Reply to the customer"),
    "customer_message": N_("Message from the customer"),
    "thanked": N_("Thanked"),
    "merged": N_("Merged into another case"),
    "merged_from": N_("A duplicate was merged in"),
    "follow_up_due": N_("Follow-up survey due"),
    "in_progress": N_("In progress"),
    "waiting_customer": N_("Waiting for customer"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
}
# Timeline event kinds (FeedbackEvent.kind), as the timeline shows them.
EVENT_LABELS = {
    "received": N_("Received"),
    "acknowledged": N_("Acknowledged"),
    "status_changed": N_("Status changed"),
    "reopened": N_("Reopened"),
    "note": N_("Internal note"),
    "triaged": N_("Classified automatically"),
    "corrected": N_("Classification corrected"),
    "assigned": N_("Assigned"),
    "reply": N_("Reply to the customer"),
    "customer_message": N_("Message from the customer"),
    "thanked": N_("Thanked"),
    "adopted": N_("Suggestion adopted"),
    "merged": N_("Merged into another case"),
    "merged_from": N_("A duplicate was merged in"),
    "follow_up_due": N_("Follow-up survey due"),
    "commitment_warning": N_("Deadline approaching"),
    "commitment_breached": N_("Commitment broken"),
    "escalated": N_("Escalated"),
    "remedy": N_("Service remedy"),
    "remedy_sent": N_("Remedy sent to the customer"),
    "remedy_unsent": N_("Remedy not emailed: the customer left no address"),
}
STEP_LABELS = {
    "response": N_("Response"),
    "first_response": N_("First response"),
    "next_response": N_("Next response"),
    "resolution": N_("Resolution"),
    "dispatch": N_("Dispatch"),
    "handling": N_("Handling"),
}
ROLE_LABELS = {
    "admin": N_("Administrator"), "manager": N_("Manager"), "agent": N_("Agent"),
    "handler": N_("Handler"), "analyst": N_("Analyst"), "viewer": N_("Viewer"),
}  # fmt: skip
# The languages a record is written in, and the actors that are not a person.
LANGUAGE_LABELS = {"zh": N_("Chinese"), "en": N_("English"), "mixed": N_("Chinese and English")}
ACTOR_LABELS = {"system": N_("Voxloop"), "public": N_("the customer"), "demo": N_("demo data")}
STEP_STATE_LABELS = {
    "pending": N_("pending"),
    "warned": N_("warned"),
    "met": N_("met"),
    "breached": N_("breached"),
    "late": N_("met late"),
    "void": N_("void"),
}
REMEDY_LABELS = {
    "apology": N_("Apology"),
    "voucher": N_("Voucher"),
    "compensation": N_("Compensation"),
    "callback": N_("Call-back"),
    "follow_up": N_("Follow-up"),
}
REMEDY_STATUS_LABELS = {
    "proposed": N_("Proposed"),
    "approved": N_("Approved"),
    "delivered": N_("Carried out"),
    "declined": N_("Declined"),
}
# Triage values (Feedback.type, .sentiment, .severity/.urgency, .flag), as pages show them.
TYPE_LABELS = {
    "praise": N_("Praise"),
    "complaint": N_("Complaint"),
    "suggestion": N_("Suggestion"),
    "inquiry": N_("Inquiry"),
    "other": N_("Other"),
}
SENTIMENT_LABELS = {
    "positive": N_("Positive"),
    "neutral": N_("Neutral"),
    "negative": N_("Negative"),
}
LEVEL_LABELS = {1: N_("Low"), 2: N_("Medium"), 3: N_("High")}
SCOPE_LABELS = {
    "individual": N_("One customer"),
    "several": N_("Several customers"),
    "widespread": N_("Widespread"),
}
SURVEY_STATUS_LABELS = {"draft": N_("Draft"), "live": N_("Live"), "closed": N_("Closed")}
# What the pages show where a customer's words were erased (stored as ERASED, one language).
ERASED_TEXT = N_("[erased at the customer's request]")
FLAG_LABELS = {
    "spam": N_("Spam"),
    "duplicate": N_("Duplicate"),
    "invalid": N_("Invalid"),
}
CHART_LABELS = {
    "value": N_("value"),
    "ci": N_("confidence interval"),
    "target": N_("Target"),
    "mean": N_("Mean"),
    "p": N_("Share"),
    "centre": N_("centre"),
    "ucl": N_("Upper control limit"),
    "lcl": N_("Lower control limit"),
    "start": N_("start"),
}
# The audit log's actions and the kinds of thing they act on.
AUDIT_ACTION_LABELS = {
    "create": N_("Added"),
    "update": N_("Changed"),
    "delete": N_("Deleted"),
    "revoke": N_("Revoked"),
    "merge": N_("Merged"),
    "import": N_("Imported"),
    "erase": N_("Erased"),
    "close": N_("Closed"),
}
AUDIT_ENTITY_LABELS = {
    "feedback": N_("Feedback"),
    "survey": N_("Survey"),
    "customer": N_("Customer"),
    "webhook": N_("Webhook"),
    "user": N_("User"),
    "triage_rule": N_("Triage rule"),
    "routing_rule": N_("Routing rule"),
    "initiative": N_("Improvement initiative"),
    "department": N_("Department"),
    "commitment": N_("Service commitment"),
    "category": N_("Category"),
    "calendar": N_("Working calendar"),
    "branch": N_("Branch"),
    "api_token": N_("API token"),
    "vocabulary": N_("Vocabulary"),
    "remedy": N_("Remedy"),
    "priority_matrix": N_("Priority matrix"),
    "organization": N_("Organization"),
    "message_template": N_("Message template"),
    "reply_template": N_("Reply template"),
    "channel": N_("Channel"),
}


def vocabulary_names(org_id: int) -> dict[tuple[str, str], tuple[str, str]]:
    from voxloop.triage import service as triage  # the web layer reads the domain's names

    return triage.vocabulary_names(org_id)


def _day(locale: str, value: datetime | None, tz: str = "Asia/Shanghai") -> str:
    """The date a moment falls on in the organization's time zone."""
    if value is None:
        return ""
    return format_date(as_utc(value).astimezone(ZoneInfo(tz)).date(), format="medium", locale=locale)


def _label(locale: str, labels: dict[Any, str], value: Any) -> str:
    if value is None or value == "":
        return ""
    found = labels.get(value)
    return i18n.gettext(found, locale) if found else str(value)


def _local_name(locale: str, entry: Any) -> str:
    """The name of an entry the organization keeps in both languages (a category, a
    department, a branch) in the page's language; its Chinese name where it has no other."""
    if entry is None:
        return ""
    return str(entry.name if locale == "zh_CN" else (entry.name_en or entry.name))


def _named(locale: str, ctx: Any, field: str, labels: dict[Any, str], value: Any) -> str:
    """The organization's own name for a vocabulary value, else the default, translated."""
    org = ctx.get("org") or ctx.get("form_org")
    own = vocabulary_names(org.id).get((field, str(value))) if org is not None else None
    if own:
        return str(own[0] if locale == "zh_CN" else (own[1] or own[0]))
    return _label(locale, labels, value)


LABELLED: dict[str, dict[Any, str]] = {
    # the template global that names a value by its label in the page's language
    "sentiment_label": SENTIMENT_LABELS,
    "level_label": LEVEL_LABELS,
    "flag_label": FLAG_LABELS,
    "audit_action_label": AUDIT_ACTION_LABELS,
    "audit_entity_label": AUDIT_ENTITY_LABELS,
    "survey_status_label": SURVEY_STATUS_LABELS,
    "quality_flag_label": QUALITY_FLAG_LABELS,
    "step_label": STEP_LABELS,
    "step_state_label": STEP_STATE_LABELS,
    "language_label": LANGUAGE_LABELS,
    "actor_label": ACTOR_LABELS,
    "role_label": ROLE_LABELS,
    "remedy_label": REMEDY_LABELS,
    "remedy_status_label": REMEDY_STATUS_LABELS,
}


@lru_cache
def environment(locale: str) -> Environment:
    env = templating.environment(TEMPLATES, locale)

    def status_label(status: str) -> str:
        return i18n.gettext(STATUS_LABELS.get(status, status), locale)

    def event_label(kind: str) -> str:
        return i18n.gettext(EVENT_LABELS.get(kind) or kind.replace("_", " ").capitalize(), locale)

    def said(text: Any) -> Any:
        """A customer's words as stored; once erased, the marker in the page's language."""
        return i18n.gettext(ERASED_TEXT, locale) if text == ERASED else text

    label = partial(_label, locale)
    local_name = partial(_local_name, locale)
    env.filters["day"] = partial(_day, locale)
    env.filters["said"] = said
    env.globals["reason_in_locale"] = lambda problem: reason_in(problem, locale)

    named = partial(_named, locale)
    env.globals["type_label"] = pass_context(lambda ctx, v: named(ctx, "type", TYPE_LABELS, v))
    env.globals["severity_label"] = pass_context(lambda ctx, v: named(ctx, "severity", LEVEL_LABELS, v))
    env.globals["urgency_label"] = pass_context(lambda ctx, v: named(ctx, "urgency", LEVEL_LABELS, v))
    env.globals["scope_label"] = pass_context(lambda ctx, v: named(ctx, "scope", SCOPE_LABELS, v))
    # The series names of the pages' charts (trends, volume, initiatives), for their legends.
    env.globals["chart_labels"] = {k: i18n.gettext(v, locale) for k, v in CHART_LABELS.items()}
    env.globals["dimension_label"] = lambda v: dimension_name(v, locale)
    env.globals["dimension_labels"] = {k: dimension_name(k, locale) for k in DIMENSION_NAMES}
    env.globals["priority_label"] = lambda v: f"P{v}" if v else ""
    env.globals["alarm_label"] = lambda v: safety.kind_label(v, locale) if v else ""
    env.globals["category_name"] = local_name
    env.globals["local_name"] = local_name
    days = get_day_names("abbreviated", locale=locale)  # 0 = Monday: "Mon", "周一"
    env.globals["weekday_label"] = lambda code: days[WEEKDAYS.index(code)] if code in WEEKDAYS else code
    for name, labels in LABELLED.items():
        env.globals[name] = partial(label, labels)
    env.globals["type_labels"] = TYPE_LABELS
    env.globals["sentiment_labels"] = SENTIMENT_LABELS
    env.globals["level_labels"] = LEVEL_LABELS
    env.globals["status_label"] = status_label
    env.globals["event_label"] = event_label
    env.globals["locale_names"] = i18n.LOCALE_NAMES
    env.globals["nav_current"] = nav_current
    return env


def render(name: str, locale: str, **context: Any) -> str:
    return environment(i18n.normalize(locale)).get_template(name).render(**context)


def render_blocks(name: str, locale: str, blocks: Sequence[str], **context: Any) -> str:
    """Only the named blocks of the page `name`, one after the other: the parts of the page an
    in-place update (htmx) swaps, drawn by the same template as the whole page."""
    template = environment(i18n.normalize(locale)).get_template(name)
    ctx = template.new_context(context)
    return "".join(chunk for block in blocks for chunk in template.blocks[block](ctx))


def nav_current(path: str, owner: str | None, href: str) -> bool:
    """Whether the navigation's link `href` leads to the page at `path` (the page's `owner` the
    inbox's filter): its own page or one below it (a survey's analysis is under Surveys); the
    inbox's own cases ("?owner=me") apart from the rest of the inbox, and a record opened from
    the inbox under the inbox."""
    target, _, query = href.partition("?")
    if target == "/inbox":
        record = path.startswith("/feedback/") and path != "/feedback/new"
        return (path == "/inbox" and (owner == "me") == (query == "owner=me")) or (record and not query)
    return path == target or path.startswith(target + "/")
