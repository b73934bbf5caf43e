"""One action applied to many cases from the inbox: each record goes through the same service
as the record page's own form (routing.assign, cases.transition), so its timeline, audit
entry, webhooks and commitment clocks are the same; what a record refuses is reported, not
hidden."""

from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from voxloop.audit.service import Actor
from voxloop.cases import service as cases
from voxloop.cases import workflow
from voxloop.customers import service as customers
from voxloop.errors import Conflict, InvalidInput, invalid
from voxloop.feedback import service as feedback
from voxloop.feedback.models import Feedback
from voxloop.routing import service as routing

# action -> the permission the record page's own form (or the API, for merge) needs for it
PERMISSIONS = {
    "assign": "cases.assign",
    "status": "feedback.handle",
    "department": "cases.assign",
    "merge": "feedback.handle",
}
MAX_RECORDS = 200
# the statuses a case can be moved to from some status: what the bulk form offers
TARGETS = tuple(s for s in workflow.STATES if any(s in after for after in workflow.TRANSITIONS.values()))
NOTICE = "inbox_notice"  # the session key the inbox shows the outcome from, once


@dataclass(frozen=True)
class Refusal:
    """Why one record was left as it was: not_found, unchanged (it already had that owner,
    department or status), transition (its status cannot go there), owner (its owner can
    no longer handle cases, so it cannot move with them), merged (a merge closed it already)
    or customer (someone else's: their tracking page would lead to this one's case)."""

    feedback_id: int
    reason: str
    status: str = ""


@dataclass(frozen=True)
class Outcome:
    action: str
    changed: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    into: int | None = None  # merge: the case the others became part of


def check(
    *,
    action: str,
    feedback_ids: list[int],
    assignee_id: int | None,
    to: str,
    department_id: int | None,
    primary_id: int | None = None,
) -> None:
    """A 422 naming the field when the request as a whole cannot be done."""
    if action not in PERMISSIONS:
        raise invalid("action", f"one of {', '.join(PERMISSIONS)}")
    if not feedback_ids:
        raise invalid("ids", "choose at least one record")
    if len(feedback_ids) > MAX_RECORDS:
        raise invalid("ids", f"at most {MAX_RECORDS} records at once")
    if action == "assign" and assignee_id is None:
        raise invalid("assignee_id", "choose a person")
    if action == "status" and to not in workflow.STATES:
        raise invalid("to", f"one of {', '.join(workflow.STATES)}")
    if action == "department" and department_id is None:
        raise invalid("department_id", "choose a department")
    if action == "merge" and len(set(feedback_ids)) < 2:
        raise invalid("ids", "choose at least two records to merge")
    if action == "merge" and primary_id is not None and primary_id not in feedback_ids:
        raise invalid("primary_id", "one of the chosen records")


def apply(
    *,
    db: Session,
    org_id: int,
    actor: Actor,
    action: str,
    feedback_ids: list[int],
    assignee_id: int | None = None,
    to: str = "",
    department_id: int | None = None,
    primary_id: int | None = None,
) -> Outcome:
    """Apply `action` to each record in turn. A refusal for one record (a status it cannot
    go to) leaves it and goes on; bad input (no such person or department) is a 422 raised at
    the first record, before anything changed."""
    check(
        action=action,
        feedback_ids=feedback_ids,
        assignee_id=assignee_id,
        to=to,
        department_id=department_id,
        primary_id=primary_id,
    )
    if action == "merge":
        return merge(db=db, org_id=org_id, actor=actor, feedback_ids=feedback_ids, primary_id=primary_id)
    outcome = Outcome(action)
    for feedback_id in dict.fromkeys(feedback_ids):  # once each, in the order chosen
        record = feedback.get(db=db, org_id=org_id, feedback_id=feedback_id)
        if record is None:
            outcome.refused.append(Refusal(feedback_id, "not_found"))
            continue
        before = (record.status, record.department_id, record.assignee_id)
        try:
            if action == "status":
                cases.transition(db=db, org_id=org_id, actor=actor, feedback_id=record.id, to=to)
            else:
                routing.assign(
                    db=db,
                    org_id=org_id,
                    actor=actor,
                    feedback_id=record.id,
                    department_id=department_id if action == "department" else None,
                    # a move keeps the owner, as the record page's form sends its owner back
                    assignee_id=assignee_id if action == "assign" else record.assignee_id,
                )
        except Conflict:  # the state machine's refusal: nothing was written
            reason = "unchanged" if record.status == to else "transition"
            outcome.refused.append(Refusal(record.id, reason, record.status))
            continue
        except InvalidInput as exc:
            if action != "department" or exc.fields[0]["field"] != "assignee_id":
                raise
            outcome.refused.append(Refusal(record.id, "owner", record.status))
            continue
        if (record.status, record.department_id, record.assignee_id) == before:
            outcome.refused.append(Refusal(record.id, "unchanged", record.status))
        else:
            outcome.changed.append(record.id)
    return outcome


def _someone_else(db: Session, record: Feedback, primary: Feedback) -> bool:
    """Whether the two records are known to come from different people: customers with an
    email or phone, not the same. A name alone identifies nobody, so it may be the same guest."""
    if record.customer_id == primary.customer_id:
        return False
    both = customers.get_many_by_id(db=db, ids={record.customer_id, primary.customer_id})
    return len(both) == 2 and all(c.email or c.phone for c in both.values())


def merge(
    *, db: Session, org_id: int, actor: Actor, feedback_ids: list[int], primary_id: int | None
) -> Outcome:
    """Merge the chosen records into one case through the record's own merge: into
    `primary_id`, or else the oldest chosen record that a merge has not closed already."""
    found: dict[int, Feedback] = {}
    outcome = Outcome("merge")
    for feedback_id in dict.fromkeys(feedback_ids):
        record = feedback.get(db=db, org_id=org_id, feedback_id=feedback_id)
        if record is None:
            outcome.refused.append(Refusal(feedback_id, "not_found"))
        else:
            found[record.id] = record
    if primary_id is not None:
        primary = found.get(primary_id)
        if primary is None or cases.merged_already(primary):
            raise invalid("primary_id", "a case that has not been merged into another")
    else:
        open_ = [r for r in found.values() if not cases.merged_already(r)]
        primary = min(open_, key=lambda r: (r.received_at, r.id), default=None)
    for record in found.values():
        if record is primary:
            continue
        if primary is None or cases.merged_already(record):
            outcome.refused.append(Refusal(record.id, "merged", record.status))
        elif _someone_else(db, record, primary):
            outcome.refused.append(Refusal(record.id, "customer", record.status))
        else:
            cases.merge(db=db, org_id=org_id, actor=actor, feedback_id=record.id, into=primary.id)
            outcome.changed.append(record.id)
    return replace(outcome, into=primary.id if primary else None)
