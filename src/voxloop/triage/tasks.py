"""Outbox handler: triage records after the commit that received them."""

from typing import Any

from voxloop.accounts.models import Organization
from voxloop.cases.service import THANK
from voxloop.commitments import clocks
from voxloop.config import get_settings
from voxloop.db import session_scope, write_lock
from voxloop.feedback.flows import TRIAGE
from voxloop.feedback.models import Feedback
from voxloop.integrations import email
from voxloop.jobs import service as jobs
from voxloop.jobs.executor import batch_task, task
from voxloop.routing import service as routing
from voxloop.text.safety import kind_label as safety_kind
from voxloop.themes.models import Alert
from voxloop.triage import service
from voxloop.web.render import render


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
        with write_lock(), session_scope() as db:
            plan = service.unclaimed(db=db, plan=plan)
            mine = {p["fid"] for p in plan}
            live = [p for p in live if p["fid"] in mine]
            routes = [r for r in routes if r["fid"] in mine]
            assigned = {r["fid"] for r in routes if r["assignee_id"]}
            service.apply_triage(db=db, plan=plan)
            routing.apply_routes(db=db, routes=routes)
            clocks.start_many(db=db, records=[{**p, "assigned": p["fid"] in assigned} for p in live])
            service.announce(db=db, plan=plan)
            service.raise_alarms(db=db, plan=live)
            for p in live:  # confident praise and suggestions are thanked (the task checks for an email)
                if p["thank"] and not p["flag"] and p["customer_id"]:
                    jobs.enqueue(db=db, org_id=p["org_id"], task=THANK, payload={"feedback_id": p["fid"]})
            db.commit()


@task(service.SAFETY)
def safety_email(payload: dict[str, Any]) -> None:
    """Tell the on-duty managers at once: the organization's managers and admins and the head
    of the department the case went to, each in their language, once each (a stable
    Message-ID)."""
    with session_scope(readonly=True) as db:
        alert = db.get(Alert, int(payload["alert_id"]))
        record = db.get(Feedback, int(alert.detail["feedback_id"])) if alert else None
        if alert is None or record is None:
            return
        org = db.get(Organization, record.org_id)
        url = f"{get_settings().base_url.rstrip('/')}/feedback/{record.id}"
        for user in service.on_duty(db=db, record=record):
            locale = user.locale or (org.default_locale if org else "en")
            ctx = {
                "alert": alert,
                "record": record,
                "kind": safety_kind(alert.detail["kind"], locale),
                "url": url,
                "zone": org.timezone if org else "UTC",
            }
            email.send(
                to=user.email,
                subject=render("email/safety_subject.txt", locale, **ctx).strip(),
                text=render("email/safety.txt", locale, **ctx),
                message_id=f"<safety-{alert.id}-{user.id}@voxloop>",
            )
