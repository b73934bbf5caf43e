"""Outbox handler: triage records after the commit that received them."""

from typing import Any

from voxloop.cases.service import THANK
from voxloop.commitments import clocks
from voxloop.db import session_scope, write_lock
from voxloop.feedback.flows import TRIAGE
from voxloop.jobs import service as jobs
from voxloop.jobs.executor import batch_task
from voxloop.routing import service as routing
from voxloop.triage import service


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
            service.announce(db=db, plan=plan)
            for p in live:  # praise and suggestions are thanked (the task checks for an email)
                if p["type"] in ("praise", "suggestion") and not p["flag"] and p["customer_id"]:
                    jobs.enqueue(db=db, org_id=p["org_id"], task=THANK, payload={"feedback_id": p["fid"]})
            db.commit()
