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
    from sqlalchemy import delete, select

    from voxloop.commitments.models import CaseClock
    from voxloop.feedback.models import Feedback

    with session_scope() as db:
        old = select(Feedback.id).where(Feedback.received_at < utcnow() - timedelta(days=7))
        db.execute(delete(CaseClock).where(CaseClock.feedback_id.in_(old)))
        db.commit()
    return (
        f"loaded demo organization '{SLUG}' with {len(drafts)} feedback records\n"
        f"sign in as admin@cloudhill.example / {PASSWORD} (also manager@, agent@, analyst@ …)"
    )
