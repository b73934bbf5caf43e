"""What each report says, as plain data in the reader's language: the executive scorecard and
the status of improvement initiatives."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from voxloop.analytics import indicators, metrics
from voxloop.analytics import surveys as analysis
from voxloop.cases import kpis
from voxloop.common.i18n import N_, gettext
from voxloop.initiatives import service as initiatives
from voxloop.surveys import definition as d
from voxloop.surveys import service as surveys
from voxloop.triage import service as triage

TYPES = ("scorecard", "departments", "surveys", "improvement")
TITLES = {
    "scorecard": N_("Executive scorecard"),
    "departments": N_("Department performance"),
    "surveys": N_("Survey report"),
    "improvement": N_("Improvement status"),
}
VERDICTS = {
    "achieved": N_("achieved"),
    "not_yet": N_("not yet"),
    "no_significant_change": N_("no significant change"),
    "not_enough_data": N_("not enough data yet"),
}


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _significance(p: float | None, locale: str) -> str:
    """What an executive reads the change's test as (the pages mark p < 0.05 the same way)."""
    if p is None:
        return "—"
    if p < indicators.ALPHA:
        return gettext("significant change", locale)
    return gettext("no significant change", locale)


def scorecard(*, org_id: int, now: datetime, locale: str, tz: str = "UTC") -> dict[str, Any]:
    """One row per indicator: this month with its 95 % interval and n, last month, the test of
    the change; and the NPS by month for the chart."""
    figures = indicators.scorecard(org_id=org_id, now=now, tz=tz)

    def _(text: str) -> str:
        return gettext(text, locale)

    header = [
        _("Indicator"),
        _("This month"),
        _("95% CI"),
        "n",
        _("Last month"),
        _("p (change)"),
        _("Change"),
    ]
    rows = []
    for metric in metrics.SCORECARD:
        fmt = metric.fmt
        now_row, before = figures[metric.name]["now"], figures[metric.name]["before"]
        has_now = now_row and now_row["value"] is not None
        rows.append(
            [
                _(metric.label),
                fmt(now_row["value"]) if has_now else "—",
                f"{fmt(now_row['ci_low'])} – {fmt(now_row['ci_high'])}"
                if has_now and now_row["ci_low"] is not None
                else "—",
                str(now_row["n"]) if now_row else "0",
                fmt(before["value"]) if before and before["value"] is not None else "—",
                _p(now_row.get("p_change")) if now_row else "—",
                _significance(now_row.get("p_change") if now_row else None, locale),
            ]
        )
    series = [(r["period"][:7], r["value"]) for r in figures["nps"]["rows"] if r["value"] is not None]
    return {"table": [header, *rows], "chart": {"title": _("NPS by month"), "points": series}}


def improvement(*, db: Session, org_id: int, locale: str) -> dict[str, Any]:
    """One row per initiative: goal, baseline, now, target, the test and the verdict."""

    def _(text: str) -> str:
        return gettext(text, locale)

    header = [
        _("Initiative"),
        _("Goal"),
        _("Before"),
        _("After"),
        _("Target"),
        "p",
        _("Verdict"),
        _("Status"),
    ]
    rows = []
    for i in initiatives.list_initiatives(db=db, org_id=org_id):
        result = initiatives.evaluate(db=db, org_id=org_id, initiative=i)
        rate = i.metric in initiatives.RATES

        def show(v: float | None, rate: bool = rate) -> str:
            return "—" if v is None else (f"{v:.1%}" if rate else f"{v:.2f}")

        rows.append(
            [
                i.title,
                i.metric,
                show(result["before"]["value"]),
                show(result["after"]["value"]),
                show(i.target_value),
                _p(result["test"]["p"]),
                _(VERDICTS[result["verdict"]]),
                _("Closed") if i.status == "closed" else _("Open"),
            ]
        )
    return {"table": [header, *rows], "chart": None}


def departments(*, db: Session, org_id: int, now: datetime, locale: str) -> dict[str, Any]:
    """The last 30 days' cases per department: volume, median first-response and resolution
    times, resolution, first-contact resolution and reopen rates, commitments kept."""

    def _(text: str) -> str:
        return gettext(text, locale)

    figures = kpis.report(db, org_id, "department", now - timedelta(days=30), now)
    header = [_("Department"), _("Cases"), _("First response (h, median)"), _("Resolution (h, median)"),
              _("Resolved"), _("First-contact resolution"), _("Reopened"), _("Commitments kept")]  # fmt: skip

    def pct(r: dict[str, Any], key: str) -> str:
        """The rate with its denominator, "84% (42/50)": 84 % of 6 is not 84 % of 600."""
        c = r["rates"][key]
        return "—" if r[key] is None else f"{r[key]:.0%} ({c['count']}/{c['n']})"

    def num(v: float | None) -> str:
        return "—" if v is None else f"{v:.1f}"

    rows = [
        [
            r["label"] or _("No department"),
            str(r["cases"]),
            num(r["first_response_hours"]),
            num(r["resolution_hours"]),
            pct(r, "resolution_rate"),
            pct(r, "first_contact_resolution"),
            pct(r, "reopen_rate"),
            pct(r, "commitment_compliance"),
        ]  # fmt: skip
        for r in [*figures["rows"], {**figures["total"], "label": _("All")}]
    ]
    points = [(r[0], float(r[1])) for r in rows[:-1]]
    chart = {"title": _("Cases per department"), "points": points, "style": "bar"}  # categories, not a series
    return {"table": [header, *rows], "chart": chart}


def surveys_report(*, db: Session, org_id: int, locale: str) -> dict[str, Any]:
    """Each live or closed survey's responses and its indicators with 95 % intervals, and the
    reliability (Cronbach's alpha) of its rating blocks."""

    def _(text: str) -> str:
        return gettext(text, locale)

    header = [_("Survey"), _("Question"), _("Indicator"), _("Value"), _("95% CI"), "n"]
    rows = []
    for survey in surveys.list_surveys(db=db, org_id=org_id):
        if not survey.version:
            continue
        result = analysis.analyse(db=db, org_id=org_id, survey_id=survey.id)
        name = survey.name
        for question, figures in result["indicators"].items():
            for kind, f in figures.items():
                if f["value"] is None:
                    continue
                fmt = {"top2": "{:.1%}", "nps": "{:+.1f}"}.get(kind, "{:.2f}")
                value = fmt.format(f["value"])
                low, high = f["ci_low"], f["ci_high"]
                ci = f"{fmt.format(low)} – {fmt.format(high)}" if low is not None else "—"
                rows.append(
                    [name, question, kind.upper() if kind in ("nps",) else kind, value, ci, str(f["n"])]
                )
        for block, r in result["reliability"].items():
            rows.append(
                [
                    name,
                    block,
                    "alpha",
                    f"{r['alpha']:.3f}",
                    f"{r['ci_low']:.3f} – {r['ci_high']:.3f}",
                    str(r["n"]),
                ]
            )
    return {"table": [header, *rows], "chart": None}


IPA_QUADRANTS = {
    "concentrate here": N_("Concentrate here"),
    "keep up the good work": N_("Keep up the good work"),
    "low priority": N_("Low priority"),
    "possible overkill": N_("Possible overkill"),
}
THEMES = 10  # the open answers' most frequent themes a report lists


def survey_report(*, db: Session, org_id: int, survey_id: int, locale: str) -> dict[str, Any]:
    """One survey for a reader who will not open the analysis page: its headline indicators,
    the SERVQUAL gap of each dimension with its interval, reliability, weight among the drivers
    and IPA quadrant, and the themes of its open answers."""

    def _(text: str) -> str:
        return gettext(text, locale)

    survey = surveys.get(db=db, org_id=org_id, survey_id=survey_id)
    result = analysis.analyse(db=db, org_id=org_id, survey_id=survey.id)
    header = [_("Dimension"), _("Gap (P - E)"), _("95% CI"), "p", _("Reliability (alpha)"),
              _("Share of R²"), _("Quadrant"), "n"]  # fmt: skip
    rows = [header]
    servqual = result.get("servqual") or {}
    drivers = (result.get("drivers") or {}).get("drivers", {})
    ipa = (result.get("ipa") or {}).get("items", {})
    for dim, g in servqual.get("dimensions", {}).items():
        alpha = servqual.get("reliability", {}).get(dim, {}).get("alpha")
        share = drivers.get(dim, {}).get("share")
        quadrant = ipa.get(dim, {}).get("quadrant")
        rows.append(
            [
                d.dimension_name(dim, locale),
                "—" if g["gap"] is None else f"{g['gap']:+.2f}",
                "—" if g.get("ci_low") is None else f"{g['ci_low']:+.2f} – {g['ci_high']:+.2f}",
                _p(g.get("p")),
                "—" if alpha is None else f"{alpha:.3f}",
                "—" if share is None else f"{share:.0%}",
                _(IPA_QUADRANTS[quadrant]) if quadrant in IPA_QUADRANTS else "—",
                str(g["n"]),
            ]
        )
    for question, figures in result["indicators"].items():
        nps = figures.get("nps")
        if nps and nps["value"] is not None:
            ci = f"{nps['ci_low']:+.1f} – {nps['ci_high']:+.1f}" if nps["ci_low"] is not None else "—"
            rows.append([f"NPS ({question})", f"{nps['value']:+.1f}", ci, "", "", "", "", str(nps["n"])])
    themes = [[_("Experience"), _("Theme"), _("Answers"), _("For example")]]
    names = {  # a theme the category model is sure of is one of the categories, by its code
        c.code: c.name if locale == "zh_CN" else (c.name_en or c.name)
        for c in triage.list_categories(db=db, org_id=org_id)
    }
    for coded in result.get("incidents", {}).values():
        for i in coded["incidents"][:THEMES]:
            label = _("Positive") if i["incident"] == "positive" else _("Negative")
            theme = names.get(i["category"]) or i["category"] or "—"
            themes.append([label, theme, str(i["count"]), (i["examples"] or [""])[0]])
    title = f"{_('Survey report')} · {survey.name}"
    sections = [{"title": _("Themes of the open answers"), "table": themes}] if len(themes) > 1 else []
    return {"title": title, "table": rows, "sections": sections, "chart": None}


def build(
    *, db: Session, org_id: int, kind: str, now: datetime, locale: str, tz: str = "UTC"
) -> dict[str, Any]:
    """A report's title and body; months are those of the time zone `tz` (the organization's)."""
    if kind not in TYPES:
        raise ValueError(f"type: one of {', '.join(TYPES)}")
    if kind == "scorecard":
        body = scorecard(org_id=org_id, now=now, locale=locale, tz=tz)
    elif kind == "departments":
        body = departments(db=db, org_id=org_id, now=now, locale=locale)
    elif kind == "surveys":
        body = surveys_report(db=db, org_id=org_id, locale=locale)
    else:
        body = improvement(db=db, org_id=org_id, locale=locale)
    return {"title": gettext(TITLES[kind], locale), **body}
