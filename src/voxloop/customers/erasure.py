"""Erasure finds every copy of a customer's name, email and phone, wherever a feature wrote
one down: audit entries, timeline events, outbox and webhook payloads, intake logs, survey
invitations and responses, and any table added later.

Every text and JSON column of every tenant table is searched for the customer's email and
phone, and for their name where it tells them apart: two Han characters or more, five letters
or more in other scripts (matched as whole words: "Anna" is not in "Annabel"), carried by no
other customer nor member of staff of the organization. So "王芳 called back" in another
guest's record or a note loses the name. A name shorter or shared is searched only in rows
linked to the customer (their own audit entries, rows of their feedback and of their survey
invitations), where it can only be theirs. Each occurrence becomes "[erased]".
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, ColumnElement, String, Table, Text, and_, cast, false, func, or_, select, update
from sqlalchemy.orm import Session

from voxloop.accounts.models import User
from voxloop.audit.models import AuditEntry
from voxloop.customers.models import Customer
from voxloop.db import Base
from voxloop.webhooks.models import WebhookDelivery

ERASED = "[erased]"
# Kept elsewhere or by design: the directory row itself (cleared by erase), staff accounts
# (a member of staff with the same address is another matter), opt-outs (keyed hashes).
NOT_COPIES = {"customers", "users", "survey_optouts"}
SHORTEST = 5  # an email or phone shorter than this would match what is not theirs


@dataclass(frozen=True)
class Traces:
    """What identifies a customer in copies: `distinct` (emails, phones) and `own_names` (the
    names that are theirs alone) are searched for in the whole organization, `names` only in
    rows linked to them."""

    distinct: frozenset[str]
    names: frozenset[str]
    own_names: frozenset[str] = frozenset()

    @property
    def every(self) -> frozenset[str]:
        return self.distinct | self.names

    @property
    def anywhere(self) -> frozenset[str]:
        return self.distinct | self.own_names


def _long_enough(name: str) -> bool:
    """A name that, in a row about someone else, is most likely this person's: two Han
    characters ("王芳"), or five letters in other scripts ("Li Na", not "Bob")."""
    return sum("\u4e00" <= ch <= "\u9fff" for ch in name) >= 2 or len(name) >= SHORTEST


def traces(*, db: Session, customer: Customer) -> Traces:
    """The customer's name, email and phone, now and as the audit log says they were before."""
    names: set[Any] = {customer.name}
    distinct: set[Any] = {customer.email, customer.phone}
    entries = db.scalars(
        select(AuditEntry).where(
            AuditEntry.org_id == customer.org_id,
            AuditEntry.entity == "customer",
            AuditEntry.entity_id == customer.id,
        )
    )
    for entry in entries:
        for values in (entry.before or {}, entry.after or {}):
            names.add(values.get("name"))
            distinct |= {values.get("email"), values.get("phone")}

    def clean(values: set[Any], shortest: int) -> frozenset[str]:
        return frozenset(v.strip() for v in values if isinstance(v, str) and len(v.strip()) >= shortest)

    named = clean(names, 1)
    candidates = [n for n in named if _long_enough(n)]
    shared = set(
        db.scalars(
            select(func.lower(Customer.name)).where(
                Customer.org_id == customer.org_id,
                Customer.id != customer.id,
                func.lower(Customer.name).in_([n.lower() for n in candidates]),
            )
        )
    ) | set(
        db.scalars(
            select(func.lower(User.name)).where(
                User.org_id == customer.org_id, func.lower(User.name).in_([n.lower() for n in candidates])
            )
        )
    )
    own = frozenset(n for n in candidates if n.lower() not in shared)
    return Traces(distinct=clean(distinct, SHORTEST), names=named, own_names=own)


def scrub(value: Any, pattern: re.Pattern[str], by: str = ERASED) -> Any:
    """`value` with every match of `pattern` in its strings (inside lists and dicts too)
    replaced `by` "[erased]" (or another mark)."""
    if isinstance(value, str):
        return pattern.sub(by, value)
    if isinstance(value, list):
        return [scrub(v, pattern, by) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, pattern, by) for k, v in value.items()}
    return value


def pattern_of(needles: Iterable[str]) -> re.Pattern[str] | None:
    """Any of `needles`, in any case; None for none."""
    return _pattern(needles)


def _pattern(needles: Iterable[str], names: Iterable[str] = ()) -> re.Pattern[str] | None:
    """Any of `needles`, and of `names` as whole words where they begin or end with a Latin
    letter or digit; None for none."""
    words = set(names)
    ordered = sorted(set(needles) | words, key=len, reverse=True)  # the longest first: "a@b.c" before "a"

    def one(needle: str) -> str:
        text = re.escape(needle)
        if needle not in words:
            return text
        before = r"(?<![A-Za-z0-9])" if needle[0].isascii() and needle[0].isalnum() else ""
        after = r"(?![A-Za-z0-9])" if needle[-1].isascii() and needle[-1].isalnum() else ""
        return before + text + after

    return re.compile("|".join(map(one, ordered)), re.IGNORECASE) if ordered else None


def _forms(needles: Iterable[str]) -> set[str]:
    """How the needles read in a column's text: as they are, and JSON-escaped (non-ASCII as \\uXXXX)."""
    return {form.lower() for n in needles for form in (n, json.dumps(n)[1:-1])}


def _holds(table: Table, forms: set[str]) -> ColumnElement[bool]:
    checks = []
    for column in _text_columns(table):
        as_text = cast(column, Text) if isinstance(column.type, JSON) else column
        checks += [func.lower(as_text).contains(form, autoescape=True) for form in forms]
    return or_(*checks) if checks else false()


def _text_columns(table: Table) -> list[Any]:
    return [c for c in table.columns if isinstance(c.type, String | JSON) and not c.primary_key]


@dataclass(frozen=True)
class Links:
    """The customer's rows, by id: copies in rows about them may carry their name too."""

    customer_id: int
    feedback_ids: list[int]
    invitation_ids: list[int]
    response_ids: list[int]


# webhook event -> the key of its data that holds a feedback record's id
FEEDBACK_EVENTS = {
    "feedback.created": "id",
    "case.status_changed": "id",
    "commitment.breached": "feedback_id",
}


def _linked(table: Table, links: Links) -> ColumnElement[bool]:
    """Rows about the customer: theirs, of their feedback, invitations and responses."""
    found: list[ColumnElement[bool]] = []
    c = table.c
    own = {"feedback": links.feedback_ids, "survey_invitations": links.invitation_ids,
           "survey_responses": links.response_ids}.get(table.name, [])  # fmt: skip
    columns = {"customer_id": [links.customer_id], "feedback_id": links.feedback_ids,
               "invitation_id": links.invitation_ids, "id": own}  # fmt: skip
    for column, ids in columns.items():
        if column in c and ids:
            found.append(c[column].in_(ids))
    if table.name == AuditEntry.__tablename__:
        found.append(and_(c.entity == "customer", c.entity_id == links.customer_id))
        found.append(and_(c.entity == "feedback", c.entity_id.in_(links.feedback_ids)))
    if table.name == WebhookDelivery.__tablename__:
        data = c.payload["data"]
        for event, key in FEEDBACK_EVENTS.items():
            found.append(and_(c.event == event, data[key].as_integer().in_(links.feedback_ids)))
        found.append(
            and_(c.event == "survey.response_created", data["id"].as_integer().in_(links.response_ids))
        )
    return or_(*found) if found else false()


def erase_copies(*, db: Session, org_id: int, found: Traces, links: Links) -> int:
    """Replace every copy of the customer's traces in the organization's tables; the number of
    rows changed. The caller commits."""
    everywhere = _pattern(found.distinct, found.own_names)
    linked_only = _pattern(found.distinct, found.names)
    if linked_only is None:
        return 0
    changed = 0
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_COPIES or "org_id" not in table.c or not _text_columns(table):
            continue
        linked = _linked(table, links)
        holding = _holds(table, _forms(found.anywhere)) if everywhere is not None else false()
        rows = db.execute(
            select(table, linked.label("_linked")).where(table.c.org_id == org_id, or_(linked, holding))
        ).mappings()
        for row in list(rows):
            pattern = linked_only if row["_linked"] else everywhere
            assert pattern is not None  # noqa: S101  a row holding no link matched `holding`, so everywhere is set
            values = {}
            for column in _text_columns(table):
                before = row[column.name]
                after = scrub(before, pattern)
                if after != before:
                    length = getattr(column.type, "length", None)
                    values[column.name] = after[:length] if isinstance(after, str) and length else after
            if values:
                key = [c == row[c.name] for c in table.primary_key.columns]
                db.execute(update(table).where(*key).values(values))
                changed += 1
    return changed
