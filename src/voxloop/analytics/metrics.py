"""Every indicator, declared once: the fact table it is counted in, the SQL that measures it,
its kind (which sets its interval, its tests and its chart), its name in both languages, how
its value is written, the range a target may take, which way is better, and the records behind
a point of it (the inbox filters a drill-down opens). Indicators, dashboards, targets,
initiatives and reports read this table: a new indicator is one entry here, its translation
and a test (tests/analytics/test_metrics.py)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from voxloop.common.i18n import N_

Source = Literal["responses", "feedback", "clocks", "follow_ups"]
# nps: promoters minus detractors; mean: of a score on a scale; rate: a share of records;
# median: of durations (skewed: no mean, no Shewhart limits)
Kind = Literal["nps", "mean", "rate", "median"]


@dataclass(frozen=True)
class Table:
    """A fact table of the analytics store and the time its rows are counted at."""

    name: str
    at: str


TABLES: dict[Source, Table] = {
    "responses": Table("response_facts", "submitted_at"),
    "clocks": Table("clock_facts", "received_at"),
    "feedback": Table("feedback_facts", "received_at"),
    "follow_ups": Table("follow_up_facts", "submitted_at"),
}
# The 95 % interval of each kind (indicators computes them).
INTERVALS: dict[Kind, str] = {
    "nps": "adjusted Wald",
    "mean": "Student t, clipped to the scale",
    "rate": "Wilson",
    "median": "binomial order statistics",
}


@dataclass(frozen=True)
class Drill:
    """The records behind a point: the inbox's filters, and the names of its first and last
    day there."""

    query: dict[str, str]
    dates: tuple[str, str] = ("date_from", "date_to")


@dataclass(frozen=True)
class Metric:
    name: str
    label: str  # a msgid (N_), translated where it is shown
    source: Source
    kind: Kind
    # the SQL of (n, a, b) over the rows of `source` (aliased f) that pass `where`: for NPS
    # (answers, promoters, detractors), a mean (answers, mean, variance), a rate (records,
    # events, 0), a median (durations, median, the durations in order)
    measures: str
    where: str | None
    fmt: Callable[[float], str]
    range: tuple[float, float]  # of a target, in the metric's own units; a mean's answer scale
    increasing: bool  # better when it goes up
    drill: Drill | None  # None: no inbox list of the records behind a point
    scorecard: bool = True

    @property
    def interval(self) -> str:
        return INTERVALS[self.kind]


def _percent(v: float) -> str:
    return f"{max(v, 0.0):.1%}"  # an interval's bound computed as -1e-17 is 0.0 %, not -0.0 %


def _points(v: float) -> str:
    return f"{v:+.1f}"


def _score(v: float) -> str:
    return f"{v:.2f}"


def _hours(v: float) -> str:
    return f"{v:.1f} h"


def _rated(name: str) -> Drill:
    """The cases a score's answers were about: the answers scored on it, by the day they came."""
    return Drill({"rated": name}, ("rated_from", "rated_to"))


def _mean(name: str, label: str, *, scale: tuple[float, float], increasing: bool) -> Metric:
    """The mean of a survey score, the column `name`, on its answer scale."""
    return Metric(
        name=name, label=label, source="responses", kind="mean",
        measures=f"count({name}), avg({name}), var_samp({name})", where=f"{name} IS NOT NULL",
        fmt=_score, range=scale, increasing=increasing, drill=_rated(name),
    )  # fmt: skip


def _rate(
    name: str,
    label: str,
    source: Source,
    *,
    event: str,
    known: str | None = None,
    increasing: bool,
    drill: Drill | None,
    scorecard: bool = True,
) -> Metric:
    """A share of the rows of `source` in which `event` holds (of those where the column
    `known` is not null, when it can be unknown)."""
    return Metric(
        name=name, label=label, source=source, kind="rate",
        measures=f"count({known or '*'}), count(*) FILTER (WHERE {event}), 0",
        where=f"{known} IS NOT NULL" if known else None, fmt=_percent, range=(0.0, 1.0),
        increasing=increasing, drill=drill, scorecard=scorecard,
    )  # fmt: skip


# In the order the pages list them.
REGISTRY = (
    Metric(
        name="nps", label=N_("NPS"), source="responses", kind="nps",
        measures="count(nps), count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps <= 6)",
        where="nps IS NOT NULL", fmt=_points, range=(-100.0, 100.0), increasing=True,
        drill=_rated("nps"),
    ),
    _mean("csat", N_("CSAT (mean, 1-5)"), scale=(1.0, 5.0), increasing=True),
    _mean("ces", N_("CES (mean, 1-7)"), scale=(1.0, 7.0), increasing=False),
    _rate("complaint_rate", N_("Complaint rate"), "feedback", event="type = 'complaint'",
          increasing=False, drill=Drill({"type": "complaint"})),
    # records the text models or triage rules call negative
    _rate("negative_share", N_("Negative share"), "feedback", event="sentiment = 'negative'",
          increasing=False, drill=Drill({"sentiment": "negative"}), scorecard=False),
    # deadlines kept among deadlines measured; its records are those received in the period
    Metric(
        name="compliance", label=N_("Commitments kept"), source="clocks", kind="rate",
        measures="sum(measured), sum(kept), 0", where="measured > 0", fmt=_percent, range=(0.0, 1.0),
        increasing=True, drill=Drill({}),
    ),
    # Closing the loop with unhappy respondents, over the answers that met a follow-up rule:
    # answers with a case; working hours from the answer to the case's first reply (median);
    # first replies within the commitment; re-surveyed respondents won back. Their records are
    # a survey's responses (the trends page opens them), not the inbox's.
    _rate("follow_up_rate", N_("Follow-up rate"), "follow_ups", event="followed",
          increasing=True, drill=None),
    Metric(
        name="contact_time", label=N_("Contact time (median working hours)"), source="follow_ups",
        kind="median",
        # the hours themselves: a median has no sufficient summary
        measures="count(contact_hours), median(contact_hours), list(contact_hours ORDER BY contact_hours)",
        where="contact_hours IS NOT NULL", fmt=_hours, range=(0.0, 1000.0), increasing=False, drill=None,
    ),
    _rate("closed_loop_rate", N_("Closed-loop rate"), "follow_ups", event="in_time", known="in_time",
          increasing=True, drill=None),
    _rate("recovery_rate", N_("Recovery rate"), "follow_ups", event="recovered", known="recovered",
          increasing=True, drill=None),
)  # fmt: skip
METRICS = {m.name: m for m in REGISTRY}
NAMES = tuple(METRICS)
LABELS = {m.name: m.label for m in REGISTRY}
SCORECARD = tuple(m for m in REGISTRY if m.scorecard)
SCORES = tuple(m.name for m in REGISTRY if m.source == "responses")
FOLLOW_UP = tuple(m.name for m in REGISTRY if m.source == "follow_ups")
RATES = tuple(m.name for m in REGISTRY if m.kind == "rate")


def get(name: str) -> Metric:
    """The metric of that name; a ValueError names the known ones."""
    if name not in METRICS:
        raise ValueError(f"metric: one of {', '.join(NAMES)}")
    return METRICS[name]
