"""A survey's analysis, as far as its questions allow: NPS/CSAT/CES with intervals,
reliability of rating blocks, SERVQUAL gaps, key drivers, an exploratory factor analysis and
critical incidents coded from open answers."""

from dataclasses import asdict
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from voxloop.analytics import stats
from voxloop.errors import invalid
from voxloop.surveys import definition as d
from voxloop.surveys import quality
from voxloop.surveys import service as surveys
from voxloop.surveys.models import Response
from voxloop.text import incidents
from voxloop.text import service as text_models

MIN_RELIABILITY = 10  # responses before a block's alpha is worth reporting
MIN_DRIVERS = 20
MIN_EFA = 50
SCORED = ("nps", "csat", "ces", "likert", "rating")  # questions whose answers are one score
# what responses can be grouped by besides hidden fields and single-choice questions
RESPONSE_COLUMNS = ("language", "mode")
UNGROUPED = ("case_id",)  # a hidden field that names each response alone


def _responses(
    db: Session, org_id: int, survey_id: int, include_flagged: bool
) -> tuple[dict[str, Any], list[Response]]:
    """The survey's definition and its complete responses, flagged ones left out unless asked."""
    survey = surveys.get(db=db, org_id=org_id, survey_id=survey_id)
    definition = surveys.published(db, survey) if survey.version else survey.definition
    responses = [
        r
        for r in db.scalars(
            select(Response).where(Response.survey_id == survey.id, Response.completed.is_(True))
        )
        if include_flagged or not quality.excluded(r.quality_flags)
    ]
    return definition, responses


def analyse(
    *,
    db: Session,
    org_id: int,
    survey_id: int,
    include_flagged: bool = False,
    weights: dict[str, dict[str, float]] | None = None,
) -> dict[str, Any]:
    """`weights`: raking targets on hidden fields ({"branch": {"西湖店": 0.4, ...}}); NPS, CSAT
    and CES then also come weighted."""
    definition, responses = _responses(db, org_id, survey_id, include_flagged)
    rows = [r.answers for r in responses]
    weight = _weight(responses, weights) if weights and responses else None
    out: dict[str, Any] = {"survey": survey_id, "n": len(rows), "indicators": {}, "reliability": {}}
    metrics, columns = comparable(definition, responses)
    out["comparable"] = {"metrics": list(metrics), "by": columns}  # what /compare accepts
    outcomes: dict[str, tuple[str, list[Any]]] = {}  # the first CSAT, else the first NPS, is driven
    block: tuple[str, pd.DataFrame] | None = None
    block_scale: tuple[int, int] | None = None
    servqual_ids: set[str] = set()
    out["distributions"] = {}
    for q in d.questions(definition):
        values = [a.get(q["id"]) for a in rows]
        if q["type"] in ("nps", "csat", "ces", "likert", "rating", "single"):
            out["distributions"][q["id"]] = _distribution(values)
        if q["type"] in SCORED:
            out["indicators"][q["id"]] = _indicators(q, values, weight)
            if q["type"] in ("nps", "csat"):
                outcomes.setdefault(q["type"], (q["id"], values))
        elif q["type"] == "matrix":
            frame = _matrix(q, values, out)
            if block is None:
                block, block_scale = (q["id"], frame), d.scale(q)
        elif q["type"] == "servqual":
            out["servqual"] = _servqual(q, values)
            servqual_ids.add(q["id"])
            if block is None:  # its dimensions drive the outcome, and are placed on the IPA grid
                block, block_scale = (q["id"], _perceptions(q, values)), d.scale(q)
        elif q["type"] == "text":
            model = text_models.category_model(db=db, org_id=org_id)
            out.setdefault("incidents", {})[q["id"]] = incidents.code(values, model)
    if block is not None:  # dimension means are no item battery: a SERVQUAL block is not factored
        _block_results(out, outcomes, block, block_scale, factorable=block[0] not in servqual_ids)
    return out


def _weight(responses: list[Response], weights: dict[str, dict[str, float]]) -> Any:
    """Each response's raking weight on its hidden fields."""
    hidden = pd.DataFrame([{k: r.hidden.get(k, "") for k in weights} for r in responses])
    try:
        return stats.rake(hidden, weights).to_numpy()
    except ValueError as exc:  # margins the answers cannot meet
        raise invalid("weights", str(exc).removeprefix("weights: ")) from exc


def _distribution(values: list[Any]) -> dict[str, int]:
    counts = pd.Series([v for v in values if v is not None and not isinstance(v, dict | list)]).value_counts()
    return {str(k): int(n) for k, n in sorted(counts.items(), key=lambda kv: str(kv[0]))}


def _indicators(q: dict[str, Any], values: list[Any], weight: Any) -> dict[str, Any]:
    """NPS, CSAT or a mean score with its interval; weighted too where there are weights."""
    if q["type"] == "nps":
        found = {"nps": stats.nps(values).as_dict()}
        if weight is not None:
            found["weighted_nps"] = stats.weighted_nps(values, weight).as_dict()
        return found
    if q["type"] == "csat":
        found = {k: v.as_dict() for k, v in stats.csat(values).items()}
    else:
        found = {"mean": stats.mean_ci(values, bounds=d.scale(q)).as_dict()}
    if weight is not None:
        found["weighted_mean"] = stats.weighted_mean(values, weight, bounds=d.scale(q)).as_dict()
    return found


def _matrix(q: dict[str, Any], values: list[Any], out: dict[str, Any]) -> pd.DataFrame:
    """A matrix's answers as a frame; its reliability and correlations go into `out`."""
    frame = pd.DataFrame([{r["id"]: (v or {}).get(r["id"]) for r in q["rows"]} for v in values], dtype=float)
    if len(frame.dropna(how="all")) < MIN_RELIABILITY or frame.shape[1] < 2:
        return frame
    reverse = [r["id"] for r in q["rows"] if r.get("reverse")]
    rel = stats.reliability(frame, reverse=reverse, bounds=d.scale(q))
    if rel.not_estimable is None:
        out["reliability"][q["id"]] = asdict(rel)
    else:  # no alpha to show: say why
        out.setdefault("not_estimable", {})[f"reliability.{q['id']}"] = rel.not_estimable
    varying = frame.dropna().loc[:, frame.dropna().nunique() > 1]
    if varying.shape[1] >= 2:
        out.setdefault("correlations", {})[q["id"]] = stats.correlations(varying)
    return frame


def _block_results(
    out: dict[str, Any],
    outcomes: dict[str, tuple[str, list[Any]]],
    block: tuple[str, pd.DataFrame],
    scale: tuple[int, int] | None,
    *,
    factorable: bool,
) -> None:
    """The key drivers of the outcome, their IPA grid and the factors of the first block."""
    name = block[0]
    frame = block[1].loc[:, block[1].nunique() > 1]  # items nobody varied on say nothing to these
    outcome = outcomes.get("csat") or outcomes.get("nps")
    if outcome is not None and frame.shape[1] >= 1:
        _drivers(out, outcome, name, frame, scale)
    if factorable and frame.shape[1] >= 4 and len(frame.dropna()) >= MIN_EFA:
        efa = stats.factor_analysis(frame)
        if efa.not_estimable is None:
            out["efa"] = {"block": name, **asdict(efa)}
        else:
            out.setdefault("not_estimable", {})[f"efa.{name}"] = efa.not_estimable


def _drivers(
    out: dict[str, Any],
    outcome: tuple[str, list[Any]],
    name: str,
    frame: pd.DataFrame,
    scale: tuple[int, int] | None,
) -> None:
    y = pd.to_numeric(pd.Series(outcome[1]), errors="coerce")
    complete = frame.assign(_y=y.to_numpy()).dropna()
    if len(complete) < max(MIN_DRIVERS, frame.shape[1] + 3):
        return
    out["drivers"] = {
        "outcome": outcome[0],
        "block": name,
        **stats.drivers(complete["_y"], complete.drop(columns=["_y"])),
    }
    # importance derived from the drivers' relative weights, performance from the means
    weights = out["drivers"]["drivers"]
    means = {k: stats.mean_ci(frame[k], bounds=scale) for k in weights}
    out["ipa"] = stats.ipa(
        {k: round(m.value or 0, 4) for k, m in means.items()},
        {k: w["relative_weight"] for k, w in weights.items()},
    )
    for k, item in out["ipa"]["items"].items():  # each placed with its n and intervals
        m = means[k]
        item |= {"n": m.n, "performance_ci": [_round(m.ci_low), _round(m.ci_high)]}
        item["importance_ci"] = [weights[k]["ci_low"], weights[k]["ci_high"]]


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _perceptions(q: dict[str, Any], values: list[Any]) -> pd.DataFrame:
    """Each respondent's mean perception per SERVQUAL dimension (NaN where they rated none of
    its items): the drivers of the overall outcome."""
    rows = []
    for v in values:
        rated: dict[str, list[float]] = {}
        for item in q["items"]:
            p = ((v or {}).get(item["id"]) or {}).get("perception")
            if isinstance(p, int | float):
                rated.setdefault(item["dimension"], []).append(float(p))
        rows.append({dim: sum(ps) / len(ps) for dim, ps in rated.items()})
    dims = [dim for dim in d.DIMENSIONS if any(i["dimension"] == dim for i in q["items"])]
    return pd.DataFrame(rows, columns=dims, dtype=float)


def _servqual(q: dict[str, Any], values: list[Any]) -> dict[str, Any]:
    pairs: dict[str, list[tuple[Any, Any]]] = {i["id"]: [] for i in q["items"]}
    for v in values:
        for item in q["items"]:
            pair = (v or {}).get(item["id"]) or {}
            pairs[item["id"]].append((pair.get("expectation"), pair.get("perception")))
    dims = {i["id"]: i["dimension"] for i in q["items"]}
    result = stats.servqual_gaps(pairs, dims, scale=d.scale(q))
    reliability = {}
    for dim in d.DIMENSIONS:
        members = [i for i, dd in dims.items() if dd == dim]
        frame = pd.DataFrame({i: [p for _, p in pairs[i]] for i in members}, dtype=float)
        if len(members) >= 2 and len(frame.dropna(how="all")) >= MIN_RELIABILITY:
            rel = stats.reliability(frame)
            reliability[dim] = (
                asdict(rel) if rel.not_estimable is None else {"not_estimable": rel.not_estimable}
            )
    return {**result, "reliability": reliability}


def comparable(definition: dict[str, Any], responses: list[Response]) -> tuple[dict[str, Any], list[str]]:
    """What a survey's answers can be compared on: the metrics (a scored question, or a row of a
    matrix as "question.row", each with its question) and the columns to group them by (the
    response's language and mode, the hidden fields present, the single-choice questions)."""
    metrics: dict[str, Any] = {}
    singles = []
    for q in d.questions(definition):
        if q["type"] in SCORED:
            metrics[q["id"]] = q
        elif q["type"] == "matrix":
            metrics |= {f"{q['id']}.{r['id']}": q for r in q["rows"]}
        elif q["type"] == "single":
            singles.append(q["id"])
    hidden = sorted({k for r in responses for k in (r.hidden or {}) if k not in UNGROUPED})
    columns = list(dict.fromkeys([*RESPONSE_COLUMNS, *hidden, *singles]))
    return metrics, columns


def compare(
    *, db: Session, org_id: int, survey_id: int, metric: str, by: str, include_flagged: bool = False
) -> dict[str, Any]:
    """`metric` (an NPS question, else the mean of a scored question or matrix row) in each group
    of the column `by`, with the tests of `stats.compare_metric`; responses without a value for
    `by` are counted in `ungrouped`."""
    definition, responses = _responses(db, org_id, survey_id, include_flagged)
    metrics, columns = comparable(definition, responses)
    if metric not in metrics:
        raise invalid(
            "metric", f"a scored question or matrix row of this survey: {', '.join(metrics) or 'none'}"
        )
    if by not in columns:
        raise invalid("by", f"one of {', '.join(columns)}")
    q = metrics[metric]
    question, _, row = metric.partition(".")
    groups: dict[str, list[Any]] = {}
    ungrouped = 0
    for r in responses:
        label = _column(r, by)
        value = r.answers.get(question)
        if row:
            value = value.get(row) if isinstance(value, dict) else None
        if isinstance(value, dict | list | str | bool):
            value = None  # not a score (a skipped question, an open answer)
        if label is None:
            ungrouped += 1
            continue
        groups.setdefault(label, []).append(value)
    kind = "nps" if q["type"] == "nps" else "mean"
    result = stats.compare_metric(dict(sorted(groups.items())), kind, bounds=d.scale(q))
    return {"survey": survey_id, "question": metric, "by": by, "ungrouped": ungrouped, **result}


def _column(r: Response, by: str) -> str | None:
    if by in RESPONSE_COLUMNS:
        value: Any = getattr(r, by)
    elif by in (r.hidden or {}):
        value = r.hidden[by]
    else:
        value = r.answers.get(by)
    if value is None or isinstance(value, dict | list) or str(value).strip() == "":
        return None
    return str(value)
