"""Routing rules, automatic routing after triage, and manual (re)assignment with its history."""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session

from voxloop.accounts.models import PERMISSIONS, Department, User
from voxloop.audit import service as audit
from voxloop.audit.service import SYSTEM, Actor
from voxloop.commitments import clocks
from voxloop.common.time import utcnow
from voxloop.customers.models import Customer
from voxloop.errors import InvalidInput, NotFound, invalid
from voxloop.feedback import service as feedback
from voxloop.feedback.models import Feedback, FeedbackEvent
from voxloop.routing import rules
from voxloop.routing.models import RoutingRule
from voxloop.triage.service import RecordTriage

OPEN = ("new", "triaged", "assigned", "in_progress", "waiting_customer")
HANDLERS = tuple(sorted(r.value for r in PERMISSIONS["feedback.handle"]))


def list_rules(*, db: Session, org_id: int, active_only: bool = False) -> list[RoutingRule]:
    stmt = select(RoutingRule).where(RoutingRule.org_id == org_id)
    if active_only:
        stmt = stmt.where(RoutingRule.is_active.is_(True))
    return list(db.scalars(stmt.order_by(RoutingRule.position, RoutingRule.id)))


def _department(db: Session, org_id: int, department_id: int, field: str) -> Department:
    dept = db.scalar(select(Department).where(Department.org_id == org_id, Department.id == department_id))
    if dept is None:
        raise invalid(field, "no such department in this organization")
    return dept


def create_rule(
    *,
    db: Session,
    org_id: int,
    actor: Actor,
    name: str,
    match: dict[str, Any],
    department_id: int,
    strategy: str = "round_robin",
    position: int | None = None,
) -> RoutingRule:
    errors = rules.check(match, strategy)
    if not name.strip():
        errors.insert(0, {"field": "name", "reason": "is required"})
    if errors:
        raise InvalidInput(fields=errors)
    _department(db, org_id, department_id, "department_id")
    if position is None:
        existing = list_rules(db=db, org_id=org_id)
        position = (existing[-1].position + 1) if existing else 0
    rule = RoutingRule(
        org_id=org_id,
        position=position,
        name=name.strip(),
        match=match,
        department_id=department_id,
        strategy=strategy,
    )
    db.add(rule)
    db.flush()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="create",
        entity="routing_rule",
        entity_id=rule.id,
        after={"name": rule.name, "match": match, "department_id": department_id, "strategy": strategy},
    )
    return rule


def delete_rule(*, db: Session, org_id: int, actor: Actor, rule_id: int) -> None:
    rule = db.scalar(select(RoutingRule).where(RoutingRule.org_id == org_id, RoutingRule.id == rule_id))
    if rule is None:
        raise NotFound()
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="delete",
        entity="routing_rule",
        entity_id=rule.id,
        before={"name": rule.name, "match": rule.match, "department_id": rule.department_id},
    )
    db.delete(rule)


def _as_rules(rows: list[RoutingRule]) -> list[rules.Rule]:
    return [rules.Rule(r.id, r.name, r.match, r.department_id, r.strategy) for r in rows]


def test_rules(*, db: Session, org_id: int, subject: rules.Subject) -> list[rules.Rule]:
    """Every rule that would take a record like `subject`, the winner first."""
    return rules.matching(_as_rules(list_rules(db=db, org_id=org_id, active_only=True)), subject)


class _Owners:
    """Picks owners for one batch of routed cases, remembering its own picks so that a batch
    of many cases is spread like the same cases arriving one by one."""

    def __init__(self, db: Session, org_id: int) -> None:
        self.db, self.org_id = db, org_id
        self.members: dict[int, list[int]] = {}
        self.last: dict[int, int | None] = {}
        self.load: dict[int, Counter[int]] = {}

    def _members(self, dept: int) -> list[int]:
        if dept not in self.members:
            self.members[dept] = list(
                self.db.scalars(
                    select(User.id).where(
                        User.org_id == self.org_id,
                        User.department_id == dept,
                        User.is_active.is_(True),
                        User.is_available.is_(True),
                        User.role.in_(HANDLERS),
                    )
                )
            )
        return self.members[dept]

    def pick(self, dept: int, strategy: str) -> int | None:
        members = self._members(dept)
        if not members:
            return None
        if strategy == "least_loaded":
            if dept not in self.load:
                counts = self.db.execute(
                    select(Feedback.assignee_id, func.count())
                    .where(Feedback.assignee_id.in_(members), Feedback.status.in_(OPEN))
                    .group_by(Feedback.assignee_id)
                ).all()
                self.load[dept] = Counter(
                    {m: 0 for m in members} | {a: n for a, n in counts if a is not None}
                )
            chosen = rules.pick_least_loaded(self.load[dept])
            if chosen is not None:
                self.load[dept][chosen] += 1
            return chosen
        if dept not in self.last:
            self.last[dept] = self.db.scalar(
                select(Feedback.assignee_id)
                .where(Feedback.org_id == self.org_id, Feedback.department_id == dept)
                .where(Feedback.assignee_id.is_not(None), Feedback.assigned_at.is_not(None))
                .order_by(Feedback.assigned_at.desc(), Feedback.id.desc())
                .limit(1)
            )
        chosen = rules.pick_round_robin(members, self.last[dept])
        self.last[dept] = chosen
        return chosen


@dataclass(frozen=True)
class Route:
    """Where a freshly triaged record goes: the department, the person (None when nobody in
    it can take cases) and the routing rule that sent it."""

    fid: int
    org_id: int
    department_id: int
    assignee_id: int | None
    rule: str


def plan_routes(*, db: Session, triage_plan: list[RecordTriage]) -> list[Route]:
    """Where each freshly triaged record goes, without writing (reads only, outside the write
    lock). Flagged records (spam, invalid, duplicates) are not routed."""
    wanted = {p.fid: p.decision for p in triage_plan if not p.decision.flag}
    if not wanted:
        return []
    t = Feedback.__table__.c
    rows = db.execute(
        select(
            t.id,
            t.org_id,
            t.description,
            t.channel,
            t.touchpoint,
            t.product,
            t.branch,
            t.language,
            t.department_id,
            Customer.segment,
        )
        .outerjoin(Customer, Customer.id == t.customer_id)
        .where(t.id.in_(list(wanted)))
        .order_by(t.id)
    ).all()
    by_org: dict[int, tuple[list[rules.Rule], _Owners]] = {}
    routes = []
    for row in rows:
        if row.department_id is not None:  # routed by hand meanwhile
            continue
        if row.org_id not in by_org:
            by_org[row.org_id] = (
                _as_rules(list_rules(db=db, org_id=row.org_id, active_only=True)),
                _Owners(db, row.org_id),
            )
        org_rules, owners = by_org[row.org_id]
        decision = wanted[row.id]
        subject = rules.Subject(
            text=row.description,
            channel=row.channel,
            type=decision.type,
            category=decision.category,
            priority=decision.priority,
            touchpoint=row.touchpoint,
            product=row.product,
            branch=row.branch,
            segment=row.segment,
            language=row.language,
        )
        hits = rules.matching(org_rules, subject)
        if not hits:
            continue
        rule = hits[0]
        routes.append(
            Route(
                fid=row.id,
                org_id=row.org_id,
                department_id=rule.department_id,
                assignee_id=owners.pick(rule.department_id, rule.strategy),
                rule=rule.name,
            )
        )
    return routes


def apply_routes(*, db: Session, routes: list[Route]) -> None:
    """Write planned routes in bulk, each with its line on the timeline; the caller commits."""
    if not routes:
        return
    now = utcnow()
    table = Feedback.__table__
    # Typed: PostgreSQL cannot tell the type of a bare "$n IS NOT NULL" (a department nobody
    # can take cases in routes without an assignee).
    assignee = bindparam("assignee_id", type_=table.c.assignee_id.type)
    db.execute(
        update(table)
        .where(table.c.id == bindparam("fid"), table.c.department_id.is_(None))
        .values(
            department_id=bindparam("department_id"),
            assignee_id=assignee,
            assigned_at=case((assignee.is_not(None), now), else_=None),
            routed_at=now,
            status=case(
                (
                    # no IN (...) here: executemany takes no expanding parameters
                    ((table.c.status == "new") | (table.c.status == "triaged")) & assignee.is_not(None),
                    "assigned",
                ),
                else_=table.c.status,
            ),
        ),
        [{"fid": r.fid, "department_id": r.department_id, "assignee_id": r.assignee_id} for r in routes],
    )
    db.execute(
        insert(FeedbackEvent.__table__),
        [
            {
                "org_id": r.org_id,
                "feedback_id": r.fid,
                "at": now,
                "kind": "assigned",
                "actor": SYSTEM.label,
                "public": False,
                "data": {"department_id": r.department_id, "assignee_id": r.assignee_id, "rule": r.rule},
            }
            for r in routes
        ],
    )


def assign(
    *,
    db: Session,
    org_id: int,
    actor: Actor,
    feedback_id: int,
    department_id: int | None,
    assignee_id: int | None,
) -> Feedback:
    """Hand a case to a department and/or a person by hand; the timeline keeps who had it."""
    record = feedback.get(db=db, org_id=org_id, feedback_id=feedback_id)
    if record is None:
        raise NotFound()
    if department_id is not None:
        _department(db, org_id, department_id, "department_id")
    if assignee_id is not None:
        user = db.scalar(select(User).where(User.org_id == org_id, User.id == assignee_id))
        if user is None or not user.is_active:
            raise invalid("assignee_id", "no such active user in this organization")
        if user.role not in HANDLERS:
            raise invalid("assignee_id", f"a {user.role} cannot handle cases")
        if department_id is None:
            department_id = user.department_id or record.department_id
    before = {"department_id": record.department_id, "assignee_id": record.assignee_id}
    after = {"department_id": department_id, "assignee_id": assignee_id}
    if before == after:
        return record
    record.department_id = department_id
    record.assignee_id = assignee_id
    now = utcnow()
    record.routed_at = record.routed_at or now
    if assignee_id is not None:
        first = record.assigned_at is None
        record.assigned_at = now
        if record.status in ("new", "triaged"):
            record.status = "assigned"
        if first:
            clocks.assigned(db=db, record=record)
    feedback.add_event(
        db=db,
        org_id=org_id,
        feedback_id=record.id,
        kind="assigned",
        actor=actor,
        data={"from": before, **after},
    )
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="update",
        entity="feedback",
        entity_id=record.id,
        before=before,
        after=after,
    )
    return record
