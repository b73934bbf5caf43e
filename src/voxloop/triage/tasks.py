"""Outbox handler: triage records after the commit that received them."""

from typing import Any

from sqlalchemy import select

from voxloop.cases.service import THANK
from voxloop.commitments import clocks
from voxloop.db import session_scope, write_lock
from voxloop.feedback.flows import TRIAGE
from voxloop.feedback.models import Feedback
from voxloop.jobs import service as jobs
from voxloop.jobs.executor import batch_task
from voxloop.routing import service as routing
from voxloop.triage import service
from voxloop.webhooks import service as webhooks


def created_events(db: Any, plan: list[dict[str, Any]], org_id: int) -> list[dict[str, Any]]:
    """What a `feedback.created` webhook says: the record as triaged (sent once it is)."""
    ids = [p["fid"] for p in plan if p["org_id"] == org_id and not p["flag"]]
    records = db.scalars(select(Feedback).where(Feedback.id.in_(ids)).order_by(Feedback.id)) if ids else []
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


@batch_task(TRIAGE)
def triage(payloads: list[dict[str, Any]]) -> None:
    """Every due triage message at once: classify, route, start the commitment clocks.
    Idempotent: records triaged already are skipped. Classifies and routes outside the write
    lock, then writes with bulk statements inside it."""
    ids = [int(i) for p in payloads for i in p["feedback_ids"]]
    # imported history is classified only: nobody is assigned, no deadline starts, no one is thanked
    historical = {int(i) for p in payloads if p.get("historical") for i in p["feedback_ids"]}
    with session_scope(readonly=True) as db:
        plan = service.plan_triage(db=db, feedback_ids=ids)
        live = [p for p in plan if p["fid"] not in historical]
        routes = routing.plan_routes(db=db, triage_plan=live)
    if plan:
        assigned = {r["fid"] for r in routes if r["assignee_id"]}
        with write_lock(), session_scope() as db:
            service.apply_triage(db=db, plan=plan)
            routing.apply_routes(db=db, routes=routes)
            clocks.start_many(db=db, records=[{**p, "assigned": p["fid"] in assigned} for p in live])
            for org_id in {p["org_id"] for p in plan}:
                if not webhooks.subscribed(db=db, org_id=org_id, event="feedback.created"):
                    continue
                webhooks.emit(
                    db=db, org_id=org_id, event="feedback.created", data=created_events(db, plan, org_id)
                )
            for p in live:  # praise and suggestions are thanked (the task checks for an email)
                if p["type"] in ("praise", "suggestion") and not p["flag"] and p["customer_id"]:
                    jobs.enqueue(db=db, org_id=p["org_id"], task=THANK, payload={"feedback_id": p["fid"]})
            db.commit()
