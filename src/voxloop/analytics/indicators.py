"""Indicators per period (and group) from the analytics store, each with n, a confidence
interval and, against the previous period of the same group, the p value of the change."""

import math
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scipy import stats as sps

from voxloop.analytics import metrics, stats, store
from voxloop.common.time import as_utc

PERIODS = ("day", "week", "month")
Z95 = 1.959963984540054
ALPHA = 0.05  # the level at which every page and report calls a change significant

# What each source can be grouped and filtered by: its own columns, and the customer's
# segment, value tier and region (from the customer directory).
COLUMNS = {
    "clocks": ("channel",),
    "responses": (
        "survey_id", "channel", "branch", "language", "mode", "department_id", "product", "touchpoint",
    ),
    "feedback": (
        "channel", "branch", "language", "type", "category", "department_id", "product", "touchpoint",
        "sentiment",
    ),
    "follow_ups": (
        "survey_id", "channel", "branch", "language", "department_id", "product", "touchpoint",
    ),
}  # fmt: skip
CUSTOMER = ("segment", "value_tier", "region")
# ... and, where there is a branch, its city (from the organization's branch list).
BRANCH = ("city",)
GROUPS = {k: (*v, *(BRANCH if "branch" in v else ()), *CUSTOMER) for k, v in COLUMNS.items()}
# Deadlines are filtered by the feedback they belong to.
FILTERS = {**GROUPS, "clocks": GROUPS["feedback"]}


def _query(
    *,
    org_id: int,
    metric: str,
    period: str | None,
    group_by: str | None,
    start: datetime,
    end: datetime,
    filters: dict[str, Any] | None,
    tz: str = "UTC",
) -> tuple[str, list[Any]]:
    """The DuckDB query for a metric's (n, a, b) per period and group; one row for the whole
    window when `period` is None. The store holds UTC; periods are days, weeks and months of
    the time zone `tz` (the organization's)."""
    m = metrics.get(metric)
    source = m.source
    if period is not None and period not in PERIODS:
        raise ValueError(f"period: one of {', '.join(PERIODS)}")
    if group_by is not None and group_by not in GROUPS[source]:
        raise ValueError(f"group_by: one of {', '.join(GROUPS[source])} for {metric}")
    filters = {k: v for k, v in (filters or {}).items() if v is not None}
    bad = [k for k in filters if k not in FILTERS[source]]
    if bad:
        raise ValueError(f"{bad[0]}: cannot filter {metric} by it")
    table, at = metrics.TABLES[source].name, metrics.TABLES[source].at
    where = ["f.org_id = ?", f"f.{at} >= ?", f"f.{at} < ?"]
    params: list[Any] = [org_id, _stored(start), _stored(end)]
    for key, value in filters.items():
        condition, args = _condition(key, value, org_id)
        if source == "clocks" and key != "channel":
            inner = f"SELECT id FROM feedback_facts f WHERE f.org_id = ? AND {condition}"  # noqa: S608  filter keys are allow-listed
            condition = f"f.feedback_id IN ({inner})"
            args = [org_id, *args]
        where.append(condition)
        params.extend(args)
    if source != "clocks":
        where.append("NOT f.flagged")
    if source == "responses" and "survey_id" not in filters:
        # a re-survey after a follow-up is counted in the recovery rate; in the organization's
        # NPS it would count a detractor twice (its own survey still shows it)
        where.append("f.resurvey IS NOT TRUE")
    join = ""
    if group_by in CUSTOMER:
        join = " LEFT JOIN customer_facts c ON c.id = f.customer_id"
    elif group_by in BRANCH:
        join = " LEFT JOIN branch_facts b ON b.org_id = f.org_id AND b.name = f.branch"
    table_of = "c" if group_by in CUSTOMER else "b" if group_by in BRANCH else "f"
    group = f"{table_of}.{group_by}" if group_by else "NULL"
    if m.where:
        where.append(m.where)
    bucket = "NULL"
    if period:  # the stored UTC time read on the zone's clock, then cut to its period
        bucket = f"date_trunc('{period}', timezone(?, timezone('UTC', f.{at})))"
        params.insert(0, tz)
    sql = (
        # identifiers come from the metric registry and allow-lists checked above; values are bound
        f"SELECT {bucket} AS p, {group} AS g, {m.measures} FROM {table} f{join} "  # noqa: S608
        f"WHERE {' AND '.join(where)} GROUP BY 1, 2 ORDER BY 2 NULLS FIRST, 1"
    )
    return sql, params


def _stored(at: datetime) -> datetime:
    """A time as the store holds it: UTC, without a zone (a naive time is UTC already)."""
    return as_utc(at).replace(tzinfo=None)


def _condition(key: str, value: Any, org_id: int) -> tuple[str, list[Any]]:
    """The WHERE condition for one filter on a fact table aliased `f`."""
    if key in CUSTOMER:
        return (
            f"f.customer_id IN (SELECT id FROM customer_facts WHERE org_id = ? AND {key} = ?)",  # noqa: S608  key in CUSTOMER
            [org_id, value],
        )
    if key in BRANCH:
        sql = f"f.branch IN (SELECT name FROM branch_facts WHERE org_id = ? AND {key} = ?)"  # noqa: S608  key in BRANCH
        return sql, [org_id, value]
    return f"f.{key} = ?", [value]


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


def by_group(
    *,
    org_id: int,
    metric: str,
    group_by: str,
    start: datetime,
    end: datetime,
    filters: dict[str, Any] | None = None,
) -> dict[Any, dict[str, Any]]:
    """A metric over one window per group (None: records without one), each with n and CI."""
    sql, params = _query(
        org_id=org_id, metric=metric, period=None, group_by=group_by, start=start, end=end, filters=filters
    )
    with store.connect(read_only=True) as conn:
        rows = conn.execute(sql, params).fetchall()
    return {g: _value(metric, int(n), a, b) for _, g, n, a, b in rows if n}


def change(
    metric: str, before: tuple[Any, ...], after: tuple[Any, ...], *, kind: metrics.Kind | None = None
) -> dict[str, Any]:
    """The test of the change between two windows (the right one for the metric) and its
    effect size: Cohen's h for rates, Hedges' g for mean scores, the difference for NPS. With
    fewer than 2 answers on either side there is no test: not enough data yet. `kind` is for a
    measure that is no indicator (an initiative's share of mentions)."""
    (n0, a0, b0), (n1, a1, b1) = before, after
    if min(n0, n1) < 2:
        return {"test": None, "p": None, "effect": None, "effect_size": None}
    kind = kind or metrics.get(metric).kind
    p, test = _test_change(kind, before, after)
    effect: float | None
    if kind == "median":
        effect, name = float(a1) - float(a0), "difference"
    elif kind == "mean":
        pooled = math.sqrt(((n0 - 1) * float(b0 or 0) + (n1 - 1) * float(b1 or 0)) / (n0 + n1 - 2))
        correction = 1 - 3 / (4 * (n0 + n1) - 9)
        effect = (float(a1) - float(a0)) / pooled * correction if pooled else None
        name = "hedges_g"
    elif kind == "nps":
        effect, name = 100 * ((int(a1) - int(b1)) / n1 - (int(a0) - int(b0)) / n0), "difference"
    else:
        effect = 2 * math.asin(math.sqrt(int(a1) / n1)) - 2 * math.asin(math.sqrt(int(a0) / n0))
        name = "cohens_h"
    return {
        "test": test,
        "p": p,
        "effect": name,
        "effect_size": round(effect, 4) if effect is not None else None,
    }


def indicators(
    *,
    org_id: int,
    metric: str,
    period: str = "month",
    group_by: str | None = None,
    start: datetime,
    end: datetime,
    filters: dict[str, Any] | None = None,
    target: float | None = None,
    tz: str = "UTC",
) -> list[dict[str, Any]]:
    """Each period's (and group's) value with n and its 95 % interval; `p_change`, the test of
    the change from the group's last period with data (`compared_with`, after `empty_before`
    periods without any); with a target (or benchmark), `p_target`, the test of the difference
    from it (exact binomial for rates, one-sample t for means, adjusted Wald z for NPS).
    Periods are those of the time zone `tz`, each named by its first day there."""
    sql, params = _query(
        org_id=org_id, metric=metric, period=period, group_by=group_by, start=start, end=end,
        filters=filters, tz=tz,
    )  # fmt: skip
    with store.connect(read_only=True) as conn:
        rows = conn.execute(sql, params).fetchall()
    out: list[dict[str, Any]] = []
    previous: dict[Any, tuple[date, tuple[Any, ...]]] = {}
    for p, g, n, a, b in rows:
        summary, day = (int(n), a, b), p.date()
        row = {"period": day.isoformat(), "group": g, **_value(metric, *summary)}
        row["p_change"] = row["compared_with"] = None
        row["empty_before"] = 0
        if g in previous:
            # a period with no data is not a row: say how many were skipped, and against which
            # period the change is tested
            prior_day, prior = previous[g]
            row["p_change"] = _p_change(metric, prior, summary)
            row["compared_with"] = prior_day.isoformat()
            row["empty_before"] = _periods_between(period, prior_day, day)
        if target is not None:
            row["target"] = target
            row["p_target"] = _p_target(metric, summary, target)
        previous[g] = (day, summary)
        out.append(row)
    return out


def _periods_between(period: str, earlier: date, later: date) -> int:
    """How many whole periods lie strictly between two period starts."""
    if period == "month":
        return (later.year - earlier.year) * 12 + later.month - earlier.month - 1
    return (later - earlier).days // (7 if period == "week" else 1) - 1


def scorecard(
    *,
    org_id: int,
    now: datetime,
    filters: dict[str, Any] | None = None,
    targets: dict[str, float] | None = None,
    tz: str = "UTC",
) -> dict[str, Any]:
    """Every metric this month so far and last month (each row with n, CI, p_change and, where
    the metric has a target, p_target), and the monthly series of each over the past year;
    months are those of the time zone `tz`."""
    now = as_utc(now).astimezone(ZoneInfo(tz))
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last = (month - timedelta(days=1)).replace(day=1).date().isoformat()
    out: dict[str, Any] = {}
    for metric in metrics.NAMES:
        rows = indicators(
            org_id=org_id, metric=metric, period="month", start=month - timedelta(days=366), end=now,
            filters=filters, target=(targets or {}).get(metric), tz=tz,
        )  # fmt: skip
        by_period = {r["period"]: r for r in rows}
        out[metric] = {
            "now": by_period.get(month.date().isoformat()),
            "before": by_period.get(last),
            "rows": rows,
        }
    return out


def _value(metric: str, n: int, a: Any, b: Any) -> dict[str, Any]:
    m = metrics.get(metric)
    if m.kind == "median":
        return _median(n, float(a), list(b))
    if m.kind == "nps":
        return _nps(n, int(a), int(b))
    if m.kind == "mean":
        return _mean(n, float(a), float(b) if b is not None else None, m.range)
    return _rate(int(a), n)


def _rate(events: int, n: int) -> dict[str, Any]:
    """A share with Wilson's interval, written out: the same numbers as statsmodels'
    `proportion_confint(method="wilson")`, without its per-call overhead on every row."""
    if n == 0:
        return {"value": None, "n": 0, "ci_low": None, "ci_high": None}
    p, z2 = events / n, Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return {"value": p, "n": n, "ci_low": centre - half, "ci_high": centre + half}


def _nps(n: int, promoters: int, detractors: int) -> dict[str, Any]:
    p_p, p_d = promoters / n, detractors / n
    score = p_p - p_d
    spread = math.sqrt(max(p_p + p_d - score**2, 0.0))  # of one answer scored +1, 0, -1
    low, high = stats.nps_interval(n, promoters, detractors)
    return {
        "value": round(100 * score, 4),
        "n": n,
        "ci_low": round(100 * low, 4),
        "ci_high": round(100 * high, 4),
        "sd": round(100 * spread, 4),
    }


def _mean(n: int, mean: float, var: float | None, scale: tuple[float, float]) -> dict[str, Any]:
    """A mean with its t interval, clipped to the answer scale (n = 3 can reach past 5)."""
    if n < 2 or var is None:
        return {"value": mean, "n": n, "ci_low": None, "ci_high": None, "sd": None}
    half = sps.t.ppf(0.975, n - 1) * math.sqrt(var / n)
    low, high = max(mean - half, scale[0]), min(mean + half, scale[1])
    return {"value": mean, "n": n, "ci_low": low, "ci_high": high, "sd": math.sqrt(var)}


def _median(n: int, median: float, values: list[float]) -> dict[str, Any]:
    """A median with its distribution-free 95 % interval (the binomial order statistics, as
    scipy's quantile_test gives it); none below 6 values, where no pair of order statistics
    covers 95 %."""
    low = high = None
    if n >= 6:
        ci = sps.quantile_test(values, q=median, p=0.5).confidence_interval(0.95)
        low, high = float(ci.low), float(ci.high)
    return {"value": median, "n": n, "ci_low": low, "ci_high": high}


def control_chart(metric: str, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The control chart of a series of periods: an X-bar chart for scores (each period a
    subgroup of answers; an individuals chart when every period has one answer), a p-chart for
    rates; `signals` lists the periods out of control, `rules` the rules applied, and `charted`
    is False when there is not enough variation to set limits."""
    rows = [r for r in rows if r["n"] and r["value"] is not None]
    m = metrics.get(metric)
    if len(rows) < 2 or m.kind == "median":  # medians of skewed hours: no Shewhart limits
        return None
    scores = m.kind in ("nps", "mean")
    if scores and all(r["n"] == 1 for r in rows):
        chart = stats.individuals_chart([r["value"] for r in rows])
        chart["points"] = [r["value"] for r in rows]
        chart["upper"], chart["lower"] = [chart["upper"]] * len(rows), [chart["lower"]] * len(rows)
        kind = "individuals"
    elif scores:
        chart = stats.xbar_chart(
            [r["value"] for r in rows], [r["n"] for r in rows], [(r["sd"] or 0.0) ** 2 for r in rows]
        )
        kind = "xbar"
    else:
        chart = stats.p_chart([round(r["value"] * r["n"]) for r in rows], [r["n"] for r in rows])
        kind = "p"
    if scores:
        # 3-sigma limits of a few answers reach past the scale (an upper limit of 5.6 on CSAT
        # 1-5): no answer can get there, so the chart stops at the scale's ends
        low, high = m.range
        chart["upper"] = [None if u is None else min(u, high) for u in chart["upper"]]
        chart["lower"] = [None if u is None else max(u, low) for u in chart["lower"]]
    chart["signals"] = sorted({*chart["beyond_limits"], *chart["runs"]})
    return {**chart, "kind": kind, "periods": [r["period"] for r in rows]}


def _two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def _p_change(metric: str, before: tuple[Any, ...], now: tuple[Any, ...]) -> float | None:
    """The two-sided p value of the change from the previous period."""
    if min(before[0], now[0]) < 2:
        return None
    return _test_change(metrics.get(metric).kind, before, now)[0]


def _test_change(
    kind: metrics.Kind, before: tuple[Any, ...], now: tuple[Any, ...]
) -> tuple[float | None, str]:
    """The p value of a change and the test's name; defined wherever both sides have 2 answers,
    also when neither varies (all promoters, all fives, no complaints)."""
    (n0, a0, b0), (n1, a1, b1) = before, now
    if kind == "median":
        return float(sps.mannwhitneyu(list(b1), list(b0)).pvalue), "Mann-Whitney U"
    if kind == "nps":
        return stats.nps_change_test((n0, int(a0), int(b0)), (n1, int(a1), int(b1)))
    if kind == "mean":
        return _mean_change(before, now)
    # two-proportion z test with the pooled share (statsmodels' proportions_ztest, written out)
    pooled = (int(a0) + int(a1)) / (n0 + n1)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    # a pooled share of 0 or 1: both periods the same, nothing changed
    return (_two_sided((int(a1) / n1 - int(a0) / n0) / se) if se else 1.0), "two-proportion z"


def _mean_change(before: tuple[Any, ...], now: tuple[Any, ...]) -> tuple[float | None, str]:
    """Welch's t test of two means (count, mean, variance); a z test with the pooled variance
    where neither period varies."""
    (n0, a0, b0), (n1, a1, b1) = before, now
    if b0 is None or b1 is None:
        return None, "Welch t"
    if float(b0) or float(b1):
        t = sps.ttest_ind_from_stats(
            float(a1), math.sqrt(float(b1)), n1, float(a0), math.sqrt(float(b0)), n0, equal_var=False
        )
        return float(t.pvalue), "Welch t"
    # every answer in each period the same: Welch's variance is 0, the pooled one is not
    grand = (n0 * float(a0) + n1 * float(a1)) / (n0 + n1)
    var = (n0 * (float(a0) - grand) ** 2 + n1 * (float(a1) - grand) ** 2) / (n0 + n1 - 1)
    if not var:
        return 1.0, "z (pooled variance)"
    return _two_sided((float(a1) - float(a0)) / math.sqrt(var * (1 / n0 + 1 / n1))), "z (pooled variance)"


def _p_target(metric: str, summary: tuple[Any, ...], target: float) -> float | None:
    """The two-sided p value of the difference between a period's value and a target, in the
    metric's own units (NPS points, a mean score, a share 0-1)."""
    n, a, b = summary
    if n < 2:
        return None
    kind = metrics.get(metric).kind
    if kind == "median":  # the sign test of the median against the target
        return float(sps.quantile_test(list(b), q=target, p=0.5).pvalue)
    if kind == "nps":
        # the adjusted Wald of the interval (stats.nps_interval): defined at -100 and +100
        m = n + sum(stats.NPS_PSEUDO)
        pp, dd = (int(a) + stats.NPS_PSEUDO[2]) / m, (int(b) + stats.NPS_PSEUDO[0]) / m
        return _two_sided((pp - dd - target / 100) / math.sqrt((pp + dd - (pp - dd) ** 2) / m))
    if kind == "mean":
        return _p_mean_target(n, a, b, target)
    if not 0 <= target <= 1:
        return None
    return float(sps.binomtest(int(a), n, target).pvalue)


def _p_mean_target(n: int, mean: Any, variance: Any, target: float) -> float | None:
    """The one-sample t test of a mean against a target."""
    if variance is None:
        return None
    if not float(variance):  # every answer the same: the sign test of n answers on one side
        return 1.0 if float(mean) == target else min(1.0, 2 * 0.5**n)
    t = (float(mean) - target) / math.sqrt(float(variance) / n)
    return float(2 * sps.t.sf(abs(t), n - 1))
