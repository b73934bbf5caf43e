"""Indicators per period (and group) from the analytics store, each with n, a confidence
interval and, against the previous period of the same group, the p value of the change."""

import math
from datetime import datetime, timedelta
from typing import Any

from scipy import stats as sps
from statsmodels.stats.proportion import proportions_ztest

from voxloop.analytics import stats, store
from voxloop.common.i18n import N_

PERIODS = ("day", "week", "month")
# What the scorecard shows, in order: each metric's label and how its value is written.
SCORECARD = {
    "nps": (N_("NPS"), lambda v: f"{v:+.1f}"),
    "csat": (N_("CSAT (mean, 1-5)"), lambda v: f"{v:.2f}"),
    "ces": (N_("CES (mean, 1-7)"), lambda v: f"{v:.2f}"),
    "complaint_rate": (N_("Complaint rate"), lambda v: f"{v:.1%}"),
    "compliance": (N_("Commitments kept"), lambda v: f"{v:.1%}"),
}
RESPONSE_METRICS = ("nps", "csat", "ces")
METRICS = (*RESPONSE_METRICS, "complaint_rate", "negative_share", "compliance")
GROUPS = {
    "clocks": ("channel",),
    "responses": ("survey_id", "channel", "branch", "language", "mode"),
    "feedback": (
        "channel",
        "branch",
        "language",
        "type",
        "category",
        "department_id",
        "product",
        "touchpoint",
        "sentiment",
    ),
}


def _query(
    *,
    org_id: int,
    metric: str,
    period: str | None,
    group_by: str | None,
    start: datetime,
    end: datetime,
    filters: dict[str, Any] | None,
) -> tuple[str, list[Any]]:
    """The DuckDB query for a metric's (n, a, b) per period and group; one row for the whole
    window when `period` is None."""
    source = "responses" if metric in RESPONSE_METRICS else "clocks" if metric == "compliance" else "feedback"
    if metric not in METRICS:
        raise ValueError(f"metric: one of {', '.join(METRICS)}")
    if period is not None and period not in PERIODS:
        raise ValueError(f"period: one of {', '.join(PERIODS)}")
    allowed = GROUPS[source]
    if group_by is not None and group_by not in allowed:
        raise ValueError(f"group_by: one of {', '.join(allowed)} for {metric}")
    filters = {k: v for k, v in (filters or {}).items() if v is not None}
    bad = [k for k in filters if k not in allowed]
    if bad:
        raise ValueError(f"{bad[0]}: cannot filter {metric} by it")
    table, at = {
        "responses": ("response_facts", "submitted_at"),
        "clocks": ("clock_facts", "received_at"),
        "feedback": ("feedback_facts", "received_at"),
    }[source]
    group = group_by or "NULL"
    where = ["org_id = ?", f"{at} >= ?", f"{at} < ?"] + [f"{k} = ?" for k in filters]
    if source != "clocks":
        where.append("NOT flagged")
    params: list[Any] = [org_id, start.replace(tzinfo=None), end.replace(tzinfo=None), *filters.values()]
    if metric == "nps":
        measures = "count(nps), count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps <= 6)"
        where.append("nps IS NOT NULL")
    elif metric in ("csat", "ces"):
        measures = f"count({metric}), avg({metric}), var_samp({metric})"
        where.append(f"{metric} IS NOT NULL")
    elif metric == "compliance":  # deadlines kept among deadlines measured
        measures = "sum(measured), sum(kept), 0"
        where.append("measured > 0")
    elif metric == "negative_share":  # records the text models or triage rules call negative
        measures = "count(*), count(*) FILTER (WHERE sentiment = 'negative'), 0"
    else:
        measures = "count(*), count(*) FILTER (WHERE type = 'complaint'), 0"
    bucket = f"date_trunc('{period}', {at})" if period else "NULL"
    sql = (
        f"SELECT {bucket} AS p, {group} AS g, {measures} FROM {table} "
        f"WHERE {' AND '.join(where)} GROUP BY 1, 2 ORDER BY 2 NULLS FIRST, 1"
    )
    return sql, params


def totals(
    *, org_id: int, metric: str, start: datetime, end: datetime, filters: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A metric over one window: its value with n and CI, and the summary (n, a, b) that
    `change` compares."""
    sql, params = _query(
        org_id=org_id, metric=metric, period=None, group_by=None, start=start, end=end, filters=filters
    )
    with store.connect(read_only=True) as conn:
        row = conn.execute(sql, params).fetchone()
    n, a, b = (int(row[2] or 0), row[3], row[4]) if row else (0, 0, 0)
    value = _value(metric, n, a or 0, b) if n else {"value": None, "n": 0, "ci_low": None, "ci_high": None}
    return {**value, "summary": (n, a, b)}


def change(metric: str, before: tuple[Any, ...], after: tuple[Any, ...]) -> dict[str, Any]:
    """The test of the change between two windows (the right one for the metric) and its
    effect size: Cohen's h for rates, Hedges' g for mean scores, the difference for NPS."""
    p = _p_change(metric, before, after)
    (n0, a0, b0), (n1, a1, b1) = before, after
    effect: float | None = None
    if min(n0, n1) >= 2:
        if metric in ("csat", "ces") and b0 is not None and b1 is not None:
            pooled = math.sqrt(((n0 - 1) * float(b0) + (n1 - 1) * float(b1)) / (n0 + n1 - 2))
            correction = 1 - 3 / (4 * (n0 + n1) - 9)
            effect = (float(a1) - float(a0)) / pooled * correction if pooled else None
            test, name = "Welch t", "hedges_g"
        elif metric == "nps":
            effect = 100 * ((int(a1) - int(b1)) / n1 - (int(a0) - int(b0)) / n0)
            test, name = "z (multinomial variance)", "difference"
        else:
            h = 2 * math.asin(math.sqrt(int(a1) / n1)) - 2 * math.asin(math.sqrt(int(a0) / n0))
            effect, test, name = h, "two-proportion z", "cohens_h"
        return {
            "test": test,
            "p": p,
            "effect": name,
            "effect_size": round(effect, 4) if effect is not None else None,
        }
    return {"test": None, "p": None, "effect": None, "effect_size": None}


def indicators(
    *,
    org_id: int,
    metric: str,
    period: str = "month",
    group_by: str | None = None,
    start: datetime,
    end: datetime,
    filters: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    sql, params = _query(
        org_id=org_id, metric=metric, period=period, group_by=group_by, start=start, end=end, filters=filters
    )
    with store.connect(read_only=True) as conn:
        rows = conn.execute(sql, params).fetchall()
    out: list[dict[str, Any]] = []
    previous: dict[Any, tuple[Any, ...]] = {}
    for p, g, n, a, b in rows:
        row = {"period": p.date().isoformat(), "group": g, **_value(metric, int(n), a, b)}
        prior = previous.get(g)
        row["p_change"] = _p_change(metric, prior, (int(n), a, b)) if prior else None
        previous[g] = (int(n), a, b)
        out.append(row)
    return out


def scorecard(*, org_id: int, now: datetime) -> dict[str, Any]:
    """Every metric this month so far and last month (each row with n, CI and p_change), and
    the monthly series of each over the past year."""
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last = (month - timedelta(days=1)).replace(day=1).date().isoformat()
    out: dict[str, Any] = {}
    for metric in METRICS:
        rows = indicators(
            org_id=org_id, metric=metric, period="month", start=month - timedelta(days=366), end=now
        )
        by_period = {r["period"]: r for r in rows}
        out[metric] = {
            "now": by_period.get(month.date().isoformat()),
            "before": by_period.get(last),
            "rows": rows,
        }
    return out


def _value(metric: str, n: int, a: Any, b: Any) -> dict[str, Any]:
    if metric == "nps":
        return _nps(n, int(a), int(b))
    if metric in ("csat", "ces"):
        return _mean(n, float(a), float(b) if b is not None else None)
    return stats.proportion_ci(int(a), n).as_dict() | {"value": (int(a) / n) if n else None}


def _nps(n: int, promoters: int, detractors: int) -> dict[str, Any]:
    p_p, p_d = promoters / n, detractors / n
    score = p_p - p_d
    half = 1.959963984540054 * math.sqrt(max(p_p + p_d - score**2, 0.0) / n)
    return {
        "value": round(100 * score, 4),
        "n": n,
        "ci_low": round(100 * (score - half), 4),
        "ci_high": round(100 * (score + half), 4),
    }


def _mean(n: int, mean: float, var: float | None) -> dict[str, Any]:
    if n < 2 or var is None:
        return {"value": mean, "n": n, "ci_low": None, "ci_high": None}
    half = sps.t.ppf(0.975, n - 1) * math.sqrt(var / n)
    return {"value": mean, "n": n, "ci_low": mean - half, "ci_high": mean + half}


def _p_change(metric: str, before: tuple[Any, ...], now: tuple[Any, ...]) -> float | None:
    """The two-sided p value of the change from the previous period."""
    (n0, a0, b0), (n1, a1, b1) = before, now
    if min(n0, n1) < 2:
        return None
    if metric == "nps":

        def part(n: int, p: int, d: int) -> tuple[float, float]:
            pp, dd = p / n, d / n
            return pp - dd, (pp + dd - (pp - dd) ** 2) / n

        s0, v0 = part(n0, int(a0), int(b0))
        s1, v1 = part(n1, int(a1), int(b1))
        if v0 + v1 == 0:
            return None
        return float(2 * sps.norm.sf(abs(s1 - s0) / math.sqrt(v0 + v1)))
    if metric in ("csat", "ces"):
        if b0 is None or b1 is None:
            return None
        t = sps.ttest_ind_from_stats(
            float(a1), math.sqrt(float(b1)), n1, float(a0), math.sqrt(float(b0)), n0, equal_var=False
        )
        return None if math.isnan(t.pvalue) else float(t.pvalue)
    _, p = proportions_ztest([int(a1), int(a0)], [n1, n0])
    return None if math.isnan(p) else float(p)
