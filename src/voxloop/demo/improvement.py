"""S5 on the demo: the emerging-issue alerts that theme discovery raised two months ago, the
improvement initiatives the managers started from them (baseline computed, goal, actions with
owners), and today's discovery. Whether an initiative worked is left to the evaluation: the
demo only arranges the feedback before and after (`PROBLEMS` in the demo's package)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from voxloop.accounts import service as accounts
from voxloop.audit.service import Actor
from voxloop.common.time import utcnow
from voxloop.db import session_scope, writing
from voxloop.initiatives import service as initiatives
from voxloop.jobs.executor import drain
from voxloop.jobs.models import OutboxMessage
from voxloop.themes import service as themes
from voxloop.themes.models import Alert, Theme, ThemeRun
from voxloop.themes.tasks import schedule_themes


@dataclass(frozen=True)
class Action:
    title: str
    process_step: str
    owner: str  # the user's email
    days: int  # due, days after the start
    status: str  # as it stands today


@dataclass(frozen=True)
class Plan:
    """An initiative as a manager started it from an alert: the alert is the one whose theme
    is named by one of `words`, and the goal the share of feedback mentioning `terms`, cut by
    `cut` within `weeks` (the theme's own naming words can be as vague as "minutes")."""

    words: tuple[str, ...]
    terms: tuple[str, ...]
    title: str
    owner: str
    days_after_alert: int
    cut: float
    weeks: int
    actions: tuple[Action, ...]


# The past discovery that raised the alerts, this many days before the demo's today.
ALERTED_DAYS_AGO = 61
PLANS = (
    Plan(
        ("早餐", "breakfast"),
        ("早餐", "breakfast"),
        "早餐排队等待时间投诉减半 Halve breakfast waiting-time complaints",
        "manager@cloudhill.example",
        0,
        0.5,
        8,
        (
            Action(
                "高峰时段（7:30-9:00）分时段预约用餐 Breakfast time slots at the 7:30-9:00 peak",
                "policy",
                "fnb@cloudhill.example",
                7,
                "done",
            ),
            Action(
                "加开第二餐厅，增加40个座位 Open the second restaurant: 40 more seats",
                "facilities",
                "fnb@cloudhill.example",
                14,
                "done",
            ),
            Action(
                "热菜补餐每10分钟巡检一次 Refill hot dishes on a 10-minute round",
                "handling",
                "fnb@cloudhill.example",
                10,
                "done",
            ),
            Action(
                "前台入住时告知早餐高峰时段 Front desk tells arriving guests the quiet hours",
                "training",
                "frontoffice@cloudhill.example",
                21,
                "done",
            ),
        ),
    ),  # fmt: skip
    Plan(
        ("wifi", "wi-fi", "网络", "无线", "断线", "掉线", "dropping"),
        ("wifi", "wi-fi", "网络"),
        "上海两店 Wi-Fi 断线投诉减少一半 Halve Wi-Fi complaints at the Shanghai hotels",
        "manager@cloudhill.example",
        14,
        0.5,
        8,
        (
            Action(
                "升级无线控制器固件 Upgrade the wireless controller firmware",
                "facilities",
                "engineer@cloudhill.example",
                3,
                "done",
            ),
            Action(
                "每晚检查掉线日志 Check the drop log every night",
                "handling",
                "engineer@cloudhill.example",
                14,
                "doing",
            ),
            Action(
                "更换高楼层接入点 Replace the access points on the upper floors",
                "facilities",
                "engineer@cloudhill.example",
                42,
                "todo",
            ),
        ),
    ),  # fmt: skip
)


def load(org_id: int) -> list[int]:
    """Discover the themes of two months ago (their alerts, as of then), start each plan's
    initiative from its alert, then discover this week's themes as the scheduler does. The
    initiatives' ids."""
    now = utcnow()
    alerted = now - timedelta(days=ALERTED_DAYS_AGO)
    with session_scope(readonly=True) as db:
        found = themes.plan(db=db, org_id=org_id, end=alerted)
    with session_scope() as db, writing(db):
        run = themes.apply(db=db, plan=found)
        db.flush()
        # They were raised then, and their e-mail went out then: not again today.
        raised = db.scalars(
            select(Alert).join(Theme, Theme.id == Alert.theme_id).where(Theme.run_id == run.id)
        )
        alerts = {a.id: a for a in raised}
        db.execute(update(ThemeRun).where(ThemeRun.id == run.id).values(created_at=alerted))
        db.execute(update(Alert).where(Alert.id.in_(alerts)).values(created_at=alerted))
        queued = db.scalars(select(OutboxMessage).where(OutboxMessage.task == themes.ALERT))
        old = [m.id for m in queued if m.payload.get("alert_id") in alerts]
        db.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(old)))
        terms = {a.id: db.get(Theme, a.theme_id).terms for a in alerts.values() if a.theme_id}  # type: ignore[union-attr]
        people = {u.email: u.id for u in accounts.list_users(db=db, org_id=org_id)}
        made, acted = [], set()
        for plan in PLANS:
            alert_id = _about(terms, plan.words)
            if alert_id is None:
                continue
            made.append(_start(db, org_id, plan, alert_id, alerted, people))
            acted.add(alert_id)
        # The others were looked at then and judged not worth an initiative.
        for alert in alerts.values():
            if alert.id not in acted:
                alert.acknowledged_at = alerted + timedelta(hours=5)
                alert.acknowledged_by = f"web:{PLANS[0].owner}"
    schedule_themes()
    drain()
    return made


def _about(terms: dict[int, list[str]], words: tuple[str, ...]) -> int | None:
    """The alert whose theme's naming words say it is about one of `words` (the earliest)."""
    for alert_id, named in sorted(terms.items()):
        if any(w in t.lower() for t in named[:3] for w in words):
            return alert_id
    return None


def _start(
    db: Session, org_id: int, plan: Plan, alert_id: int, alerted: datetime, people: dict[str, int]
) -> int:
    """The initiative from the alert, as the page starts it (the goal a cut of the baseline), and
    the actions with their owners."""
    started = alerted + timedelta(days=plan.days_after_alert, hours=3)
    actor = Actor.user(people[plan.owner], plan.owner)
    initiative = initiatives.create(
        db=db,
        org_id=org_id,
        actor=actor,
        data={
            "title": plan.title,
            "origin_kind": "alert",
            "origin_ref": str(alert_id),
            "terms": list(plan.terms),
            "cut": plan.cut,
            "deadline": (started + timedelta(weeks=plan.weeks)).date(),
            "started_at": started,
            "owner_id": people.get(plan.owner),
        },
    )
    initiative.created_at = started
    for action in plan.actions:
        done = initiatives.add_action(
            db=db,
            org_id=org_id,
            initiative_id=initiative.id,
            title=action.title,
            process_step=action.process_step,
            owner_id=people.get(action.owner),
            due=(started + timedelta(days=action.days)).date(),
        )
        done.created_at = started
        if action.status != "todo":
            initiatives.update_action(db=db, org_id=org_id, action_id=done.id, status=action.status)
            if done.done_at is not None:
                done.done_at = started + timedelta(days=action.days)
    return initiative.id
