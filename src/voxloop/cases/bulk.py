"""One action applied to many cases from the inbox: each record goes through the same service
as the record page's own form (routing.assign, cases.transition), so its timeline, audit
entry, webhooks and commitment clocks are the same; what a record refuses is reported, not
hidden."""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from voxloop.audit.service import Actor
from voxloop.cases import service as cases
from voxloop.cases import workflow
from voxloop.errors import Conflict, InvalidInput, invalid
from voxloop.feedback import service as feedback
from voxloop.routing import service as routing

# action -> the permission the record page's own form needs for it
PERMISSIONS = {"assign": "cases.assign", "status": "feedback.handle", "department": "cases.assign"}
MAX_RECORDS = 200
# the statuses a case can be moved to from some status: what the bulk form offers
TARGETS = tuple(s for s in workflow.STATES if any(s in after for after in workflow.TRANSITIONS.values()))
NOTICE = "inbox_notice"  # the session key the inbox shows the outcome from, once


@dataclass(frozen=True)
class Refusal:
    """Why one record was left as it was: not_found, unchanged (it already had that owner,
    department or status), transition (its status cannot go there) or owner (its owner can
    no longer handle cases, so it cannot move with them)."""

    feedback_id: int
    reason: str
    status: str = ""


@dataclass(frozen=True)
class Outcome:
    action: str
    changed: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def check(
    *,
    action: str,
    feedback_ids: list[int],
    assignee_id: int | None,
    to: str,
    department_id: int | None,
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
    )
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
