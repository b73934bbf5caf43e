"""Initiatives: creating one from an alert, a theme, a category or a touchpoint with its baseline
computed, actions, linked feedback, the evaluation, closing, and the recurrence watch."""

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from voxloop.accounts.models import User
from voxloop.analytics import indicators, metrics, stats
from voxloop.audit import service as audit
from voxloop.audit.service import Actor
from voxloop.common.i18n import N_
from voxloop.common.time import as_utc, utcnow
from voxloop.errors import Conflict, NotFound, invalid
from voxloop.feedback.models import Feedback
from voxloop.initiatives import evaluation as judge
from voxloop.initiatives.models import Initiative, InitiativeAction, InitiativeLink
from voxloop.themes.models import Alert, Theme, ThemeMember

# The indicators, and the one an initiative may have of its own: the share of records that
# mention a theme's words (counted on the records, as the words are the initiative's).
MENTIONS = "mention_share"
METRICS = (*metrics.NAMES, MENTIONS)
INCREASING = tuple(m.name for m in metrics.REGISTRY if m.increasing)
RATES = (*metrics.RATES, MENTIONS)
ORIGINS = ("alert", "theme", "category", "touchpoint", "manual")
# The steps of the service process an action can change, with their names on the pages.
PROCESS_STEPS = {
    "intake": N_("intake"), "triage": N_("triage"), "dispatch": N_("dispatch"),
    "handling": N_("handling"), "reply": N_("reply"), "follow_up": N_("follow-up"),
    "facilities": N_("facilities"), "product": N_("product or service"),
    "training": N_("training"), "policy": N_("policy"),
}  # fmt: skip
RECURRENCE = "recurrence"
WATCH_DAYS = 180


def _mentions(db: Session, org_id: int, terms: list[str], start: datetime, end: datetime) -> tuple[int, int]:
    """(records, records mentioning any of the words) received in [start, end), spam left out."""
    texts = db.scalars(
        select(Feedback.description).where(
            Feedback.org_id == org_id,
            Feedback.received_at >= start,
            Feedback.received_at < end,
            Feedback.flag.is_(None),
        )
    ).all()
    words = [t.lower() for t in terms if t]
    return len(texts), sum(1 for t in texts if any(w in t.lower() for w in words))


def window(
    db: Session,
    org_id: int,
    metric: str,
    filters: dict[str, Any],
    terms: list[str],
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    """The metric over [start, end): value, n, 95 % CI and the summary the tests compare."""
    if metric == MENTIONS:
        n, hits = _mentions(db, org_id, terms, start, end)
        ci = stats.proportion_ci(hits, n).as_dict() if n else {"ci_low": None, "ci_high": None}
        return {**ci, "value": hits / n if n else None, "n": n, "summary": (n, hits, 0)}
    return indicators.totals(org_id=org_id, metric=metric, start=start, end=end, filters=filters)


def create(*, db: Session, org_id: int, actor: Actor, data: dict[str, Any]) -> Initiative:
    """The caller commits."""
    kind, ref = data["origin_kind"], data.get("origin_ref")
    if kind not in ORIGINS:
        raise invalid("origin_kind", f"one of {', '.join(ORIGINS)}")
    filters: dict[str, Any] = dict(data.get("filters") or {})
    terms: list[str] = list(data.get("terms") or [])
    members: list[int] = []
    if kind in ("alert", "theme"):
        theme = _theme(db, org_id, kind, ref)
        terms = terms or theme.terms[:3]
        members = list(db.scalars(select(ThemeMember.feedback_id).where(ThemeMember.theme_id == theme.id)))
    elif kind in ("category", "touchpoint"):
        if not ref:
            raise invalid("origin_ref", f"name the {kind}")
        filters.setdefault(kind, ref)
    metric = data.get("metric") or (MENTIONS if terms else "negative_share")
    if metric not in METRICS:
        raise invalid("metric", f"one of {', '.join(METRICS)}")
    if metric == MENTIONS and not terms:
        raise invalid("terms", "the mention_share metric needs the words to look for")
    started = as_utc(data.get("started_at") or utcnow())
    days = int(data.get("baseline_days") or 56)
    base = window(db, org_id, metric, filters, terms, started - timedelta(days=days), started)
    direction = data.get("direction") or ("increase" if metric in INCREASING else "decrease")
    initiative = Initiative(
        org_id=org_id,
        title=data["title"],
        origin_kind=kind,
        origin_ref=str(ref) if ref is not None else None,
        metric=metric,
        filters=filters,
        terms=terms,
        direction=direction,
        baseline_days=days,
        baseline_value=base["value"],
        baseline_n=base["n"],
        target_value=_target(data.get("target_value"), data.get("cut"), direction, base["value"]),
        started_at=started,
        deadline=data["deadline"],
        owner_id=data.get("owner_id"),
        created_at=utcnow(),
    )
    db.add(initiative)
    db.flush()
    link(db=db, org_id=org_id, initiative_id=initiative.id, feedback_ids=members)
    after = {"title": initiative.title, "metric": metric, "target": initiative.target_value}
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="create",
        entity="initiative",
        entity_id=initiative.id,
        after=after,
    )
    return initiative


def _target(target: float | None, cut: float | None, direction: str, baseline: float | None) -> float:
    """The goal as a value, or as a relative change of the baseline ("down 50 %": cut 0.5), which
    a manager starting from an alert can state before the baseline is known."""
    if cut is None:
        if target is None:
            raise invalid("target_value", "give a target value or the cut (a share of the baseline)")
        return float(target)
    if not 0 < cut < 1:
        raise invalid("cut", "a share of the baseline between 0 and 1 (0.5: by half)")
    if baseline is None:
        raise invalid("cut", "no baseline to cut: no records in the baseline window")
    return round(baseline * (1 - cut if direction == "decrease" else 1 + cut), 4)


def _theme(db: Session, org_id: int, kind: str, ref: Any) -> Theme:
    theme_id = ref
    if kind == "alert":
        alert = db.scalar(select(Alert).where(Alert.org_id == org_id, Alert.id == int(ref or 0)))
        if alert is None or alert.theme_id is None:
            raise invalid("origin_ref", "no such alert with a theme")
        theme_id = alert.theme_id
    theme = db.scalar(select(Theme).where(Theme.org_id == org_id, Theme.id == int(theme_id or 0)))
    if theme is None:
        raise invalid("origin_ref", "no such theme")
    return theme


def get(*, db: Session, org_id: int, initiative_id: int) -> Initiative:
    initiative = db.scalar(
        select(Initiative).where(Initiative.org_id == org_id, Initiative.id == initiative_id)
    )
    if initiative is None:
        raise NotFound()
    return initiative


def list_initiatives(*, db: Session, org_id: int) -> list[Initiative]:
    return list(
        db.scalars(select(Initiative).where(Initiative.org_id == org_id).order_by(Initiative.id.desc()))
    )


def by_alert(*, db: Session, org_id: int, alert_ids: list[int]) -> dict[int, Initiative]:
    """The initiative started from each of these alerts (the first, where there are several)."""
    refs = [str(a) for a in alert_ids]
    started = db.scalars(
        select(Initiative)
        .where(
            Initiative.org_id == org_id, Initiative.origin_kind == "alert", Initiative.origin_ref.in_(refs)
        )
        .order_by(Initiative.id.desc())
    )
    return {int(i.origin_ref): i for i in started if i.origin_ref}


def actions(*, db: Session, org_id: int, initiative_id: int) -> list[InitiativeAction]:
    return list(
        db.scalars(
            select(InitiativeAction)
            .where(InitiativeAction.org_id == org_id, InitiativeAction.initiative_id == initiative_id)
            .order_by(InitiativeAction.id)
        )
    )


def add_action(
    *,
    db: Session,
    org_id: int,
    initiative_id: int,
    title: str,
    process_step: str,
    owner_id: int | None,
    due: date | None,
) -> InitiativeAction:
    get(db=db, org_id=org_id, initiative_id=initiative_id)
    if process_step not in PROCESS_STEPS:
        raise invalid("process_step", f"one of {', '.join(PROCESS_STEPS)}")
    if (
        owner_id is not None
        and db.scalar(select(User.id).where(User.org_id == org_id, User.id == owner_id)) is None
    ):
        raise invalid("owner_id", "a user of the organization")
    action = InitiativeAction(
        org_id=org_id,
        initiative_id=initiative_id,
        title=title,
        process_step=process_step,
        owner_id=owner_id,
        due=due,
    )
    db.add(action)
    db.flush()
    return action


def update_action(*, db: Session, org_id: int, action_id: int, status: str) -> InitiativeAction:
    action = db.scalar(
        select(InitiativeAction).where(InitiativeAction.org_id == org_id, InitiativeAction.id == action_id)
    )
    if action is None:
        raise NotFound()
    if status not in ("todo", "doing", "done"):
        raise invalid("status", "one of todo, doing, done")
    action.status = status
    action.done_at = utcnow() if status == "done" else None
    return action


def link(*, db: Session, org_id: int, initiative_id: int, feedback_ids: list[int]) -> int:
    """Link records (cases) to the initiative; unknown, foreign and already-linked ids are skipped."""
    mine = set(
        db.scalars(select(Feedback.id).where(Feedback.org_id == org_id, Feedback.id.in_(feedback_ids)))
    )
    linked = set(
        db.scalars(select(InitiativeLink.feedback_id).where(InitiativeLink.initiative_id == initiative_id))
    )
    new = sorted(mine - linked)
    if new:
        db.execute(
            insert(InitiativeLink.__table__),
            [{"org_id": org_id, "initiative_id": initiative_id, "feedback_id": f} for f in new],
        )
    return len(new)


def linked_count(*, db: Session, initiative_id: int) -> int:
    return len(
        db.scalars(
            select(InitiativeLink.feedback_id).where(InitiativeLink.initiative_id == initiative_id)
        ).all()
    )


def evaluate(
    *, db: Session, org_id: int, initiative: Initiative, now: datetime | None = None
) -> dict[str, Any]:
    """Before (the baseline window) against after (from the start until now): values with n and
    CI, the test and effect size, the verdict, and a weekly chart with the intervention marked."""
    now = now or utcnow()
    started = as_utc(initiative.started_at)
    before = window(db, org_id, initiative.metric, initiative.filters, initiative.terms,
                    started - timedelta(days=initiative.baseline_days), started)  # fmt: skip
    after = window(db, org_id, initiative.metric, initiative.filters, initiative.terms, started, now)
    test = indicators.change(
        initiative.metric, before.pop("summary"), after.pop("summary"),
        kind="rate" if initiative.metric == MENTIONS else None,
    )  # fmt: skip
    result = judge.verdict(initiative.direction, initiative.target_value, before, after, test)
    return {
        "metric": initiative.metric,
        "direction": initiative.direction,
        "target": initiative.target_value,
        "before": before,
        "after": after,
        "test": test,
        "verdict": result,
        "chart": _chart(db, org_id, initiative, started - timedelta(days=initiative.baseline_days), now),
    }


def _chart(
    db: Session, org_id: int, initiative: Initiative, start: datetime, end: datetime
) -> dict[str, Any]:
    """Weekly values; for rates a p-chart (centre and 3-sigma limits from the weeks before the
    intervention); `intervention` is the index of the first week after it."""
    weeks, events, totals = [], [], []
    values: list[float | None] = []
    at = start
    while at < end:
        stop = min(at + timedelta(days=7), end)
        w = window(db, org_id, initiative.metric, initiative.filters, initiative.terms, at, stop)
        n, a, _ = w["summary"]
        weeks.append(at.date().isoformat())
        values.append(w["value"])
        events.append(int(a or 0) if initiative.metric in RATES else 0)
        totals.append(int(n))
        at = stop
    started = as_utc(initiative.started_at)
    intervention = next((i for i, w in enumerate(weeks) if w >= started.date().isoformat()), len(weeks))
    chart: dict[str, Any] = {"weeks": weeks, "values": values, "n": totals, "intervention": intervention}
    if initiative.metric in RATES and any(totals[:intervention]):
        limits = stats.p_chart(events[:intervention], totals[:intervention])
        centre = limits["centre"]
        sigma = [(centre * (1 - centre) / n) ** 0.5 if n else None for n in totals]
        chart["centre"] = centre
        chart["upper"] = [min(centre + 3 * s, 1.0) if s is not None else None for s in sigma]
        chart["lower"] = [max(centre - 3 * s, 0.0) if s is not None else None for s in sigma]
    return chart


def close(*, db: Session, org_id: int, actor: Actor, initiative_id: int) -> Initiative:
    """Close with the verdict of the evaluation; the recurrence watch starts. The caller commits."""
    initiative = get(db=db, org_id=org_id, initiative_id=initiative_id)
    if initiative.status == "closed":
        raise Conflict("This initiative is closed already.")
    initiative.verdict = evaluate(db=db, org_id=org_id, initiative=initiative)["verdict"]
    initiative.status, initiative.closed_at = "closed", utcnow()
    after = {"verdict": initiative.verdict}
    audit.record(
        db=db,
        org_id=org_id,
        actor=actor,
        action="close",
        entity="initiative",
        entity_id=initiative.id,
        after=after,
    )
    return initiative


def recurring(*, db: Session, org_id: int, terms: list[str]) -> list[Initiative]:
    """Initiatives closed in the last WATCH_DAYS about the same problem as a theme's words."""
    since = utcnow() - timedelta(days=WATCH_DAYS)
    closed = db.scalars(
        select(Initiative).where(
            Initiative.org_id == org_id, Initiative.status == "closed", Initiative.closed_at >= since
        )
    )
    return [i for i in closed if i.terms and judge.shared_terms(i.terms, terms)]
