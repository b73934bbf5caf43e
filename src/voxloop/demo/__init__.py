"""The Cloudhill Hotels demo organization (云栖酒店集团): departments, staff and a year of feedback."""

import json
import random
from datetime import timedelta
from pathlib import Path

from voxloop.accounts import service as accounts
from voxloop.audit.service import SYSTEM, Actor
from voxloop.common.time import utcnow
from voxloop.customers.service import Contact
from voxloop.db import session_scope
from voxloop.feedback import flows
from voxloop.feedback.service import Draft
from voxloop.routing import service as routing

SLUG = "cloudhill"
PASSWORD = "voxloop-demo"
DATA = Path(__file__).resolve().parent / "feedback.json"
CHANNEL_WEIGHTS = {
    "web_form": 5,
    "hotline": 3,
    "email": 2,
    "face_to_face": 2,
    "paper": 1,
    "interview": 1,
    "api": 1,
}
ZH_NAMES = ["王女士", "李先生", "张女士", "刘先生", "陈女士", "杨先生", "赵女士", "黄先生"]
EN_NAMES = ["Emily Clark", "James Miller", "Sophie Martin", "Daniel Brown", "Olivia Wilson"]


def load(months: int = 12, per_month: int = 60, seed: int = 7) -> str:
    """Create the organization with its staff and feedback; does nothing if it already exists."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    with session_scope() as db:
        if accounts.get_org_by_slug(db=db, slug=SLUG):
            return (
                f"demo organization '{SLUG}' exists already; sign in as admin@cloudhill.example / {PASSWORD}"
            )
        org = accounts.create_org(db=db, slug=SLUG, name="云栖酒店集团 Cloudhill Hotels")
        depts = {
            zh: accounts.create_department(db=db, org_id=org.id, actor=SYSTEM, name=zh, name_en=en)
            for zh, en in data["departments"]
        }
        for email, name, role, dept in data["users"]:
            accounts.create_user(
                db=db,
                org_id=org.id,
                actor=SYSTEM,
                email=email,
                password=PASSWORD,
                role=role,
                name=name,
                department_id=depts[dept].id if dept else None,
                locale="en" if email.startswith("frontoffice") else "zh_CN",
            )
        # Department heads hear of broken commitments; routing rules send cases to departments.
        people = {u.email: u for u in accounts.list_users(db=db, org_id=org.id)}
        depts["工程部"].head_id = people["engineer@cloudhill.example"].id
        depts["客服中心"].head_id = people["manager@cloudhill.example"].id
        depts["前厅部"].head_id = people["frontoffice@cloudhill.example"].id
        for name, match, dept in (
            ("设施报修 Facilities", {"category": ["facilities"]}, "工程部"),
            ("前台服务 Front office", {"category": ["service_attitude", "process_policy"]}, "前厅部"),
            ("其他投诉 Other complaints", {"type": ["complaint"]}, "客服中心"),
        ):
            routing.create_rule(
                db=db, org_id=org.id, actor=SYSTEM, name=name, match=match, department_id=depts[dept].id
            )
        db.commit()

        now = utcnow()
        channels = list(CHANNEL_WEIGHTS)
        weights = list(CHANNEL_WEIGHTS.values())
        drafts = []
        for i in range(months * per_month):
            item = rng.choice(data["items"])
            hotel = rng.choice(data["hotels"])
            zh = item["lang"] == "zh"
            contact = None
            if rng.random() < 0.75:
                n = rng.randrange(400)
                name = rng.choice(ZH_NAMES if zh else EN_NAMES)
                contact = Contact(
                    name=name,
                    email=f"guest{n}@example.{'cn' if zh else 'com'}" if rng.random() < 0.7 else None,
                    phone=(f"+86 138{n:08d}" if zh else f"+44 7700 9{n:05d}") if rng.random() < 0.5 else None,
                    locale="zh_CN" if zh else "en",
                )
            drafts.append(
                Draft(
                    channel=rng.choices(channels, weights)[0],
                    description=item["text"],
                    customer_request=item["ask"],
                    touchpoint=item["touchpoint"],
                    product=item["product"],
                    branch=hotel["branch"],
                    language=item["lang"],
                    contact=contact,
                    received_at=now - timedelta(days=rng.uniform(0, months * 30.4), minutes=i % 7),
                )
            )
        drafts.sort(key=lambda d: d.received_at)
        actor = Actor(label="demo")
        for start in range(0, len(drafts), 500):
            # Historical records: their customers were acknowledged long ago.
            flows.receive(db=db, org=org, actor=actor, drafts=drafts[start : start + 500], acknowledge=False)
    # Classify the year of feedback now, so the demo opens on a triaged inbox.
    from voxloop.jobs.executor import drain

    drain()
    # The year's history was handled long ago: only the last week's records keep running
    # commitment clocks, so the demo opens with a realistic set of deadlines, not 700 breaches.
    from sqlalchemy import bindparam, delete, select, update

    from voxloop.commitments.models import CaseClock
    from voxloop.feedback.models import Feedback

    # Older cases were answered and closed, after a plausible time, so the KPI page has a history.
    with session_scope() as db:
        old = select(Feedback.id).where(Feedback.received_at < utcnow() - timedelta(days=7))
        db.execute(delete(CaseClock).where(CaseClock.feedback_id.in_(old)))
        done = [
            {
                "fid": fid,
                "responded": received + timedelta(hours=rng.uniform(0.2, 30)),
                "resolved": received + timedelta(hours=rng.uniform(30, 150)),
            }
            for fid, received in db.execute(
                select(Feedback.id, Feedback.received_at).where(Feedback.id.in_(old), Feedback.flag.is_(None))
            )
        ]
        if done:
            t = Feedback.__table__
            db.execute(
                update(t)
                .where(t.c.id == bindparam("fid"))
                .values(
                    status="closed",
                    first_response_at=bindparam("responded"),
                    resolved_at=bindparam("resolved"),
                ),
                done,
            )
        db.commit()
    return (
        f"loaded demo organization '{SLUG}' with {len(drafts)} feedback records\n"
        f"sign in as admin@cloudhill.example / {PASSWORD} (also manager@, agent@, analyst@ …)"
    )
