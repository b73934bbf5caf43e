"""Records just received, through triage: classified, routed, on the commitment clocks,
announced, alarmed and thanked, each record once."""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from voxloop.cases.service import THANK
from voxloop.commitments import clocks
from voxloop.db import session_scope, writing
from voxloop.feedback.service import Created
from voxloop.jobs import service as jobs
from voxloop.routing import service as routing
from voxloop.triage import service
from voxloop.triage.service import RecordTriage, TriageDecision


def triage_received(feedback_ids: Sequence[int], historical: bool = False) -> None:
    """Triage the records not yet triaged (the outbox's task), in sessions of its own: they
    are classified and routed outside the write lock, then written inside it. `historical`
    records (imported history) are classified only: nobody is assigned, no deadline starts,
    nobody is alarmed or thanked."""
    with session_scope(readonly=True) as db:
        plan = service.plan_triage(db=db, feedback_ids=feedback_ids)
        routes = [] if historical else routing.plan_routes(db=db, triage_plan=plan)
    if plan:
        with session_scope() as db, writing(db):
            _record(db, plan, routes, historical)


def triage_imported(*, db: Session, created: Sequence[Created], decisions: Sequence[TriageDecision]) -> None:
    """Imported history, written already classified (by the import's forked processes, so each
    record is written once), in the transaction that writes it: a customer's near-duplicates
    flagged and the records announced, as `triage_received` does for historical records."""
    decided = {c.id: d for c, d in zip(created, decisions, strict=True)}
    received = [service.Received.of({**c.row, "id": c.id}) for c in created]
    plan = service.plan_received(db=db, received=received, decided=decided)
    service.apply_flags(db=db, plan=[p for p in plan if p.decision.flag != decided[p.fid].flag])
    service.announce(db=db, plan=plan)


def _record(db: Session, plan: list[RecordTriage], routes: list[routing.Route], historical: bool) -> None:
    """Write a triage plan and its routes in the write transaction, for the records still
    untriaged: a message run twice at once changes each record once."""
    plan = service.unclaimed(db=db, plan=plan)
    mine = {p.fid for p in plan}
    live = [] if historical else plan
    routes = [r for r in routes if r.fid in mine]
    assigned = {r.fid for r in routes if r.assignee_id}
    service.apply_triage(db=db, plan=plan)
    routing.apply_routes(db=db, routes=routes)
    clocks.start_many(db=db, records=[_clock_start(p, p.fid in assigned) for p in live])
    service.announce(db=db, plan=plan)
    service.raise_alarms(db=db, plan=live)
    for p in live:  # confident praise and suggestions are thanked (the task checks for an email)
        if p.decision.thank and not p.decision.flag and p.customer_id:
            jobs.enqueue(db=db, org_id=p.org_id, task=THANK, payload={"feedback_id": p.fid})


def _clock_start(p: RecordTriage, assigned: bool) -> clocks.ClockStart:
    return clocks.ClockStart(
        fid=p.fid,
        org_id=p.org_id,
        channel=p.channel,
        type=p.decision.type,
        priority=p.decision.priority,
        received_at=p.received_at,
        status=p.status,
        assigned=assigned,
        flagged=bool(p.decision.flag),
    )
