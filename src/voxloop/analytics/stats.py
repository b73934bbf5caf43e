"""Survey and service statistics: pure functions over numbers and data frames. Every indicator
carries its n and a confidence interval. The maintained packages do the work — pingouin
(Cronbach's alpha with Feldt's CI), factor_analyzer (EFA, KMO, Bartlett), statsmodels (OLS,
Wilson intervals), scipy (t tests) — and this module puts their results in one shape.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pingouin
import statsmodels.api as sm
from factor_analyzer import FactorAnalyzer
from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint


@dataclass(frozen=True)
class Indicator:
    value: float | None
    n: int
    ci_low: float | None = None
    ci_high: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clean(values: Iterable[Any]) -> np.ndarray:
    arr = np.array(
        [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))], dtype=float
    )
    return arr


def mean_ci(values: Iterable[Any], confidence: float = 0.95) -> Indicator:
    """The mean with a t interval."""
    x = _clean(values)
    if len(x) == 0:
        return Indicator(None, 0)
    m = float(x.mean())
    if len(x) < 2:
        return Indicator(m, 1)
    half = float(sps.t.ppf((1 + confidence) / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return Indicator(m, len(x), m - half, m + half)


def proportion_ci(successes: int, n: int, confidence: float = 0.95) -> Indicator:
    """A share with Wilson's interval (good near 0 and 1 and for small n)."""
    if n == 0:
        return Indicator(None, 0)
    low, high = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    return Indicator(successes / n, n, float(low), float(high))


def nps(scores: Iterable[Any], confidence: float = 0.95) -> Indicator:
    """Net Promoter Score (promoters 9-10 minus detractors 0-6, in points) with the interval
    from the multinomial variance: var = (p_P + p_D - (p_P - p_D)^2) / n."""
    x = _clean(scores)
    n = len(x)
    if n == 0:
        return Indicator(None, 0)
    p_p, p_d = float((x >= 9).mean()), float((x <= 6).mean())
    score = p_p - p_d
    se = math.sqrt(max(p_p + p_d - score**2, 0.0) / n)
    z = sps.norm.ppf((1 + confidence) / 2)
    return Indicator(
        round(100 * score, 4),
        n,
        round(100 * (score - z * se), 4),
        round(100 * (score + z * se), 4),
        {"promoters": p_p, "passives": 1 - p_p - p_d, "detractors": p_d},
    )


def csat(scores: Iterable[Any], confidence: float = 0.95) -> dict[str, Indicator]:
    """CSAT on 1-5: the mean, and the top-2-box share (4 or 5), each with its interval."""
    x = _clean(scores)
    return {"mean": mean_ci(x, confidence), "top2": proportion_ci(int((x >= 4).sum()), len(x), confidence)}


@dataclass(frozen=True)
class Reliability:
    alpha: float
    ci_low: float
    ci_high: float
    n: int
    items: list[dict[str, Any]]  # per item: corrected item-total r, alpha if deleted


def reliability(frame: pd.DataFrame, nan_policy: str = "pairwise", confidence: float = 0.95) -> Reliability:
    """Cronbach's alpha with Feldt's interval (pingouin, as R psych), corrected item-total
    correlations and alpha if the item were deleted."""
    alpha, ci = pingouin.cronbach_alpha(frame, nan_policy=nan_policy, ci=confidence)
    complete = frame.dropna()
    items = []
    for col in frame.columns:
        rest = frame.drop(columns=[col])
        total = complete.drop(columns=[col]).sum(axis=1)
        r = float(np.corrcoef(complete[col], total)[0, 1]) if len(complete) > 2 else float("nan")
        without = (
            float(pingouin.cronbach_alpha(rest, nan_policy=nan_policy)[0])
            if rest.shape[1] >= 2
            else float("nan")
        )
        items.append({"item": str(col), "item_total_r": round(r, 4), "alpha_if_deleted": round(without, 4)})
    n = len(complete) if nan_policy == "listwise" else len(frame.dropna(how="all"))
    return Reliability(float(alpha), float(ci[0]), float(ci[1]), n, items)


@dataclass(frozen=True)
class FactorSolution:
    n_factors: int
    loadings: dict[str, list[float]]
    communalities: dict[str, float]
    variance: list[float]  # proportion explained per factor
    cumulative: list[float]
    kmo: float | None
    bartlett_chi2: float | None
    bartlett_p: float | None
    suggested_factors: int | None  # by parallel analysis


def factor_analysis(
    frame: pd.DataFrame,
    n_factors: int | None = None,
    rotation: str = "oblimin",
    method: str = "minres",
    seed: int = 7,
) -> FactorSolution:
    """Exploratory factor analysis on pairwise correlations (as R psych::fa), with KMO,
    Bartlett's test and the number of factors by parallel analysis when not given."""
    corr = frame.corr()
    complete = frame.dropna()
    kmo = bart_chi2 = bart_p = None
    if len(complete) > frame.shape[1]:
        kmo = float(calculate_kmo(complete)[1])
        chi2, p = calculate_bartlett_sphericity(complete)
        bart_chi2, bart_p = float(chi2), float(p)
    suggested = parallel_analysis(corr.to_numpy(), n=len(frame), seed=seed)
    k = n_factors or max(suggested, 1)
    fa = FactorAnalyzer(n_factors=k, rotation=rotation if k > 1 else None, method=method, is_corr_matrix=True)
    fa.fit(corr)
    _, proportion, cumulative = fa.get_factor_variance()
    return FactorSolution(
        n_factors=k,
        loadings={
            c: [round(float(v), 4) for v in row] for c, row in zip(frame.columns, fa.loadings_, strict=True)
        },
        communalities={
            c: round(float(v), 4) for c, v in zip(frame.columns, fa.get_communalities(), strict=True)
        },
        variance=[round(float(v), 4) for v in proportion],
        cumulative=[round(float(v), 4) for v in cumulative],
        kmo=kmo,
        bartlett_chi2=bart_chi2,
        bartlett_p=bart_p,
        suggested_factors=suggested,
    )


def parallel_analysis(corr: np.ndarray, n: int, iterations: int = 50, seed: int = 7) -> int:
    """Horn's parallel analysis: factors whose eigenvalue beats the 95th percentile of those of
    random normal data of the same size."""
    p = corr.shape[0]
    rng = np.random.default_rng(seed)
    random = np.array(
        [
            np.linalg.eigvalsh(np.corrcoef(rng.standard_normal((n, p)), rowvar=False))[::-1]
            for _ in range(iterations)
        ]
    )
    threshold = np.percentile(random, 95, axis=0)
    observed = np.linalg.eigvalsh(corr)[::-1]
    count = 0
    for obs, limit in zip(observed, threshold, strict=True):
        if obs <= limit:
            break
        count += 1
    return count


def servqual_gaps(
    pairs: Mapping[str, Sequence[tuple[float, float]]], dimensions: Mapping[str, str]
) -> dict[str, Any]:
    """Perception minus expectation per item (with a paired t test) and per dimension (the
    mean of its items' gaps, with a paired test on respondents' dimension means)."""
    items = {}
    for item, values in pairs.items():
        arr = np.array([v for v in values if None not in v], dtype=float)
        if len(arr) < 2:
            continue
        e, p = arr[:, 0], arr[:, 1]
        t = sps.ttest_rel(p, e)
        items[item] = {
            "expectation": round(float(e.mean()), 4),
            "perception": round(float(p.mean()), 4),
            "gap": round(float((p - e).mean()), 4),
            "t": round(float(t.statistic), 4) if not math.isnan(t.statistic) else None,
            "p": float(t.pvalue) if not math.isnan(t.pvalue) else None,
            "n": len(arr),
        }
    by_dimension: dict[str, list[str]] = {}
    for item, dim in dimensions.items():
        if item in items:
            by_dimension.setdefault(dim, []).append(item)
    dims = {
        dim: {
            "gap": round(float(np.mean([items[i]["gap"] for i in members])), 4),
            "items": members,
        }
        for dim, members in by_dimension.items()
    }
    overall = round(float(np.mean([v["gap"] for v in items.values()])), 4) if items else None
    return {"items": items, "dimensions": dims, "overall_gap": overall}


def drivers(outcome: Sequence[float], predictors: pd.DataFrame) -> dict[str, Any]:
    """Key-driver analysis: OLS of the outcome on the drivers (coefficients, p values, R²) and
    Johnson's relative weights (each driver's share of R², which stays fair when drivers
    correlate)."""
    frame = predictors.assign(_y=list(outcome)).dropna()
    y, x = frame["_y"], frame.drop(columns=["_y"])
    model = sm.OLS(y, sm.add_constant(x)).fit()
    weights = relative_weights(y.to_numpy(), x.to_numpy())
    return {
        "n": int(model.nobs),
        "r2": round(float(model.rsquared), 4),
        "drivers": {
            c: {
                "coef": round(float(model.params[c]), 4),
                "p": float(model.pvalues[c]),
                "relative_weight": round(float(w), 4),
                "share": round(float(w / weights.sum()), 4) if weights.sum() else None,
            }
            for c, w in zip(x.columns, weights, strict=True)
        },
    }


def relative_weights(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Johnson (2000): regress y on the orthogonal counterparts of the predictors and share the
    R² back through the loadings. The weights sum to the model's R²."""
    rxx = np.corrcoef(x, rowvar=False)
    rxy = np.array([np.corrcoef(x[:, j], y)[0, 1] for j in range(x.shape[1])])
    values, vectors = np.linalg.eigh(rxx)
    lam = vectors @ np.diag(np.sqrt(np.clip(values, 0, None))) @ vectors.T
    beta = np.linalg.solve(lam, rxy)
    return np.asarray((lam**2) @ (beta**2))


def compare_groups(groups: Mapping[str, Sequence[float]]) -> dict[str, Any]:
    """Do the groups differ? Two groups: Welch's t (Hedges' g) and Mann-Whitney U (rank-biserial
    r); more: one-way ANOVA (eta squared) and Kruskal-Wallis (epsilon squared)."""
    data = {k: _clean(v) for k, v in groups.items()}
    data = {k: v for k, v in data.items() if len(v) >= 2}
    if len(data) < 2:
        return {"groups": {k: len(v) for k, v in data.items()}, "tests": {}}
    arrays = list(data.values())
    summary = {
        k: {"n": len(v), "mean": round(float(v.mean()), 4), "median": float(np.median(v))}
        for k, v in data.items()
    }
    tests: dict[str, Any] = {}
    if len(arrays) == 2:
        a, b = arrays
        t = sps.ttest_ind(a, b, equal_var=False)
        u = sps.mannwhitneyu(a, b, alternative="two-sided")
        tests["welch_t"] = {
            "statistic": float(t.statistic),
            "p": float(t.pvalue),
            "hedges_g": float(pingouin.compute_effsize(a, b, eftype="hedges")),
        }
        tests["mann_whitney"] = {
            "statistic": float(u.statistic),
            "p": float(u.pvalue),
            "rank_biserial": float(1 - 2 * u.statistic / (len(a) * len(b))),
        }
    else:
        f = sps.f_oneway(*arrays)
        h = sps.kruskal(*arrays)
        grand = np.concatenate(arrays)
        between = sum(len(x) * (x.mean() - grand.mean()) ** 2 for x in arrays)
        total = float(((grand - grand.mean()) ** 2).sum())
        tests["anova"] = {
            "statistic": float(f.statistic),
            "p": float(f.pvalue),
            "eta_squared": float(between / total) if total else None,
        }
        tests["kruskal_wallis"] = {
            "statistic": float(h.statistic),
            "p": float(h.pvalue),
            "epsilon_squared": float(h.statistic / (len(grand) - 1)),
        }
    return {"groups": summary, "tests": tests}


def crosstab_test(table: Sequence[Sequence[int]]) -> dict[str, Any]:
    """Chi-square test of independence on a contingency table, with Cramér's V."""
    arr = np.asarray(table, dtype=float)
    chi2, p, dof, _ = sps.chi2_contingency(arr)
    n = arr.sum()
    v = math.sqrt(chi2 / (n * (min(arr.shape) - 1))) if n and min(arr.shape) > 1 else None
    return {"chi2": float(chi2), "p": float(p), "dof": int(dof), "cramers_v": v}


def adjust(pvalues: Sequence[float], method: str = "holm") -> list[float]:
    """Multiplicity correction: "holm" (family-wise) or "fdr_bh" (Benjamini-Hochberg)."""
    from statsmodels.stats.multitest import multipletests

    return [float(p) for p in multipletests(list(pvalues), method=method)[1]]


def p_chart(events: Sequence[int], totals: Sequence[int]) -> dict[str, Any]:
    """A p-chart (e.g. complaints per feedback received, per week): centre line, 3-sigma limits
    per period, and the periods out of control."""
    e, n = np.asarray(events, dtype=float), np.asarray(totals, dtype=float)
    p_bar = float(e.sum() / n.sum()) if n.sum() else 0.0
    sigma = np.sqrt(p_bar * (1 - p_bar) / np.where(n > 0, n, np.nan))
    p = np.divide(e, n, out=np.zeros_like(e), where=n > 0)
    upper = np.minimum(p_bar + 3 * sigma, 1.0)
    lower = np.maximum(p_bar - 3 * sigma, 0.0)
    out = [i for i in range(len(p)) if n[i] > 0 and (p[i] > upper[i] or p[i] < lower[i])]
    return {
        "centre": p_bar,
        "points": [round(float(x), 6) for x in p],
        "upper": [round(float(x), 6) for x in upper],
        "lower": [round(float(x), 6) for x in lower],
        "out_of_control": out,
    }
