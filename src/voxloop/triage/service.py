"""Queries and writes for the taxonomy, triage rules, automatic triage and corrections."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.orm import Session

from voxloop.accounts.models import Department, Role, User
from voxloop.audit import service as audit
from voxloop.audit.service import Actor
from voxloop.common import cache
from voxloop.common.time import as_utc, utcnow
from voxloop.config import get_settings
from voxloop.db import on_commit, session_scope
from voxloop.errors import Conflict, InvalidInput, NotFound, invalid
from voxloop.feedback import service as feedback
from voxloop.feedback.models import Feedback
from voxloop.jobs import service as jobs
from voxloop.privacy import service as privacy
from voxloop.text import analysis, encoder, safety, spam
from voxloop.text import service as text_service
from voxloop.text.categories import CategoryModel
from voxloop.text.language import language_of
from voxloop.themes.models import Alert
from voxloop.triage import rules
from voxloop.triage.models import Category, PriorityMatrix, TriageLabel, TriageRule, VocabularyName
from voxloop.webhooks import service as webhooks

DUPLICATE_WINDOW = timedelta(hours=24)
DUPLICATE_SIMILARITY = 0.8


def seed_defaults(*, db: Session, org_id: int) -> None:
    for code, (zh, en) in rules.DEFAULT_CATEGORIES.items():
        db.add(Category(org_id=org_id, code=code, name=zh, name_en=en))
    for i, (name, match, sets) in enumerate(rules.DEFAULT_RULES):
        db.add(TriageRule(org_id=org_id, position=i, name=name, match=match, sets=sets))


def list_categories(*, db: Session, org_id: int) -> list[Category]:
    return list(db.scalars(select(Category).where(Category.org_id == org_id).order_by(Category.id)))


CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def create_category(
    *, db: Session, org_id: int, actor: Actor, code: str, name: str, name_en: str = ""
) -> Category:
    if not CATEGORY_CODE.match(code):
        raise invalid("code", "use 2-40 lower-case letters, digits and underscores, starting with a letter")
    if not name.strip():
        raise invalid("name", "is required")
    if db.scalar(select(Category.id).where(Category.org_id == org_id, Category.code == code)):
        raise Conflict(
            "A category with this code exists already.", fields=[{"field": "code", "reason": "taken"}]
        )
    category = Category(org_id=org_id, code=code, name=name.strip(), name_en=name_en.strip())
    db.add(category)
    db.flush()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="create",
        entity="category",
        entity_id=category.id,
        after={"code": code, "name": category.name, "name_en": category.name_en},
    )
    return category


def update_category(
    *, db: Session, org_id: int, actor: Actor, code: str, changes: dict[str, Any]
) -> Category:
    """Rename a category or retire it (is_active false: records keep it, triage and
    corrections stop offering it)."""
    category = db.scalar(select(Category).where(Category.org_id == org_id, Category.code == code))
    if category is None:
        raise NotFound()
    if "name" in changes and not str(changes["name"]).strip():
        raise invalid("name", "is required")
    before = {k: getattr(category, k) for k in changes}
    for key, value in changes.items():
        setattr(category, key, value.strip() if isinstance(value, str) else value)
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="category",
        entity_id=category.id,
        before=before,
        after=changes,
    )
    return category


def list_rules(*, db: Session, org_id: int, active_only: bool = False) -> list[TriageRule]:
    stmt = select(TriageRule).where(TriageRule.org_id == org_id)
    if active_only:
        stmt = stmt.where(TriageRule.is_active.is_(True))
    return list(db.scalars(stmt.order_by(TriageRule.position, TriageRule.id)))


def _as_rules(rows: list[TriageRule]) -> list[rules.Rule]:
    return [rules.Rule(name=r.name, match=r.match, sets=r.sets, id=r.id) for r in rows]


def create_rule(
    *,
    db: Session,
    org_id: int,
    actor: Actor,
    name: str,
    match: dict[str, Any],
    sets: dict[str, Any],
    position: int | None = None,
) -> TriageRule:
    codes = [c.code for c in list_categories(db=db, org_id=org_id)]
    errors = rules.check_rule(match, sets, codes)
    if not name.strip():
        errors.insert(0, {"field": "name", "reason": "is required"})
    if errors:
        raise InvalidInput(fields=errors)
    if position is None:
        existing = list_rules(db=db, org_id=org_id)
        position = (existing[-1].position + 1) if existing else 0
    rule = TriageRule(org_id=org_id, position=position, name=name.strip(), match=match, sets=sets)
    db.add(rule)
    db.flush()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="create",
        entity="triage_rule",
        entity_id=rule.id,
        after={"name": rule.name, "position": position, "match": match, "sets": sets},
    )
    return rule


def delete_rule(*, db: Session, org_id: int, actor: Actor, rule_id: int) -> None:
    rule = db.scalar(select(TriageRule).where(TriageRule.org_id == org_id, TriageRule.id == rule_id))
    if rule is None:
        raise NotFound()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="delete",
        entity="triage_rule",
        entity_id=rule.id,
        before={"name": rule.name, "match": rule.match, "sets": rule.sets},
    )
    db.delete(rule)


def vocabulary(*, db: Session, org_id: int) -> dict[str, list[dict[str, Any]]]:
    """Each fixed vocabulary with the organization's names (or the defaults)."""
    own = vocabulary_names(org_id)
    return {
        field: [
            {
                "value": value,
                "name": own.get((field, str(value)), names)[0],
                "name_en": own.get((field, str(value)), names)[1],
            }
            for value, names in values.items()
        ]
        for field, values in rules.VOCABULARIES.items()
    }


def vocabulary_names(org_id: int) -> dict[tuple[str, str], tuple[str, str]]:
    """(field, value) -> (name, name_en) for the values an organization renamed; cached."""

    def load() -> dict[tuple[str, str], tuple[str, str]]:
        with session_scope(readonly=True) as db:
            rows = db.scalars(select(VocabularyName).where(VocabularyName.org_id == org_id))
            return {(r.field, r.value): (r.name, r.name_en) for r in rows}

    return cache.vocabulary.get_or_load(org_id, load)


def rename(
    *, db: Session, org_id: int, actor: Actor, field: str, value: str, name: str, name_en: str
) -> None:
    values = {str(v): v for v in rules.VOCABULARIES.get(field, {})}
    if field not in rules.VOCABULARIES:
        raise invalid("field", f"must be one of {', '.join(rules.VOCABULARIES)}")
    if value not in values:
        raise invalid("value", f"must be one of {', '.join(values)}")
    if not name.strip():
        raise invalid("name", "is required")
    row = db.scalar(
        select(VocabularyName).where(
            VocabularyName.org_id == org_id, VocabularyName.field == field, VocabularyName.value == value
        )
    )
    before = rules.VOCABULARIES[field][values[value]] if row is None else (row.name, row.name_en)
    if row is None:
        db.add(
            VocabularyName(
                org_id=org_id, field=field, value=value, name=name.strip(), name_en=name_en.strip()
            )
        )
    else:
        row.name, row.name_en = name.strip(), name_en.strip()
    on_commit(db, cache.vocabulary.clear)
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="vocabulary",
        entity_id=None,
        before={"field": field, "value": value, "name": before[0], "name_en": before[1]},
        after={"field": field, "value": value, "name": name.strip(), "name_en": name_en.strip()},
    )


def matrix(*, db: Session, org_id: int) -> dict[str, int]:
    row = db.scalar(select(PriorityMatrix).where(PriorityMatrix.org_id == org_id))
    return dict(row.cells) if row else dict(rules.DEFAULT_MATRIX)


def set_matrix(*, db: Session, org_id: int, actor: Actor, cells: dict[str, Any]) -> dict[str, int]:
    """A new matrix applies to records triaged from now on (and to corrections)."""
    errors = rules.check_matrix(cells)
    if errors:
        raise InvalidInput(fields=errors)
    before = matrix(db=db, org_id=org_id)
    row = db.scalar(select(PriorityMatrix).where(PriorityMatrix.org_id == org_id))
    if row is None:
        db.add(PriorityMatrix(org_id=org_id, cells=cells))
    else:
        row.cells, row.updated_at = cells, utcnow()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="priority_matrix",
        entity_id=None,
        before=before,
        after=cells,
    )
    return cells


def test_rules(
    *, db: Session, org_id: int, text: str, channel: str = "", touchpoint: str = ""
) -> rules.Result:
    """What triage would say about a sample text — the rules, the safety check and the models
    together — with the reason for each field, and what the models alone said (`guess`)."""
    s = setup(db=db, org_id=org_id)
    guess = guesses([text], s)[0]
    decided = decide(
        s, guess, description=text, customer_request=None, channel=channel, touchpoint=touchpoint,
        language=language_of(text),
    )  # fmt: skip
    values = {k: v for k, v in decided.fields().items() if v is not None}
    if decided.flag:
        values["flag"] = f"{decided.flag}: {decided.flag_reason}"
    model = {k: guess[k] for k in ("type", "sentiment", "category", "alarm") if guess[k] is not None}
    return rules.Result(values=values, because=decided.because, priority=decided.priority, guess=model)


@dataclass(frozen=True)
class Setup:
    """What triage needs of an organization: its active rules, its priority matrix, its
    category model (None until trained) and its active categories."""

    rules: list[rules.Rule]
    matrix: dict[str, int]
    model: CategoryModel | None
    active: frozenset[str]
    redact: bool  # personal data is redacted from stored text


def setup(*, db: Session, org_id: int) -> Setup:
    return Setup(
        rules=_as_rules(list_rules(db=db, org_id=org_id, active_only=True)),
        matrix=matrix(db=db, org_id=org_id),
        model=text_service.category_model(db=db, org_id=org_id),
        active=frozenset(c.code for c in list_categories(db=db, org_id=org_id) if c.is_active),
        redact=privacy.redacts(db=db, org_id=org_id),
    )


# A praise is thanked by email only when the sentiment model is this sure it is positive
# (P(positive) − P(negative)); a polite complaint or a sarcastic "great" is not thanked.
THANK_SCORE = 0.5


def guesses(texts: list[str], s: Setup, processes: int = 1, *, meaning: bool = True) -> list[dict[str, Any]]:
    """The text models' type, sentiment, confidence, (when sure, and still an active category)
    category, whether each text needs someone now, and whether it is spam or nonsense (a
    ('spam' | 'invalid', reason) flag). `meaning`: the type, the safety and the spam checks
    read the sentence encoder too (live feedback; bulk history goes without)."""
    out = []
    with encoder.remembered():  # each text embedded once for all three
        found = safety.alarms(texts, learned=meaning)
        flags = spam.checks(texts, analysis.known_word, learned=meaning)
        guessed = analysis.guess(texts, categories=s.model, processes=processes, meaning=meaning)
    for r, alarm, flag in zip(guessed, found, flags, strict=True):
        sure = s.model is not None and r.category in s.active and s.model.sure(r.category_confidence or 0.0)
        out.append(
            {
                "type": r.feedback_type,
                "sentiment": r.sentiment,
                "category": r.category if sure else None,
                # a complaint is of medium severity until a rule or a person says otherwise
                "severity": 2 if r.feedback_type == "complaint" else None,
                "score": r.sentiment_score,
                "alarm": alarm.kind if alarm else None,
                "alarm_reason": alarm.reason if alarm else None,
                "flag": flag,
                "unsure": _unsure(r, s, sure),
            }
        )
    return out


# Below this blended probability of the learned type head, the type is left for a person to
# confirm (the record shows under "Needs review").
REVIEW_BELOW = 0.6


def _unsure(r: analysis.Guess, s: Setup, sure_category: bool) -> dict[str, float]:
    """The fields the models guessed without enough confidence, with that confidence."""
    unsure = {}
    if r.type_confidence is not None and r.type_confidence < REVIEW_BELOW:
        unsure["type"] = r.type_confidence
    if s.model is not None and r.category is not None and not sure_category:
        unsure["category"] = r.category_confidence or 0.0
    return unsure


@dataclass(frozen=True)
class TriageDecision:
    """What triage decides of a text (`decide`): each field, the priority, what waits for a
    person, a spam, invalid or duplicate flag, the rule behind each field, and whether the
    customer is thanked."""

    type: str | None
    category: str | None
    sentiment: str | None
    severity: int | None
    urgency: int | None
    scope: str | None
    alarm: str | None
    review: str | None
    review_confidence: float | None
    priority: int
    flag: str | None
    flag_reason: str | None
    because: dict[str, str]
    thank: bool

    def fields(self) -> dict[str, Any]:
        """The classified fields (`rules.FIELDS`) by name."""
        return {key: getattr(self, key) for key in rules.FIELDS}

    def columns(self) -> dict[str, Any]:
        """The record's triage columns, for a record written already triaged (imports)."""
        return {
            **{key: getattr(self, key) for key in _WRITTEN if key != "because"},
            "triage_reasons": self.because,
            "triaged_at": utcnow(),
            "status": "triaged",
        }


def decide(
    s: Setup,
    guess: dict[str, Any],
    *,
    description: str,
    customer_request: str | None,
    channel: str,
    touchpoint: str | None,
    language: str,
) -> TriageDecision:
    """A record's triage from the rules and the models' guess (pure): each field, the priority,
    a spam or invalid flag, and the rule behind each field. Near-duplicates are flagged by
    `plan_triage`, which can see the customer's earlier records."""
    subject = rules.Subject(
        text=f"{description}\n{customer_request or ''}",
        channel=channel,
        touchpoint=touchpoint or "",
        language=language,
    )
    fields = {k: v for k, v in guess.items() if k in rules.FIELDS}
    reason = guess.get("alarm_reason") or ""
    found = safety.alarm(customer_request) if customer_request and not fields.get("alarm") else None
    if found:  # what the customer asks for can say it too (the description was read by `guesses`)
        fields["alarm"], reason = found.kind, found.reason
    reasons = {"alarm": reason} if fields.get("alarm") else {}
    result = rules.classify(s.rules, subject, s.matrix, fields, text_service.MODEL_REASON, reasons)
    flagged = None if result.values.get("alarm") else guess.get("flag")
    values = {key: result.values.get(key) for key in rules.FIELDS}
    # what a rule set is the organization's word, and a message that needs someone now is
    # handled at once whatever its type: only the models' own guesses otherwise need a person
    unsure = {
        f: confidence
        for f, confidence in guess.get("unsure", {}).items()
        if result.because.get(f, text_service.MODEL_REASON) == text_service.MODEL_REASON
        and not (f == "type" and values["alarm"])
    }
    return TriageDecision(
        **values,
        review=",".join(unsure) or None,
        review_confidence=round(min(unsure.values()), 4) if unsure else None,
        priority=result.priority,
        flag=flagged[0] if flagged else None,
        flag_reason=flagged[1] if flagged else None,
        because=result.because,
        thank=_thanked(values, result.because, guess.get("score", 0.0), unsure),
    )


def _thanked(values: dict[str, Any], because: dict[str, str], score: float, unsure: dict[str, float]) -> bool:
    """A suggestion is thanked; a praise when a rule says so, or the model is sure and the
    sentiment positive; nothing that needs someone now, nor whose type waits for a person."""
    if values.get("alarm") or "type" in unsure:
        return False
    if values["type"] == "suggestion":
        return True
    if values["type"] != "praise" or values["sentiment"] != "positive":
        return False
    return because.get("type") != text_service.MODEL_REASON or score >= THANK_SCORE


@dataclass(frozen=True)
class RecordTriage:
    """A record's triage, planned: the decision, and what routing, the clocks, the webhook
    and the alarms need of the record next."""

    fid: int
    org_id: int
    description: str
    channel: str
    received_at: datetime
    status: str
    customer_id: int | None
    decision: TriageDecision


@dataclass(frozen=True)
class Received:
    """What triage reads of a record just received."""

    id: int
    org_id: int
    description: str
    customer_request: str | None
    channel: str
    touchpoint: str | None
    language: str
    customer_id: int | None
    received_at: datetime
    status: str

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> "Received":
        return cls(**{f.name: values[f.name] for f in fields(cls)})


def plan_triage(*, db: Session, feedback_ids: Sequence[int]) -> list[RecordTriage]:
    """Classify the records not yet triaged, without writing: reads and pure computation only,
    so it can run outside the write lock. One entry per record, for `apply_triage`."""
    t = Feedback.__table__.c
    rows = db.execute(
        select(*(t[f.name] for f in fields(Received)))
        .where(t.id.in_(feedback_ids), t.triaged_at.is_(None))
        .order_by(t.id)
    ).all()
    return plan_received(db=db, received=[Received(*row) for row in rows])


def plan_received(
    *, db: Session, received: Sequence[Received], decided: Mapping[int, TriageDecision] | None = None
) -> list[RecordTriage]:
    """Each record's triage, classified here or `decided` already (an import's, before it was
    written), with a customer's near-duplicates flagged; reads only."""
    decided = decided or {}
    plan = []
    for org_id in sorted({r.org_id for r in received}):
        mine = [r for r in received if r.org_id == org_id]
        fresh = _classified(db, org_id, [r for r in mine if r.id not in decided])
        for r in mine:
            decision = decided.get(r.id) or fresh[r.id]
            if decision.flag is None:
                flagged = _duplicate_of(
                    db, org_id=org_id, feedback_id=r.id, customer_id=r.customer_id,
                    received_at=r.received_at, description=r.description,
                )  # fmt: skip
                decision = replace(decision, flag=flagged[0], flag_reason=flagged[1]) if flagged else decision
            record = RecordTriage(
                fid=r.id, org_id=r.org_id, description=r.description, channel=r.channel,
                received_at=r.received_at, status=r.status, customer_id=r.customer_id, decision=decision,
            )  # fmt: skip
            plan.append(record)
    return sorted(plan, key=lambda p: p.fid)


def _classified(db: Session, org_id: int, rows: Sequence[Received]) -> dict[int, TriageDecision]:
    """The decisions of one organization's records, by id: its text models and its rules."""
    if not rows:
        return {}
    s = setup(db=db, org_id=org_id)
    settings = get_settings()
    found = guesses(
        [row.description for row in rows],
        s,
        settings.analysis_processes,
        meaning=len(rows) <= settings.triage_meaning_max,
    )
    return {
        row.id: decide(
            s,
            guess,
            description=row.description,
            customer_request=row.customer_request,
            channel=row.channel,
            touchpoint=row.touchpoint,
            language=row.language,
        )
        for row, guess in zip(rows, found, strict=True)
    }


def unclaimed(*, db: Session, plan: list[RecordTriage]) -> list[RecordTriage]:
    """The part of a plan whose records are still untriaged, locked for this transaction: a
    message run twice at once (a worker's lease ran out while it still worked) triages, routes,
    announces and alarms each record once. PostgreSQL re-checks a locked row after the other
    writer commits; SQLite's writers are serialized already."""
    if not plan:
        return []
    t = Feedback.__table__.c
    still = set(
        db.scalars(
            select(t.id).where(t.id.in_([p.fid for p in plan]), t.triaged_at.is_(None)).with_for_update()
        )
    )
    return [p for p in plan if p.fid in still]


def apply_triage(*, db: Session, plan: list[RecordTriage]) -> int:
    """Write a plan with one bulk statement; the caller commits. A record triaged or corrected
    meanwhile is left alone, so running a message twice changes nothing. (The timeline shows
    the triage from the record itself.)"""
    if not plan:
        return 0
    table = Feedback.__table__
    db.execute(
        update(table)
        .where(table.c.id == bindparam("fid"), table.c.triaged_at.is_(None))
        .values(
            type=bindparam("type"),
            category=bindparam("category"),
            sentiment=bindparam("sentiment"),
            severity=bindparam("severity"),
            urgency=bindparam("urgency"),
            scope=bindparam("scope"),
            alarm=bindparam("alarm"),
            review=bindparam("review"),
            review_confidence=bindparam("review_confidence"),
            priority=bindparam("priority"),
            flag=bindparam("flag"),
            flag_reason=bindparam("flag_reason"),
            triage_reasons=bindparam("because"),
            triaged_at=utcnow(),
            status=case((table.c.status == "new", "triaged"), else_=table.c.status),
        ),
        [{"fid": p.fid, **{key: getattr(p.decision, key) for key in _WRITTEN}} for p in plan],
    )
    return len(plan)


# a decision's columns, by the names of `apply_triage`'s parameters
_WRITTEN = (*rules.FIELDS, "review", "review_confidence", "priority", "flag", "flag_reason", "because")


def apply_flags(*, db: Session, plan: list[RecordTriage]) -> None:
    """Write the flags of records written already triaged (imports), in one bulk statement."""
    if not plan:
        return
    table = Feedback.__table__
    db.execute(
        update(table)
        .where(table.c.id == bindparam("fid"))
        .values(flag=bindparam("flag"), flag_reason=bindparam("flag_reason")),
        [{"fid": p.fid, "flag": p.decision.flag, "flag_reason": p.decision.flag_reason} for p in plan],
    )


def announce(*, db: Session, plan: list[RecordTriage]) -> None:
    """A `feedback.created` webhook event for the records just triaged, per organization that
    subscribes to it (flagged records are not announced)."""
    for org_id in {p.org_id for p in plan}:
        if webhooks.subscribed(db=db, org_id=org_id, event="feedback.created"):
            webhooks.emit(
                db=db, org_id=org_id, event="feedback.created", data=_created_events(db, plan, org_id)
            )


SAFETY = "triage.safety_alert"


def raise_alarms(*, db: Session, plan: list[RecordTriage]) -> None:
    """For each record that needs someone now: an alert on the alerts page, an email to the
    on-duty managers (through the outbox) and an `alert.raised` webhook event; in the
    transaction that writes the triage."""
    for p in plan:
        if not p.decision.alarm:
            continue
        detail = {
            "feedback_id": p.fid,
            "kind": p.decision.alarm,
            "evidence": p.decision.because.get("alarm", ""),
        }
        alert = Alert(
            org_id=p.org_id,
            kind="safety",
            title=" ".join(p.description.split())[:280],
            detail=detail,
            created_at=utcnow(),
        )
        db.add(alert)
        db.flush()
        jobs.enqueue(db=db, org_id=p.org_id, task=SAFETY, payload={"alert_id": alert.id})
        webhooks.emit(
            db=db,
            org_id=p.org_id,
            event="alert.raised",
            data=[{"id": alert.id, "kind": alert.kind, "title": alert.title, **detail}],
        )


def on_duty(*, db: Session, record: Feedback) -> list[User]:
    """Who hears of a safety alarm: the active managers and admins, and the head of the
    record's department."""
    people = list(
        db.scalars(
            select(User).where(
                User.org_id == record.org_id,
                User.role.in_([Role.manager, Role.admin]),
                User.is_active.is_(True),
            )
        )
    )
    dept = db.get(Department, record.department_id) if record.department_id else None
    head = db.get(User, dept.head_id) if dept and dept.head_id else None
    if head is not None and head.is_active and head not in people:
        people.append(head)
    return people


def _created_events(db: Session, plan: list[RecordTriage], org_id: int) -> list[dict[str, Any]]:
    """What a `feedback.created` webhook says: the record as triaged."""
    ids = [p.fid for p in plan if p.org_id == org_id and not p.decision.flag]
    if not ids:
        return []
    records = db.scalars(select(Feedback).where(Feedback.id.in_(ids)).order_by(Feedback.id))
    return [
        {
            "id": r.id,
            "tracking_code": r.tracking_code,
            "channel": r.channel,
            "received_at": r.received_at.isoformat(),
            "language": r.language,
            "type": r.type,
            "category": r.category,
            "sentiment": r.sentiment,
            "priority": r.priority,
            "branch": r.branch,
            "product": r.product,
            "touchpoint": r.touchpoint,
        }  # fmt: skip
        for r in records
    ]


def _duplicate_of(
    db: Session,
    *,
    org_id: int,
    feedback_id: int,
    customer_id: int | None,
    received_at: datetime,
    description: str,
) -> tuple[str, str] | None:
    """('duplicate', reason) when the same customer sent a very similar text shortly before."""
    if customer_id is None:
        return None
    received = as_utc(received_at)
    earlier = db.execute(
        select(Feedback.id, Feedback.description)
        .where(
            Feedback.org_id == org_id,
            Feedback.customer_id == customer_id,
            Feedback.id != feedback_id,
            Feedback.received_at >= received - DUPLICATE_WINDOW,
            Feedback.received_at <= received,
        )
        .order_by(Feedback.received_at.desc())
        .limit(20)
    ).all()
    for other_id, text in earlier:
        score = rules.similarity(description, text)
        if score >= DUPLICATE_SIMILARITY:
            return "duplicate", f"same customer, {score:.0%} similar to #{other_id} within 24 hours"
    return None


CORRECTABLE = ("type", "category", "sentiment", "severity", "urgency", "scope")


def correct(*, db: Session, org_id: int, actor: Actor, feedback_id: int, changes: dict[str, Any]) -> Feedback:
    """Apply an agent's corrections; each changed field is kept as a training label."""
    record = feedback.get(db=db, org_id=org_id, feedback_id=feedback_id)
    if record is None:
        raise NotFound()
    allowed: dict[str, tuple[Any, ...]] = {
        "type": rules.TYPES,
        "sentiment": rules.SENTIMENTS,
        "severity": rules.LEVELS,
        "urgency": rules.LEVELS,
        "scope": rules.SCOPES,
        "category": tuple(c.code for c in list_categories(db=db, org_id=org_id) if c.is_active),
    }
    for key, value in changes.items():
        if key not in CORRECTABLE:
            raise invalid(key, "cannot be corrected")
        if value not in allowed[key]:
            raise invalid(key, f"must be one of {', '.join(map(str, allowed[key]))}")
    before = {k: getattr(record, k) for k in changes}
    changed = {k: v for k, v in changes.items() if before[k] != v}
    if record.review:  # a person has now said what these fields are, changed or confirmed
        left = [f for f in record.review.split(",") if f not in changes]
        record.review = ",".join(left) or None
        if record.review is None:
            record.review_confidence = None
    for key, value in changed.items():
        db.add(
            TriageLabel(
                org_id=org_id,
                feedback_id=record.id,
                field=key,
                previous=_str(before[key]),
                value=_str(value),
                text=record.description,
                by=actor.label,
            )
        )
        setattr(record, key, value)
    if changed:
        record.priority = rules.priority(record.severity, record.urgency, matrix(db=db, org_id=org_id))
        feedback.add_event(
            db=db,
            org_id=org_id,
            feedback_id=record.id,
            kind="corrected",
            actor=actor,
            data={"before": {k: before[k] for k in changed}, "after": changed},
        )
        audit.record(
            db=db,
            org_id=org_id,
            actor=actor,
            action="update",
            entity="feedback",
            entity_id=record.id,
            before={k: before[k] for k in changed},
            after=changed,
        )
    return record


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def labels(*, db: Session, org_id: int) -> list[TriageLabel]:
    return list(db.scalars(select(TriageLabel).where(TriageLabel.org_id == org_id).order_by(TriageLabel.id)))
