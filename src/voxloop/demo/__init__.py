"""The Cloudhill Hotels demo organization (云栖酒店集团): departments, staff and a year of feedback."""

import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from voxloop.accounts import service as accounts
from voxloop.accounts.models import Organization
from voxloop.audit.service import SYSTEM, Actor
from voxloop.cases import service as cases
from voxloop.cases.service import THANK
from voxloop.commitments import service as commitments
from voxloop.commitments.clocks import OPEN_STATES
from voxloop.commitments.models import CaseClock, Commitment, Remedy
from voxloop.commitments.service import working_time
from voxloop.common.time import as_utc, utcnow
from voxloop.customers.service import Contact
from voxloop.db import session_scope
from voxloop.demo import improvement, texts
from voxloop.demo import surveys as demo_surveys
from voxloop.feedback import flows
from voxloop.feedback.models import Feedback
from voxloop.feedback.service import Draft
from voxloop.jobs.executor import drain, run_pending
from voxloop.jobs.models import OutboxMessage
from voxloop.reports import service as reports
from voxloop.routing import service as routing
from voxloop.themes.models import Alert
from voxloop.triage.service import SAFETY

SLUG = "cloudhill"
PASSWORD = "voxloop-demo"  # noqa: S105  the documented sign-in of the local demo data
DATA = Path(__file__).resolve().parent / "organization.json"
CHANNEL_WEIGHTS = {
    "web_form": 5,
    "hotline": 3,
    "email": 2,
    "face_to_face": 2,
    "paper": 1,
    "interview": 1,
    "api": 1,
}
ZH_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
EN_FIRST = ("Emily", "James", "Sophie", "Daniel", "Olivia", "Thomas", "Hannah", "Lucas", "Chloe", "Ryan")
EN_LAST = ("Clark", "Miller", "Martin", "Brown", "Wilson", "Taylor", "Walker", "Evans", "Hughes", "Wright")
EN_SHARE = 0.3  # the group's guests who write in English
MONTH_DAYS = 30.4
# The common problems of S5, records per hotel and month by months before today (at 180 a
# month). Breakfast queues grew at three hotels until the initiative started from their alert
# two months ago (improvement.ALERTED_DAYS_AGO), then fell; Wi-Fi drops at the two Shanghai
# hotels kept rising, whatever the firmware upgrade six weeks ago did; this month guests of
# the two Beijing hotels began to complain of noise, an emerging issue nobody has acted on yet.
# Each week's problem is raised by enough distinct guests to be common (themes.Criteria).
PROBLEMS = (
    (("北京国贸店", "上海外滩店", "杭州西湖店"), "breakfast", {6: 2, 5: 4, 4: 6, 3: 12, 2: 24, 1: 1, 0: 1}),
    (("上海外滩店", "上海虹桥店"), "wifi", {4: 6, 3: 12, 2: 18, 1: 20, 0: 20}),
    (("北京国贸店", "北京首都机场店"), "noise", {0: 30}),
)
# Commitment steps met late in the closed history: most kept, a realistic few broken.
LATE = {"response": 0.08, "resolution": 0.12}
# What a delivered voucher or compensation gave, in the guest's language.
REMEDY_GIVEN = {
    "voucher": {"zh": "200元餐饮代金券", "en": "CNY 200 dining voucher"},
    "compensation": {"zh": "退还一晚房费", "en": "one night's rate refunded"},
}
DEFAULT_HOURS = {"response": 4, "resolution": 40}  # for a step the commitment leaves open
# Cases received in the last days are still being worked on (running clocks, some at risk or
# breached); older ones were answered and closed. A week left every deadline of this month's
# first days broken, so the scorecard showed 0 % of commitments kept.
RUNNING_DAYS = 2


def load(months: int = 12, per_month: int = 180, seed: int = 7) -> str:
    """Create the organization with its staff and feedback; does nothing if it already exists."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    rng = random.Random(seed)  # noqa: S311  seeded draws of demo data: reproducible, not secret
    with session_scope() as db:
        if accounts.get_org_by_slug(db=db, slug=SLUG):
            return (
                f"demo organization '{SLUG}' exists already; sign in as admin@cloudhill.example / {PASSWORD}"
            )
        org = create_organization(db, data)
        db.commit()
        org_id = org.id

        drafts = _drafts(data["hotels"], months, per_month, rng)
        actor = Actor(label="demo")
        for start in range(0, len(drafts), 500):
            # Historical records: their customers were acknowledged long ago.
            flows.receive(db=db, org=org, actor=actor, drafts=drafts[start : start + 500], acknowledge=False)
    # Classify the year of feedback now, so the demo opens on a triaged inbox. Guests of a
    # year ago are not thanked today, nor managers woken for a months-old alarm: only the last
    # week's records keep those messages.
    run_pending()
    _forget_old_messages()
    drain()
    closed = _close_history(rng)
    # its own draws: the rest stay as they were
    _remedies(org_id, closed, random.Random(seed + 1))  # noqa: S311  seeded draws of demo data: reproducible, not secret
    with session_scope() as db:
        csat = demo_surveys.post_case_csat(db, org_id, closed, rng)
        # its own draws, so the rest of the demo stays as it was
        ces = demo_surveys.post_case_ces(db, org_id, closed, random.Random(seed + 3))  # noqa: S311  seeded draws of demo data: reproducible, not secret
        nps = demo_surveys.relationship_nps(db, org_id, rng, months=months)
        db.commit()
        # Its own draws, so the rest of the demo stays as it was; the hotels' recent guests
        # who never wrote to us are on the guest list the study invites from.
        study_rng = random.Random(seed + 2)  # noqa: S311  seeded draws of demo data: reproducible, not secret
        guests = [c for lang, n in (("zh", 1400), ("en", 600)) for c in _people(study_rng, lang, n, "stay")]
        study = demo_surveys.servqual_study(db, org_id, guests, study_rng)
        db.commit()
        cloudhill = accounts.get_org_by_slug(db=db, slug=SLUG)
        assert cloudhill is not None  # noqa: S101  seeded above in this function
        follow_ups = demo_surveys.follow_up_cases(db, cloudhill, rng)
    # The follow-up cases are triaged and routed like any other; those older than a week were
    # called back and closed, and some of their respondents answered the re-survey.
    run_pending()
    _forget_old_messages()
    drain()
    called_back = _close_history(rng, only=follow_ups)
    # This month's are called back within hours, so the scorecard's follow-up cards of this
    # month have cases whatever day it is; the latest stay open.
    now = utcnow()
    recent = (now - demo_surveys.month_start(now)) / 4
    done = {c.feedback_id for c in called_back}
    latest = [f for f in follow_ups if f not in done]
    called_back += _close_history(rng, only=latest, running=min(timedelta(days=RUNNING_DAYS), recent))
    with session_scope() as db:
        again = demo_surveys.resurveys(db, org_id, called_back, rng)
        db.commit()
    # S5: the alerts of two months ago, the initiatives started from them, today's themes.
    started = improvement.load(org_id)
    return (
        f"loaded demo organization '{SLUG}' with {len(drafts)} feedback records, "
        f"{csat} CSAT, {ces} CES and {nps} NPS responses, a SERVQUAL study ({study.invited} invitations, "
        f"{study.answered} responses), {len(follow_ups)} follow-up cases of unhappy answers "
        f"and {again} re-survey answers, {len(started)} improvement initiatives\n"
        f"sign in as admin@cloudhill.example / {PASSWORD} (also manager@, agent@, analyst@ …)"
    )


def create_organization(db: Session, data: dict[str, Any] | None = None) -> Organization:
    """Cloudhill Hotels without its feedback: departments and their heads, staff, the routing
    rules that send each scenario's case where SCENARIOS.md says, the commitments' time limits
    and what a broken one owes the guest (S2: an apology, a voucher, a call-back). The caller
    commits."""
    data = data or json.loads(DATA.read_text(encoding="utf-8"))
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
    # The six hotels: the managed list feedback names its branch from.
    for hotel in data["hotels"]:
        accounts.create_branch(
            db=db,
            org_id=org.id,
            actor=SYSTEM,
            name=hotel["branch"],
            name_en=hotel["name_en"],
            city=hotel["city"],
        )
    # Department heads hear of broken commitments; routing rules send cases to departments.
    people = {u.email: u for u in accounts.list_users(db=db, org_id=org.id)}
    for dept, email in data["heads"].items():
        depts[dept].head_id = people[email].id
    for rule in data["routing"]:
        routing.create_rule(
            db=db,
            org_id=org.id,
            actor=SYSTEM,
            name=rule["name"],
            match=rule["match"],
            department_id=depts[rule["department"]].id,
        )
    by_name = {c.name: c for c in commitments.list_commitments(db=db, org_id=org.id)}
    # Cloudhill's published promises (SCENARIOS.md): a reply to an urgent issue within 2 hours
    # (S1), a complaint resolved within 4 working hours (S2).
    for name, fields in data["commitments"].items():
        for field, value in fields.items():
            setattr(by_name[name], field, value)
    for name, kinds in data["remedies"].items():
        commitments.set_remedies(
            db=db, org_id=org.id, actor=SYSTEM, commitment_id=by_name[name].id, kinds=kinds
        )
    # Canned replies the agents start from (the record page's "Use a template").
    for template in data["reply_templates"]:
        cases.create_reply_template(db=db, org_id=org.id, actor=SYSTEM, **template)
    # S6: the general manager's weekly scorecard in Chinese, the owners' board's in English.
    for report in data["reports"]:
        reports.create_schedule(
            db=db,
            org_id=org.id,
            kind=report["kind"],
            fmt=report["format"],
            locale=report["locale"],
            frequency=report["frequency"],
            recipients=report["recipients"],
        )
    return org


def _remedies(org_id: int, closed: list[demo_surveys.Closed], rng: random.Random) -> int:
    """What the history's broken commitments owed the guest (the commitment's remedies, once
    per case): most delivered, with what was given, a few declined or approved and pending."""
    late = {c.feedback_id: c for c in closed if c.late}
    made = []
    with session_scope() as db:
        rows = db.execute(
            select(CaseClock.feedback_id, CaseClock.response_state, Commitment.remedies)
            .join(Commitment, Commitment.id == CaseClock.commitment_id)
            .where(CaseClock.feedback_id.in_(late))
        ).all()
        for fid, response_state, kinds in rows:
            case = late[fid]
            proposed = case.resolved_at - timedelta(hours=rng.uniform(2, 48))
            for kind in kinds:
                status = rng.choices(("delivered", "declined", "approved"), (0.8, 0.1, 0.1))[0]
                given = REMEDY_GIVEN.get(kind, {}).get(case.language) if status == "delivered" else None
                made.append(
                    Remedy(
                        org_id=org_id,
                        feedback_id=fid,
                        step="response" if response_state == "late" else "resolution",
                        kind=kind,
                        status=status,
                        amount=given,
                        created_at=proposed,
                        updated_at=case.resolved_at,
                    )
                )
        db.add_all(made)
        db.commit()
    return len(made)


def _forget_old_messages() -> None:
    cutoff = utcnow() - timedelta(days=7)
    with session_scope() as db:
        old = set(db.scalars(select(Feedback.id).where(Feedback.received_at < cutoff)))
        alerts = {a.id: a.detail.get("feedback_id") for a in db.scalars(select(Alert))}
        stale = []
        pending = select(OutboxMessage).where(
            OutboxMessage.status == "pending", OutboxMessage.task.in_((THANK, SAFETY))
        )
        for m in db.scalars(pending):
            fid = m.payload.get("feedback_id") or alerts.get(m.payload.get("alert_id", 0))
            if fid is not None and fid in old:
                stale.append(m.id)
        db.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(stale)))
        db.commit()


def _people(rng: random.Random, lang: str, n: int, kind: str = "guest") -> list[Contact]:
    """Distinct guests: one name, email and phone each, so the customer list has no duplicates
    (nor with another list of another `kind`)."""
    out = []
    area = {"guest": ("138", "9"), "stay": ("139", "8")}[kind]
    for i in range(n):
        if lang == "zh":
            name = rng.choice(ZH_SURNAMES) + rng.choice(("女士", "先生"))
            email, phone = f"{kind}{i}@example.cn", f"+86 {area[0]}{i:08d}"
        else:
            name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
            email, phone = f"{kind}{i}@example.com", f"+44 7700 {area[1]}{i:05d}"
        out.append(
            Contact(
                name=name,
                email=email if rng.random() < 0.75 else None,
                phone=phone if rng.random() < 0.6 else None,
                locale="zh_CN" if lang == "zh" else "en",
            )
        )
    return out


def _drafts(hotels: list[dict[str, str]], months: int, per_month: int, rng: random.Random) -> list[Draft]:
    """The year's feedback: everyday topics and real review sentences spread over the seasons,
    and the two common problems on top."""
    now = utcnow()
    days = int(months * MONTH_DAYS)
    n = months * per_month
    corpus = texts.from_corpora(rng, zh=int(n * 0.12), en=int(n * 0.06))
    topics, topic_weights = list(texts.WEIGHTS), list(texts.WEIGHTS.values())
    branches = [h["branch"] for h in hotels]
    ago = rng.choices(range(days), [texts.season(now - timedelta(days=d)) for d in range(days)], k=n)
    items: list[tuple[texts.Text, str, float]] = []
    for i, d in enumerate(ago):
        item = corpus[i] if i < len(corpus) else None
        if item is None:
            lang = "en" if rng.random() < EN_SHARE else "zh"
            item = texts.from_template(rng, rng.choices(topics, topic_weights)[0], lang)
        items.append((item, rng.choice(branches), d + rng.random()))
    scale = per_month / 180
    for where, topic, by_month in PROBLEMS:
        for branch in where:
            for months_ago, count in by_month.items():
                if months_ago >= months:
                    continue
                for _ in range(round(count * scale)):
                    lang = "en" if rng.random() < EN_SHARE else "zh"
                    at = (months_ago + rng.random()) * MONTH_DAYS
                    items.append((texts.from_template(rng, topic, lang), branch, at))
    people = {lang: _people(rng, lang, max(20, int(n * share))) for lang, share in (("zh", 0.4), ("en", 0.2))}
    channels, weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
    drafts = [
        Draft(
            channel=rng.choices(channels, weights)[0],
            description=item.text,
            customer_request=item.ask,
            touchpoint=item.touchpoint,
            product=item.product,
            branch=branch,
            language=item.lang,
            contact=rng.choice(people[item.lang]) if rng.random() < 0.8 else None,
            received_at=now - timedelta(days=days_ago),
        )
        for item, branch, days_ago in items
    ]
    drafts.sort(key=lambda d: d.received_at)
    return drafts


def _close_history(
    rng: random.Random, only: list[int] | None = None, running: timedelta = timedelta(days=RUNNING_DAYS)
) -> list[demo_surveys.Closed]:
    """Open cases (of `only`, when given) received before the last `running` were answered and
    closed: each commitment step is recorded met or late, late at a realistic rate, so the SLA
    and KPI pages have a history. The latest cases keep their running clocks."""
    now = utcnow()
    fb, ck = Feedback.__table__.c, CaseClock.__table__.c
    closed, cases, clocks = [], [], []
    with session_scope() as db:
        rows = db.execute(
            select(
                fb.id,
                fb.received_at,
                fb.language,
                fb.channel,
                fb.branch,
                ck.calendar_id,
                ck.started_work,
                ck.response_due,
                ck.resolution_due,
                ck.dispatch_state,
                ck.handling_state,
            )  # fmt: skip
            .select_from(Feedback.__table__.outerjoin(CaseClock.__table__, ck.feedback_id == fb.id))
            .where(
                fb.received_at < now - running,
                fb.flag.is_(None),
                fb.id.in_(only) if only is not None else fb.id.is_not(None),
            )
        ).all()
        axes = {}
        for r in rows:
            received = as_utc(r.received_at)
            late = {step: rng.random() < rate for step, rate in LATE.items()}
            room = now - received  # a case of the last hours was answered and closed within them
            if r.calendar_id is None:
                responded = min(received + timedelta(hours=rng.uniform(0.2, 30)), now - room / 2)
                resolved = min(received + timedelta(hours=rng.uniform(30, 150)), now - room / 4)
            else:
                if r.calendar_id not in axes:
                    axes[r.calendar_id] = working_time(db, r.calendar_id)
                axis = axes[r.calendar_id]
                times = {}
                for step, due in (("response", r.response_due), ("resolution", r.resolution_due)):
                    target = (due - r.started_work) if due is not None else DEFAULT_HOURS[step] * 3600
                    share = rng.uniform(1.1, 4) if late[step] else rng.uniform(0.1, 0.95)
                    times[step] = axis.wall(r.started_work + int(target * share))
                responded = min(times["response"], now - min(timedelta(hours=2), room / 2))
                resolved = max(times["resolution"], responded + min(timedelta(minutes=20), room / 8))
                resolved = min(resolved, now - min(timedelta(hours=1), room / 4))
                state = {
                    step: None if due is None else "met" if axis.work(at) <= due else "late"
                    for step, due, at in (
                        ("response", r.response_due, responded),
                        ("resolution", r.resolution_due, resolved),
                    )
                }
                clocks.append(
                    {
                        "fid": r.id,
                        "response": state["response"],
                        "resolution": state["resolution"],
                        "dispatch": "met" if r.dispatch_state in OPEN_STATES else r.dispatch_state,
                        "handling": "met" if r.handling_state in OPEN_STATES else r.handling_state,
                        "escalation": 1 if "late" in state.values() else 0,
                    }
                )
                late = {step: state[step] == "late" for step in state}
            cases.append({"fid": r.id, "responded": responded, "resolved": resolved})
            closed.append(
                demo_surveys.Closed(
                    r.id, resolved, any(late.values()), r.language or "zh", r.channel, r.branch
                )
            )
        t = Feedback.__table__
        if cases:
            db.execute(
                update(t)
                .where(t.c.id == bindparam("fid"))
                .values(
                    status="closed",
                    first_response_at=bindparam("responded"),
                    resolved_at=bindparam("resolved"),
                ),
                cases,
            )
        if clocks:
            c = CaseClock.__table__
            db.execute(
                update(c)
                .where(c.c.feedback_id == bindparam("fid"))
                .values(
                    response_state=bindparam("response"),
                    resolution_state=bindparam("resolution"),
                    dispatch_state=bindparam("dispatch"),
                    handling_state=bindparam("handling"),
                    escalation=bindparam("escalation"),
                    next_due=None,
                    warn_at=None,
                ),
                clocks,
            )
        db.commit()
    return closed
