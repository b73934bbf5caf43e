"""`voxloop stats`: the same analyses on survey data brought from elsewhere (CSV or XLSX),
as a readable text report."""

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from voxloop.analytics import stats
from voxloop.surveys.definition import SCALES


@dataclass
class Spec:
    scales: dict[str, list[str]] = field(default_factory=dict)  # name -> item columns
    reverse: list[str] = field(default_factory=list)  # reverse-keyed items of the scales
    nps: list[str] = field(default_factory=list)
    csat: list[str] = field(default_factory=list)
    ces: list[str] = field(default_factory=list)
    outcome: str | None = None  # key drivers: this column (or scale) ...
    drivers: list[str] = field(default_factory=list)  # ... on these columns or scales
    efa: list[str] = field(default_factory=list)
    factors: int | None = None
    cfa: dict[str, list[str]] = field(default_factory=dict)  # factor -> item columns
    correlations: list[str] = field(default_factory=list)
    # raking targets: column -> {category: population share}; NPS/CSAT/CES are then weighted
    weights: dict[str, dict[str, float]] = field(default_factory=dict)
    compare: list[str] = field(default_factory=list)  # NPS, CSAT, CES and scales by these columns


def load(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path)
    return pd.read_csv(path, encoding="utf-8-sig")


def _ci(value: float | None, low: float | None, high: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    interval = f" [{low:.{digits}f}, {high:.{digits}f}]" if low is not None and high is not None else ""
    return f"{value:.{digits}f}{interval}"


def _num(value: float | None, digits: int = 3, kind: str = "f") -> str:
    """A number as text; "—" where it is not estimable (never "nan")."""
    return "—" if value is None else f"{value:.{digits}{kind}}"


def _p(value: float | None) -> str:
    """A p value with 4 decimals, or "< 0.0001" below (never "0.0000")."""
    if value is None:
        return "—"
    return "< 0.0001" if value < 0.0001 else f"{value:.4f}"


def _check(frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"no such columns: {', '.join(missing)} (the file has {', '.join(map(str, frame.columns))})"
        )


def report(frame: pd.DataFrame, spec: Spec) -> str:
    lines = [f"{len(frame)} rows, {frame.shape[1]} columns", ""]
    weights = None
    if spec.weights:
        _check(frame, list(spec.weights))
        weights = stats.rake(frame, spec.weights)
        n_eff = stats.effective_n(weights.to_numpy())
        lines += [f"Weighted by raking on {', '.join(spec.weights)} (effective n = {n_eff:.1f})", ""]
    scale_scores, scale_lines = _scales(frame, spec)
    lines += scale_lines + _indicators(frame, spec, weights)
    if spec.outcome and spec.drivers:
        lines += _drivers(frame, spec.outcome, spec.drivers, scale_scores)
    if spec.compare:
        lines += _comparisons(frame, spec, scale_scores)
    if spec.efa:
        lines += _efa(frame, spec)
    if spec.cfa:
        lines += _cfa(frame, spec)
    if spec.correlations:
        lines += _correlations(frame, spec)
    return "\n".join(lines).rstrip() + "\n"


def _scales(frame: pd.DataFrame, spec: Spec) -> tuple[dict[str, pd.Series], list[str]]:
    """Each scale's score (the mean of its items, reverse-keyed ones turned round) and the
    lines on its reliability."""
    stray = [i for i in spec.reverse if not any(i in items for items in spec.scales.values())]
    if stray:
        raise ValueError(f"reverse-keyed items in no --scale: {', '.join(stray)}")
    scale_scores: dict[str, pd.Series] = {}
    lines: list[str] = []
    for name, items in spec.scales.items():
        _check(frame, items)
        reverse = [i for i in items if i in spec.reverse]
        rel = stats.reliability(frame[items], reverse=reverse)
        scale_scores[name] = stats.reverse_keyed(frame[items], reverse).mean(axis=1)
        alpha = _ci(rel.alpha, rel.ci_low, rel.ci_high) if rel.not_estimable is None else rel.not_estimable
        keyed = f"; reverse-keyed: {', '.join(reverse)}" if reverse else ""
        lines.append(f"Reliability of {name} ({len(items)} items, n = {rel.n}{keyed}): alpha {alpha}")
        lines += [f"  warning: {w}" for w in rel.warnings]
        for item in rel.items:
            r, without = _num(item["item_total_r"]), _num(item["alpha_if_deleted"])
            lines.append(f"  {item['item']:<16} item-total r {r}   alpha if deleted {without}")
        lines.append("")
    return scale_scores, lines


def _indicators(frame: pd.DataFrame, spec: Spec, weights: pd.Series | None) -> list[str]:
    """NPS, CSAT and CES, then weighted where there are raking targets."""
    lines: list[str] = []
    for col in spec.nps:
        _check(frame, [col])
        score = stats.nps(frame[col])
        shares = score.extra
        lines.append(
            f"NPS of {col} (n = {score.n}): {_ci(score.value, score.ci_low, score.ci_high, 1)}"
            f"  promoters {shares.get('promoters', 0):.1%}, passives {shares.get('passives', 0):.1%}, "
            f"detractors {shares.get('detractors', 0):.1%}"
        )
    for col in spec.csat:
        _check(frame, [col])
        r2 = stats.csat(frame[col])
        mean, top2 = r2["mean"], r2["top2"]
        lines.append(
            f"CSAT of {col} (n = {mean.n}): mean {_ci(mean.value, mean.ci_low, mean.ci_high, 2)}, "
            f"satisfied (4-5) {_ci(top2.value, top2.ci_low, top2.ci_high)}"
        )
    for col in spec.ces:
        _check(frame, [col])
        m = stats.mean_ci(frame[col])
        lines.append(f"CES of {col} (n = {m.n}): mean {_ci(m.value, m.ci_low, m.ci_high, 2)}")
    if weights is not None:
        lines += _weighted(frame, spec, weights)
    if spec.nps or spec.csat or spec.ces:
        lines.append("")
    return lines


def _weighted(frame: pd.DataFrame, spec: Spec, weights: pd.Series) -> list[str]:
    lines = []
    for col in spec.nps:
        w = stats.weighted_nps(frame[col], weights)
        lines.append(f"Weighted NPS of {col}: {_ci(w.value, w.ci_low, w.ci_high, 1)}")
    for col in [*spec.csat, *spec.ces]:
        # CSAT is checked against its scale above; --ces takes any score
        bounds = SCALES["csat"] if col in spec.csat else None
        wm = stats.weighted_mean(frame[col], weights, bounds=bounds)
        lines.append(f"Weighted mean of {col}: {_ci(wm.value, wm.ci_low, wm.ci_high, 2)}")
    return lines


def _drivers(
    frame: pd.DataFrame, outcome: str, drivers: list[str], scale_scores: dict[str, pd.Series]
) -> list[str]:
    """Key drivers of the outcome: coefficients and relative weights with their intervals."""
    columns = {**{c: frame[c] for c in frame.columns}, **scale_scores}
    missing = [c for c in [outcome, *drivers] if c not in columns]
    if missing:
        raise ValueError(f"no such columns or scales: {', '.join(missing)}")
    result = stats.drivers(columns[outcome], pd.DataFrame({d: columns[d] for d in drivers}))
    fit = result.get("not_estimable") or f"R² = {result['r2']:.3f}"
    lines = [f"Key drivers of {outcome} (n = {result['n']}, {fit})"]
    lines += [f"  note: {note}" for note in result["notes"]]
    if result["drivers"]:
        used = result["bootstrap"]["resamples"]
        lines.append(f"  95 % intervals: coef t, relative weight percentile bootstrap ({used} resamples)")
    ranked = sorted(result["drivers"].items(), key=lambda kv: -kv[1]["relative_weight"])
    for name, d in ranked:
        share = f"{d['share']:.0%} of R²" if d["share"] is not None else "R² 0"
        coef = f"{d['coef']:+.3f} [{d['coef_ci_low']:+.3f}, {d['coef_ci_high']:+.3f}]"
        weight = _ci(d["relative_weight"], d["ci_low"], d["ci_high"])
        lines.append(f"  {name:<16} coef {coef}  p {_p(d['p'])}  relative weight {weight} ({share})")
    lines.append("")
    return lines


def _efa(frame: pd.DataFrame, spec: Spec) -> list[str]:
    _check(frame, spec.efa)
    fa = stats.factor_analysis(frame[spec.efa], n_factors=spec.factors)
    kmo = f"{fa.kmo:.3f}" if fa.kmo is not None else "—"
    bartlett = f"{fa.bartlett_p:.3g}" if fa.bartlett_p is not None else "—"
    if fa.not_estimable:
        lines = [f"Factor analysis of {len(spec.efa)} items: {fa.not_estimable}"]
    else:
        lines = [
            f"Factor analysis of {len(spec.efa)} items: KMO {kmo}, Bartlett p {bartlett}, "
            f"parallel analysis suggests {fa.suggested_factors}, {fa.n_factors} extracted, "
            f"cumulative variance {fa.cumulative[-1]:.3f}"
        ]
    lines += [f"  warning: {w}" for w in fa.warnings]
    for column, loads in fa.loadings.items():
        row = "  ".join(f"{v:+.2f}" for v in loads)
        lines.append(f"  {column:<16} {row}   h² {fa.communalities[column]:.2f}")
    lines.append("")
    return lines


def _cfa(frame: pd.DataFrame, spec: Spec) -> list[str]:
    _check(frame, [i for items in spec.cfa.values() for i in items])
    c = stats.cfa(frame, spec.cfa)
    if "chi2" not in c:
        lines = [f"Confirmatory factor analysis (n = {c['n']}): {c['not_estimable']}"]
    else:
        lines = [
            f"Confirmatory factor analysis (n = {c['n']}): chi² {_num(c['chi2'])}, df {c['df']}, "
            f"p {_num(c['p'], 3, 'g')}, CFI {_num(c['cfi'])}, TLI {_num(c['tli'])}, "
            f"RMSEA {_num(c['rmsea'])}"
        ]
        if c.get("not_estimable"):
            lines.append(f"  {c['not_estimable']}")
    for item, load in c["loadings"].items():
        se = f"(se {_num(load['se'])})" if load["se"] is not None else "(fixed)"
        estimate, std = _num(load["estimate"]), _num(load["standardised"])
        lines.append(f"  {load['factor']:<10} {item:<12} {estimate} {se}  std {std}")
    lines.append("")
    return lines


def _correlations(frame: pd.DataFrame, spec: Spec) -> list[str]:
    _check(frame, spec.correlations)
    cor = stats.correlations(frame[spec.correlations])
    lines = ["Correlations (Pearson; p adjusted by Holm)"]
    lines += [f"  {column}: {why}" for column, why in cor["not_estimable"].items()]
    for pair in cor["pairs"]:
        if pair["r"] is None:
            lines.append(f"  {pair['x']} ~ {pair['y']}: not estimable (one of them does not vary)")
            continue
        r = _ci(pair["r"], pair["ci_low"], pair["ci_high"])
        lines.append(
            f"  {pair['x']} ~ {pair['y']}: r {r}  n {pair['n']}  p {_num(pair['p_adjusted'], 3, 'g')}"
        )
    return lines


TESTS = {
    "welch_anova": "Welch's ANOVA",
    "kruskal_wallis": "Kruskal-Wallis (a group's answers are all alike)",
    "chi_square": "Chi-square test of detractors, passives and promoters",
}
EFFECTS = {
    "eta_squared": "eta²",
    "epsilon_squared": "epsilon²",
    "cramers_v": "Cramér's V",
    "hedges_g": "Hedges' g",
    "rank_biserial": "rank-biserial r",
}


def _label(v: object) -> str | None:
    """A group's name: 2 rather than 2.0 from a numeric column with blanks; None when blank."""
    if pd.isna(v) or str(v).strip() == "":
        return None
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _comparisons(frame: pd.DataFrame, spec: Spec, scale_scores: dict[str, pd.Series]) -> list[str]:
    """Each NPS, CSAT, CES column and scale score compared between the groups of each --compare
    column (`stats.compare_metric`)."""
    _check(frame, spec.compare)
    metrics = [
        *((c, "NPS", frame[c], None) for c in spec.nps),
        *((c, "CSAT mean", frame[c], SCALES["csat"]) for c in spec.csat),
        *((c, "CES mean", frame[c], SCALES["ces"]) for c in spec.ces),
        *((name, "Mean", score, None) for name, score in scale_scores.items()),
    ]
    if not metrics:
        raise ValueError("--compare needs something to compare: --nps, --csat, --ces or --scale")
    lines = []
    for by in spec.compare:
        labels = frame[by].map(_label)
        for name, label, values, bounds in metrics:
            groups: dict[str, list[float]] = {}
            for group, value in zip(labels, values, strict=True):
                if group is not None:
                    groups.setdefault(group, []).append(value)
            kind = "nps" if label == "NPS" else "mean"
            r = stats.compare_metric(dict(sorted(groups.items())), kind, bounds=bounds)
            digits = 1 if kind == "nps" else 2
            ungrouped = int(labels.isna().sum())
            left = f"; {ungrouped} rows without a {by} left out" if ungrouped else ""
            lines.append(f"{label} of {name} by {by} (groups under {r['min_n']} answers not compared{left})")
            for group, g in r["groups"].items():
                note = f"  {g['not_estimable']}" if "not_estimable" in g else ""
                value = _ci(g["value"], g["ci_low"], g["ci_high"], digits)
                lines.append(f"  {group:<16} n {g['n']:<5} {value}{note}")
            omnibus = r["omnibus"]
            if "not_estimable" in omnibus:
                lines.append(f"  {omnibus['not_estimable']}")
            else:
                df = omnibus["df"]
                df_text = f"{df[0]:.0f}, {df[1]:.1f}" if isinstance(df, list) else str(df)
                effect = next(k for k in EFFECTS if k in omnibus)
                lines.append(
                    f"  {TESTS[omnibus['test']]}: {omnibus['statistic']:.3f} (df {df_text}), "
                    f"p {_p(omnibus['p'])}, {EFFECTS[effect]} {_num(omnibus[effect])}"
                )
                if "warning" in omnibus:
                    lines.append(f"  warning: {omnibus['warning']}")
            for pair in r["pairs"]:
                head = f"  {pair['a']} vs {pair['b']}: difference {pair['difference']:+.{digits}f}"
                if "ci_low" in pair:
                    head += f" [{pair['ci_low']:+.{digits}f}, {pair['ci_high']:+.{digits}f}]"
                if pair["p"] is None:
                    lines.append(f"{head}, {pair['not_estimable']}")
                    continue
                sized = next((k for k in EFFECTS if k in pair), None)
                size = f", {EFFECTS[sized]} {_num(pair[sized], 2)}" if sized else ""
                lines.append(f"{head}, p {_p(pair['p'])}, Holm-adjusted p {_p(pair['p_adjusted'])}{size}")
            lines.append("")
    return lines
