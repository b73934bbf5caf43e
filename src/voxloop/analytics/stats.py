"""Survey and service statistics: pure functions over numbers and data frames. Every indicator
carries its n and a confidence interval. The maintained packages do the work — pingouin
(Cronbach's alpha with Feldt's CI), factor_analyzer (EFA, KMO, Bartlett), statsmodels (OLS,
Wilson intervals), scipy (t tests) — and this module puts their results in one shape.
"""

import math
import warnings
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
from scipy.special import gammaln
from statsmodels.stats.proportion import proportion_confint

from voxloop.surveys.definition import SCALES


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
    """The answers as floats, missing ones (None, NaN, pandas' NA of a nullable column) left out."""
    return np.array([v for v in values if not _missing(v)], dtype=float)


def _missing(v: Any) -> bool:
    return v is None or (pd.api.types.is_scalar(v) and bool(pd.isna(v)))


def _finite(x: Any, digits: int | None = None) -> float | None:
    """A number that can be shown, or None for NaN and inf (which say "not estimable")."""
    if x is None or not math.isfinite(float(x)):
        return None
    return round(float(x), digits) if digits is not None else float(x)


def on_scale(x: np.ndarray, kind: str) -> np.ndarray:
    """The scores, if every one is on the scale of `kind` (NPS 0-10, CSAT 1-5, CES 1-7)."""
    low, high = SCALES[kind]
    off = sorted({float(v) for v in x if not low <= v <= high})
    if off:
        shown = ", ".join(f"{v:g}" for v in off[:5])
        raise ValueError(f"{kind.upper()} scores run from {low} to {high}; these are off the scale: {shown}")
    return x


def mean_ci(
    values: Iterable[Any], confidence: float = 0.95, bounds: tuple[float, float] | None = None
) -> Indicator:
    """The mean with a t interval, clipped to the scale's `bounds` when given (a mean of 1-5
    scores cannot lie outside 1-5)."""
    x = _clean(values)
    if len(x) == 0:
        return Indicator(None, 0)
    m = float(x.mean())
    if len(x) < 2:
        return Indicator(m, 1)
    half = float(sps.t.ppf((1 + confidence) / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    low, high = (-math.inf, math.inf) if bounds is None else bounds
    return Indicator(m, len(x), max(m - half, float(low)), min(m + half, float(high)))


def proportion_ci(successes: int, n: int, confidence: float = 0.95) -> Indicator:
    """A share with Wilson's interval (good near 0 and 1 and for small n)."""
    if n == 0:
        return Indicator(None, 0)
    low, high = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    share = successes / n  # at 0 or n Wilson's bound is the share itself, bar rounding (5e-17)
    return Indicator(share, n, float(min(low, share)), float(max(high, share)))


# Rocks (2016): pseudo-observations added to detractors, passives and promoters before a Wald
# interval; coverage stays near 95 % at small n and next to -100 or +100.
NPS_PSEUDO = (0.75, 1.5, 0.75)


def nps_interval(
    n: float, promoters: float, detractors: float, confidence: float = 0.95
) -> tuple[float, float]:
    """The adjusted Wald interval of an NPS as a share (-1..1), clipped to the scale; it always
    holds the observed score (at n = 1 the pseudo-observations alone would leave it out)."""
    d, a, p = NPS_PSEUDO
    m = n + d + a + p
    pp, dd = (promoters + p) / m, (detractors + d) / m
    centre = pp - dd
    half = float(sps.norm.ppf((1 + confidence) / 2)) * math.sqrt((pp + dd - centre**2) / m)
    score = (promoters - detractors) / n if n else centre
    return max(-1.0, min(centre - half, score)), min(1.0, max(centre + half, score))


def nps(scores: Iterable[Any], confidence: float = 0.95) -> Indicator:
    """Net Promoter Score (promoters 9-10 minus detractors 0-6, in points) with Rocks' adjusted
    Wald interval (`nps_interval`)."""
    x = on_scale(_clean(scores), "nps")
    n = len(x)
    if n == 0:
        return Indicator(None, 0)
    promoters, detractors = int((x >= 9).sum()), int((x <= 6).sum())
    p_p, p_d = promoters / n, detractors / n
    low, high = nps_interval(n, promoters, detractors, confidence)
    return Indicator(
        round(100 * (p_p - p_d), 4),
        n,
        round(100 * low, 4),
        round(100 * high, 4),
        {"promoters": p_p, "passives": 1 - p_p - p_d, "detractors": p_d},
    )


# Answers in both periods together up to which the NPS change test enumerates every table.
EXACT_LIMIT = 1000


def nps_change_test(before: tuple[int, int, int], after: tuple[int, int, int]) -> tuple[float, str]:
    """The two-sided p value of a change in NPS between two independent samples, each given as
    (n, promoters, detractors), and the test's name.

    The permutation test of the difference: every 2 x 3 table with the pooled margins, weighted
    by its multivariate hypergeometric probability, the p value the share at least as far from
    no change as the one observed. With more than EXACT_LIMIT answers, its normal approximation
    (the difference over the pooled variance). Both stay defined at -100 and +100, where the
    Wald variance of each sample is 0 (Good, *Permutation Tests*, 2000)."""
    (n0, p0, d0), (n1, p1, d1) = before, after
    total, promoters, detractors = n0 + n1, p0 + p1, d0 + d1
    passives = total - promoters - detractors
    observed = abs((p1 - d1) / n1 - (p0 - d0) / n0)
    if total > EXACT_LIMIT:
        mean = (promoters - detractors) / total
        var = (promoters + detractors - total * mean**2) / (total - 1)
        if var <= 0:
            return 1.0, "z (pooled variance)"
        z = observed / math.sqrt(var * (1 / n0 + 1 / n1))
        return float(math.erfc(z / math.sqrt(2))), "z (pooled variance)"
    xp = np.arange(min(n1, promoters) + 1)[:, None]
    xd = np.arange(min(n1, detractors) + 1)[None, :]
    xa = n1 - xp - xd
    possible = (xa >= 0) & (xa <= passives)
    log_pmf = (
        _log_choose(promoters, xp) + _log_choose(detractors, xd)
        + _log_choose(passives, np.clip(xa, 0, passives)) - _log_choose(total, n1)
    )  # fmt: skip
    shift = np.abs((xp - xd) / n1 - (promoters - xp - detractors + xd) / n0)
    extreme = possible & (shift >= observed - 1e-9)
    return min(1.0, float(np.exp(log_pmf[extreme]).sum())), "exact permutation"


def _log_choose(n: float, k: Any) -> Any:
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


def csat(scores: Iterable[Any], confidence: float = 0.95) -> dict[str, Indicator]:
    """CSAT on 1-5: the mean (its t interval clipped to the scale), and the top-2-box share (4 or
    5) with Wilson's interval."""
    x = on_scale(_clean(scores), "csat")
    return {
        "mean": mean_ci(x, confidence, SCALES["csat"]),
        "top2": proportion_ci(int((x >= 4).sum()), len(x), confidence),
    }


@dataclass(frozen=True)
class Reliability:
    alpha: float | None  # None when not estimable, and `not_estimable` says why
    ci_low: float | None
    ci_high: float | None
    n: int
    items: list[dict[str, Any]]  # per item: corrected item-total r, alpha if deleted
    reversed: list[str] = field(default_factory=list)  # items scored the other way round
    warnings: list[str] = field(default_factory=list)
    not_estimable: str | None = None


def reverse_keyed(
    frame: pd.DataFrame, items: Sequence[str], bounds: tuple[float, float] | None = None
) -> pd.DataFrame:
    """The items as numbers, `items` scored the other way round: low + high - x on the scale
    `bounds`, by default the lowest and highest answer to any item (as psych's reverse.code)."""
    unknown = [i for i in items if i not in frame.columns]
    if unknown:
        raise ValueError(f"reverse-keyed items not in the scale: {', '.join(map(str, unknown))}")
    data = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    if items:
        low, high = bounds if bounds is not None else (data.min().min(), data.max().max())
        data[list(items)] = float(low) + float(high) - data[list(items)]
    return data


def reliability(
    frame: pd.DataFrame,
    nan_policy: str = "pairwise",
    confidence: float = 0.95,
    reverse: Sequence[str] = (),
    bounds: tuple[float, float] | None = None,
) -> Reliability:
    """Cronbach's alpha with Feldt's interval (pingouin, as R psych), corrected item-total
    correlations and alpha if the item were deleted. `reverse` names reverse-keyed items, scored
    low + high - x first (`reverse_keyed`); an item that still correlates negatively with the
    rest of the scale is named in `warnings`, as psych's alpha does without check.keys."""
    frame = reverse_keyed(frame, reverse, bounds)
    complete = frame.dropna()
    n = len(complete) if nan_policy == "listwise" else len(frame.dropna(how="all"))
    keyed = [str(i) for i in reverse]
    if frame.shape[1] < 2 or len(complete) < 2:
        why = "fewer than 2 items" if frame.shape[1] < 2 else "fewer than 2 respondents answered every item"
        return Reliability(None, None, None, n, [], keyed, [], f"not estimable: {why}")
    alpha, ci = _alpha(frame, nan_policy, confidence)
    if alpha is None or alpha > 1:
        why = (
            "the total score is the same for every respondent"
            if alpha is None
            else "the pairwise covariances contradict each other (too few complete answers)"
        )
        return Reliability(None, None, None, n, [], keyed, [], f"not estimable: {why}")
    items = []
    for col in frame.columns:
        rest = frame.drop(columns=[col])
        total = complete.drop(columns=[col]).sum(axis=1)
        varies = len(complete) > 2 and complete[col].std() > 0 and total.std() > 0
        r = float(np.corrcoef(complete[col], total)[0, 1]) if varies else None
        without = _alpha(rest, nan_policy, confidence)[0] if rest.shape[1] >= 2 else None
        without = without if without is not None and without <= 1 else None
        items.append(
            {"item": str(col), "item_total_r": _finite(r, 4), "alpha_if_deleted": _finite(without, 4)}
        )
    # psych's alpha: an item loading negatively on the first principal component (signed so the
    # loadings sum positive) is probably reverse-keyed; item-total r alone misleads with few items
    first = _first_component(complete)
    negative = [i for i, loading in zip(items, first, strict=True) if loading < 0]
    warnings = (
        [
            "negatively correlated with the first principal component (psych), probably reverse-keyed: "
            + ", ".join(f"{i['item']} (item-total r = {_shown(i['item_total_r'])})" for i in negative)
        ]
        if negative
        else []
    )
    return Reliability(alpha, ci[0], ci[1], n, items, keyed, warnings)


def _alpha(frame: pd.DataFrame, nan_policy: str, confidence: float) -> tuple[float | None, tuple[Any, Any]]:
    """pingouin's alpha and Feldt interval, None where the total score does not vary (0/0)."""
    with np.errstate(all="ignore"):
        alpha, ci = pingouin.cronbach_alpha(frame, nan_policy=nan_policy, ci=confidence)
    if _finite(alpha) is None:
        return None, (None, None)
    return float(alpha), (_finite(ci[0]), _finite(ci[1]))


def _shown(x: Any, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _first_component(complete: pd.DataFrame) -> np.ndarray:
    """The items' loadings on the first principal component of their correlations, signed so
    they sum positive; zeros when there is nothing to correlate."""
    varying = complete.std() > 0
    loadings = np.zeros(complete.shape[1])
    if len(complete) > 2 and varying.sum() >= 2:
        values, vectors = np.linalg.eigh(np.corrcoef(complete.loc[:, varying], rowvar=False))
        first = vectors[:, -1] * math.sqrt(max(values[-1], 0.0))
        loadings[varying.to_numpy()] = first if first.sum() >= 0 else -first
    return loadings


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
    warnings: list[str] = field(default_factory=list)
    not_estimable: str | None = None  # why there is no solution (then everything else is empty)


def factor_analysis(
    frame: pd.DataFrame,
    n_factors: int | None = None,
    rotation: str = "oblimin",
    method: str = "minres",
    seed: int = 7,
) -> FactorSolution:
    """Exploratory factor analysis on pairwise correlations (as R psych::fa), with KMO,
    Bartlett's test and the number of factors by parallel analysis when not given. Without
    more complete respondents than items, or with an item that does not vary, the correlations
    cannot be factored: `not_estimable` says why. A communality above 1 (a Heywood case, often
    too few respondents) is named in `warnings`, as psych's fa warns."""
    frame = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    corr = frame.corr()
    complete = frame.dropna()
    flat = [str(c) for c in frame.columns if frame[c].nunique() <= 1]
    why = (
        f"{len(complete)} complete respondents for {frame.shape[1]} items (more than {frame.shape[1]} needed)"
        if len(complete) <= frame.shape[1]
        else f"{', '.join(flat)} does not vary"
        if flat
        else "fewer than 2 items"
        if frame.shape[1] < 2
        else None
    )
    if why is not None or not np.isfinite(corr.to_numpy()).all():
        why = why or "some pairs of items have no respondent in common"
        return FactorSolution(
            0, {}, {}, [], [], None, None, None, None, not_estimable=f"not estimable: {why}"
        )
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
    heywood = [str(c) for c, h in zip(frame.columns, fa.get_communalities(), strict=True) if h > 1]
    return FactorSolution(
        warnings=[f"a Heywood case: communality above 1 for {', '.join(heywood)}"] if heywood else [],
        n_factors=k,
        loadings={
            c: [round(float(v), 4) for v in row] for c, row in zip(frame.columns, fa.loadings_, strict=True)
        },
        communalities={
            c: round(float(v), 4) for c, v in zip(frame.columns, fa.get_communalities(), strict=True)
        },
        variance=[round(float(v), 4) for v in proportion],
        cumulative=[round(float(v), 4) for v in cumulative],
        kmo=_finite(kmo),
        bartlett_chi2=_finite(bart_chi2),
        bartlett_p=_finite(bart_p),
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
    pairs: Mapping[str, Sequence[tuple[float, float]]],
    dimensions: Mapping[str, str],
    confidence: float = 0.95,
    scale: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Perception minus expectation per item (with a paired t test) and per dimension: the gap
    the mean of its items' unrounded gaps; n, the t interval and the paired t test on the
    respondents' dimension gaps (each respondent's mean gap over the dimension's items they
    answered). The i-th pair of every item is the i-th respondent's; a pair with a missing side
    (None, NaN) is left out. A test the answers cannot carry is None with `not_estimable`. With
    the answers' `scale` (low, high) the intervals are clipped to the gaps it allows, +/-(high - low)."""
    widest = scale[1] - scale[0] if scale is not None else math.inf
    items, gaps, differences = {}, {}, {}
    for item, values in pairs.items():
        arr = np.array(
            [v if not any(_missing(x) for x in v) else (np.nan, np.nan) for v in values], dtype=float
        )
        arr = arr.reshape(-1, 2)
        differences[item] = arr[:, 1] - arr[:, 0]
        arr = arr[~np.isnan(arr).any(axis=1)]
        if len(arr) < 2:
            continue
        e, p = arr[:, 0], arr[:, 1]
        gaps[item] = float((p - e).mean())
        items[item] = {
            "expectation": round(float(e.mean()), 4),
            "perception": round(float(p.mean()), 4),
            "gap": round(gaps[item], 4),
            **_paired_test(p - e, confidence, widest),
        }
    by_dimension: dict[str, list[str]] = {}
    for item, dim in dimensions.items():
        if item in items:
            by_dimension.setdefault(dim, []).append(item)
    dims = {}
    for dim, members in by_dimension.items():
        block = np.column_stack([differences[i] for i in members])
        answered = (~np.isnan(block)).sum(axis=1)
        per_respondent = np.nansum(block, axis=1)[answered > 0] / answered[answered > 0]
        dims[dim] = {
            "gap": round(float(np.mean([gaps[i] for i in members])), 4),
            "items": members,
            **_paired_test(per_respondent, confidence, widest),
        }
    overall = round(float(np.mean(list(gaps.values()))), 4) if gaps else None
    return {"items": items, "dimensions": dims, "overall_gap": overall}


def _paired_test(d: np.ndarray, confidence: float, widest: float = math.inf) -> dict[str, Any]:
    """n, the t interval of the mean difference and the paired t test (a one-sample t of the
    differences, as scipy's ttest_rel); not estimable when the differences do not vary."""
    n = len(d)
    if n < 2 or d.std() == 0:
        why = "fewer than 2 respondents" if n < 2 else "every respondent's gap is the same"
        return {
            "n": n,
            "ci_low": None,
            "ci_high": None,
            "t": None,
            "p": None,
            "not_estimable": f"not estimable: {why}",
        }
    t = sps.ttest_1samp(d, 0.0)
    half = float(sps.t.ppf((1 + confidence) / 2, n - 1) * d.std(ddof=1) / math.sqrt(n))
    mean = float(d.mean())
    return {
        "n": n,
        "ci_low": round(max(mean - half, -widest), 4),
        "ci_high": round(min(mean + half, widest), 4),
        "t": round(float(t.statistic), 4),
        "p": float(t.pvalue),
    }


def drivers(outcome: Sequence[float], predictors: pd.DataFrame, confidence: float = 0.95) -> dict[str, Any]:
    """Key-driver analysis: OLS of the outcome on the drivers (coefficients with their t
    intervals, p values, R²) and Johnson's relative weights (each driver's share of R², which
    stays fair when drivers correlate) with percentile bootstrap intervals. A driver that is
    the same for every respondent says nothing and would stand in for the intercept: it is
    dropped, and `notes` says so. Where no regression can be fitted
    (too few respondents, an outcome that does not vary, drivers that are copies of each other,
    a perfect fit) `not_estimable` says why instead of numbers."""
    frame = predictors.apply(pd.to_numeric, errors="coerce").astype(float)
    frame = frame.assign(_y=pd.to_numeric(pd.Series(list(outcome)), errors="coerce").astype(float).to_numpy())
    frame = frame.dropna()
    y, x = frame["_y"], frame.drop(columns=["_y"])
    constant = [c for c in x.columns if x[c].nunique() <= 1] if len(frame) else []
    notes = [f"{c} left out: the same for every respondent, it explains nothing" for c in constant]
    x = x.drop(columns=constant)
    n, k = len(frame), x.shape[1]
    design = sm.add_constant(x, has_constant="add")
    why = (
        "no respondent answered the outcome and every driver" if n == 0
        else "no driver varies" if k == 0
        else f"{n} complete respondents for {k} drivers (at least {k + 2} needed)" if n < k + 2
        else "the outcome does not vary" if y.nunique() <= 1
        else "some drivers are exact combinations of others" if np.linalg.matrix_rank(design) <= k
        else None
    )  # fmt: skip
    if why is None:
        model = sm.OLS(y, design).fit()
        if model.ssr <= 1e-12 * model.centered_tss:
            why = "the drivers explain the outcome exactly (nothing is left to test against)"
    if why is not None:
        return {"n": n, "r2": None, "drivers": {}, "notes": notes, "not_estimable": f"not estimable: {why}"}
    weights = relative_weights(y.to_numpy(), x.to_numpy())
    low, high, used = relative_weight_intervals(y.to_numpy(), x.to_numpy(), weights, confidence=confidence)
    ci = model.conf_int(1 - confidence)
    return {
        "n": int(model.nobs),
        "r2": round(float(model.rsquared), 4),
        "notes": notes,
        "bootstrap": {"resamples": used, "method": "percentile"},
        "drivers": {
            c: {
                "coef": round(float(model.params[c]), 4),
                "coef_ci_low": round(float(ci.loc[c, 0]), 4),
                "coef_ci_high": round(float(ci.loc[c, 1]), 4),
                "p": _finite(model.pvalues[c]),
                "relative_weight": round(float(w), 4),
                "ci_low": _finite(lo, 4),
                "ci_high": _finite(hi, 4),
                "share": round(float(w / weights.sum()), 4) if weights.sum() else None,
            }
            for c, w, lo, hi in zip(x.columns, weights, low, high, strict=True)
        },
    }


def relative_weights(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Johnson (2000): regress y on the orthogonal counterparts of the predictors and share the
    R² back through the loadings. The weights sum to the model's R²."""
    data = np.column_stack([x, y]).astype(float)
    centred = data - data.mean(axis=0)
    weights: np.ndarray = _relative_weights((centred.T @ centred)[None], np.var(data, axis=0) * len(data))[0]
    return weights


def _relative_weights(cov: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Relative weights from a stack of (predictors, outcome) scatter matrices; NaN for one in
    which a column does not vary (its sum of squares below 1e-9 of the whole sample's, `scale`)."""
    variance = np.einsum("sii->si", cov)
    bad = (variance <= 1e-9 * scale).any(axis=1)
    sd = np.sqrt(np.clip(variance, 1e-300, None))
    corr = cov / (sd[:, :, None] * sd[:, None, :])
    k = cov.shape[1] - 1
    corr[bad] = np.eye(k + 1)
    values, vectors = np.linalg.eigh(corr[:, :k, :k])
    lam = vectors @ (np.sqrt(np.clip(values, 0, None))[:, :, None] * np.swapaxes(vectors, 1, 2))
    beta = np.einsum("sij,sj->si", np.linalg.pinv(lam), corr[:, :k, k])
    weights: np.ndarray = np.einsum("sij,sj->si", lam**2, beta**2)
    weights[bad] = np.nan
    return weights


# Bootstrap resamples for the relative weights' intervals (Tonidandel, LeBreton & Johnson 2009).
RESAMPLES = 1000


def relative_weight_intervals(
    y: np.ndarray,
    x: np.ndarray,
    weights: np.ndarray,
    confidence: float = 0.95,
    resamples: int = RESAMPLES,
    seed: int = 7,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Percentile bootstrap intervals of the relative weights (Tonidandel, LeBreton & Johnson
    2009): respondents resampled with replacement, seeded so a page shows the same interval
    each time; resamples in which a driver or the outcome does not vary are left out (their
    count is the third value). Each interval is kept inside [0, 1] and holds the estimate.

    A resample is the count of times each respondent was drawn, so its scatter matrix is two
    matrix products over the respondents' centred answers and their outer products: a few
    hundred milliseconds at 20,000 respondents, in chunks of bounded memory."""
    data = np.column_stack([x, y]).astype(float)
    n, m = data.shape
    z = data - data.mean(axis=0)
    outer = (z[:, :, None] * z[:, None, :]).reshape(n, m * m)
    scale = np.var(data, axis=0) * n
    rng = np.random.default_rng(seed)
    chunk = max(1, 2_000_000 // n)  # counts of about 2 million numbers (16 MB) at a time
    parts = []
    for start in range(0, resamples, chunk):
        b = min(chunk, resamples - start)
        draws = rng.integers(0, n, (b, n)) + (np.arange(b) * n)[:, None]
        counts = np.bincount(draws.ravel(), minlength=b * n).reshape(b, n).astype(float)
        sums = counts @ z
        cov = (counts @ outer).reshape(b, m, m) - sums[:, :, None] * sums[:, None, :] / n
        parts.append(_relative_weights(cov, scale))
    samples = np.concatenate(parts)
    samples = samples[np.isfinite(samples).all(axis=1)]
    k = x.shape[1]
    if len(samples) < resamples / 2:  # too few resamples carry a fit: no interval
        return np.full(k, np.nan), np.full(k, np.nan), len(samples)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(samples, [tail, 100 - tail], axis=0)
    return np.clip(np.minimum(low, weights), 0, 1), np.clip(np.maximum(high, weights), 0, 1), len(samples)


def compare_groups(groups: Mapping[str, Sequence[float]]) -> dict[str, Any]:
    """Do the groups differ? Two groups: Welch's t (Hedges' g) and Mann-Whitney U (rank-biserial
    r); more: one-way ANOVA (eta squared) and Kruskal-Wallis (epsilon squared). Groups with
    fewer than 2 answers are left out (`left_out`); a test the data cannot carry (no variation
    within the groups, every answer the same) gives `not_estimable` and why, not NaN or p = 0."""
    data = {k: _clean(v) for k, v in groups.items()}
    left_out = {k: len(v) for k, v in data.items() if len(v) < 2}
    data = {k: v for k, v in data.items() if len(v) >= 2}
    if len(data) < 2:
        return {
            "groups": {k: len(v) for k, v in data.items()},
            "left_out": left_out,
            "tests": {},
            "not_estimable": "not estimable: fewer than 2 groups with at least 2 answers",
        }
    arrays = list(data.values())
    summary = {
        k: {"n": len(v), "mean": round(float(v.mean()), 4), "median": float(np.median(v))}
        for k, v in data.items()
    }
    grand = np.concatenate(arrays)
    if np.ptp(grand) == 0:
        why = "not estimable: every answer is the same"
        names = ("welch_t", "mann_whitney") if len(arrays) == 2 else ("anova", "kruskal_wallis")
        return {"groups": summary, "left_out": left_out, "tests": {t: {"not_estimable": why} for t in names}}
    within = sum(float(((x - x.mean()) ** 2).sum()) for x in arrays)
    no_within = "not estimable: no variation within the groups (each answers alike)"
    tests: dict[str, Any] = {}
    with np.errstate(all="ignore"):
        if len(arrays) == 2:
            a, b = arrays
            u = sps.mannwhitneyu(a, b, alternative="two-sided")
            if within:
                t = sps.ttest_ind(a, b, equal_var=False)
                g = pingouin.compute_effsize(a, b, eftype="hedges")
                tests["welch_t"] = {
                    "statistic": float(t.statistic),
                    "p": float(t.pvalue),
                    "hedges_g": _finite(g),
                }
            else:
                tests["welch_t"] = {"not_estimable": no_within}
            tests["mann_whitney"] = {
                "statistic": float(u.statistic),
                "p": float(u.pvalue),
                # positive when the first group tends to score higher (U is the first group's), as
                # pingouin's mwu and Kerby (2014): r = 2 U1 / (n1 n2) - 1
                "rank_biserial": float(2 * u.statistic / (len(a) * len(b)) - 1),
            }
        else:
            h = sps.kruskal(*arrays)
            between = sum(len(x) * (x.mean() - grand.mean()) ** 2 for x in arrays)
            total = float(((grand - grand.mean()) ** 2).sum())
            if within:
                f = sps.f_oneway(*arrays)
                tests["anova"] = {
                    "statistic": float(f.statistic),
                    "p": float(f.pvalue),
                    "eta_squared": float(between / total),
                }
            else:
                tests["anova"] = {"not_estimable": no_within}
            tests["kruskal_wallis"] = {
                "statistic": float(h.statistic),
                "p": float(h.pvalue),
                "epsilon_squared": float(h.statistic / (len(grand) - 1)),
            }
    return {"groups": summary, "left_out": left_out, "tests": tests}


# Answers a group needs before it is compared: the chi-square and Kruskal-Wallis
# approximations want about 5 per group (Kruskal & Wallis 1952; Cochran 1954).
MIN_GROUP = 5


def compare_metric(
    groups: Mapping[str, Iterable[Any]],
    metric: str,
    *,
    bounds: tuple[float, float] | None = None,
    min_n: int = MIN_GROUP,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """A survey metric ("nps", or "mean" of any score) in each group of one column, each with n,
    value and interval, then whether the groups differ: for NPS the chi-square test of the
    detractor/passive/promoter counts (Cramér's V) and the exact NPS difference test per pair;
    for means Welch's ANOVA (eta squared) and Welch's t per pair (Hedges' g, the difference's
    interval), or, when a group's answers are all alike (Welch's weights n / s² are then
    infinite), Kruskal-Wallis (epsilon squared) and Mann-Whitney U per pair (rank-biserial r).
    Pair p values are Holm-adjusted.
    Groups with fewer than `min_n` answers are shown but not compared."""
    if metric not in ("nps", "mean"):
        raise ValueError(f'metric: "nps" or "mean", not {metric!r}')
    data = {str(k): _clean(v) for k, v in groups.items()}
    if metric == "nps":
        data = {k: on_scale(v, "nps") for k, v in data.items()}
    summary: dict[str, dict[str, Any]] = {}
    for name, x in data.items():
        ind = nps(x, confidence) if metric == "nps" else mean_ci(x, confidence, bounds)
        summary[name] = {"n": ind.n, "value": ind.value, "ci_low": ind.ci_low, "ci_high": ind.ci_high}
        if len(x) < min_n:
            summary[name]["not_estimable"] = f"fewer than {min_n} answers: not compared"
    compared = [k for k, x in data.items() if len(x) >= min_n]
    out: dict[str, Any] = {
        "metric": metric,
        "min_n": min_n,
        "groups": summary,
        "compared": compared,
        "adjustment": "holm",
        "pairs": [],
    }
    if len(compared) < 2:
        why = f"not estimable: fewer than 2 groups with at least {min_n} answers"
        out["omnibus"] = {"why": "too_few_groups", "not_estimable": why}
        return out
    arrays = [data[k] for k in compared]
    pairs = [(a, b) for i, a in enumerate(compared) for b in compared[i + 1 :]]
    if metric == "nps":
        out["omnibus"], out["pairs"] = _nps_groups(data, compared, pairs)
    else:
        out["omnibus"], out["pairs"] = _mean_groups(data, arrays, pairs, confidence)
    tested = [p for p in out["pairs"] if p.get("p") is not None]
    for pair, adjusted in zip(tested, adjust([p["p"] for p in tested]) if tested else [], strict=True):
        pair["p_adjusted"] = adjusted
    return out


def _counts(x: np.ndarray) -> tuple[int, int, int]:
    return int((x <= 6).sum()), int(((x > 6) & (x < 9)).sum()), int((x >= 9).sum())


def _nps_groups(
    data: Mapping[str, np.ndarray], compared: list[str], pairs: list[tuple[str, str]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    table = [_counts(data[k]) for k in compared]
    test = crosstab_test(table)
    omnibus: dict[str, Any] = {"test": "chi_square"}
    if test["p"] is None:
        omnibus |= {"why": "no_variation", "not_estimable": "not estimable: every answer in one category"}
    else:
        omnibus |= {
            "statistic": test["chi2"],
            "df": test["dof"],
            "p": test["p"],
            "cramers_v": test["cramers_v"],
        }
        arr = np.asarray(table, dtype=float)
        arr = arr[:, arr.sum(axis=0) > 0]
        expected = np.outer(arr.sum(axis=1), arr.sum(axis=0)) / arr.sum()
        if (expected < 5).mean() > 0.2:  # Cochran (1954)
            omnibus["warning"] = "more than 20 % of the expected counts are below 5"
    out = []
    for a, b in pairs:
        (da, _, pa), (db, _, pb) = _counts(data[a]), _counts(data[b])
        na, nb = len(data[a]), len(data[b])
        p, name = nps_change_test((nb, pb, db), (na, pa, da))
        out.append(
            {
                "a": a,
                "b": b,
                "test": name,
                "difference": round(100 * ((pa - da) / na - (pb - db) / nb), 4),
                "p": p,
            }
        )
    return omnibus, out


def _mean_groups(
    data: Mapping[str, np.ndarray], arrays: list[np.ndarray], pairs: list[tuple[str, str]], confidence: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from statsmodels.stats.oneway import anova_oneway

    grand = np.concatenate(arrays)
    if np.ptp(grand) == 0:
        why = "not estimable: every answer is the same"
        alike = [{"a": a, "b": b, "difference": 0.0, "p": None, "not_estimable": why} for a, b in pairs]
        return {"why": "no_variation", "not_estimable": why}, alike
    welch = all(np.ptp(x) > 0 for x in arrays)
    out = []
    with np.errstate(all="ignore"):
        if welch:
            f = anova_oneway(arrays, use_var="unequal", welch_correction=True)
            between = sum(len(x) * (x.mean() - grand.mean()) ** 2 for x in arrays)
            omnibus = {
                "test": "welch_anova",
                "statistic": float(f.statistic),
                "df": [float(f.df[0]), float(f.df[1])],
                "p": float(f.pvalue),
                "eta_squared": float(between / ((grand - grand.mean()) ** 2).sum()),
            }
        else:
            h = sps.kruskal(*arrays)
            omnibus = {
                "test": "kruskal_wallis",
                "statistic": float(h.statistic),
                "df": len(arrays) - 1,
                "p": float(h.pvalue),
                "epsilon_squared": float(h.statistic / (len(grand) - 1)),
            }
        for a, b in pairs:
            x, y = data[a], data[b]
            pair: dict[str, Any] = {"a": a, "b": b, "difference": round(float(x.mean() - y.mean()), 4)}
            if np.ptp(np.concatenate([x, y])) == 0:
                pair |= {"p": None, "not_estimable": "not estimable: every answer is the same"}
            elif welch:
                t = sps.ttest_ind(x, y, equal_var=False)
                g = pingouin.compute_effsize(x, y, eftype="hedges")
                ci = t.confidence_interval(confidence)
                pair |= {"test": "welch_t", "statistic": float(t.statistic), "p": float(t.pvalue)}
                pair |= {"ci_low": float(ci.low), "ci_high": float(ci.high)}  # of the difference
                pair["hedges_g"] = _finite(g)
            else:
                u = sps.mannwhitneyu(x, y, alternative="two-sided")
                pair |= {"test": "mann_whitney", "statistic": float(u.statistic), "p": float(u.pvalue)}
                pair["rank_biserial"] = float(2 * u.statistic / (len(x) * len(y)) - 1)
            out.append(pair)
    return omnibus, out


def crosstab_test(table: Sequence[Sequence[int]]) -> dict[str, Any]:
    """Chi-square test of independence on a contingency table, with Cramér's V. Empty rows and
    columns (a category nobody chose) are left out; with fewer than two of either left there is
    nothing to test, and the answer says so instead of a number."""
    arr = np.asarray(table, dtype=float)
    arr = arr[arr.sum(axis=1) > 0][:, arr.sum(axis=0) > 0] if arr.ndim == 2 else arr
    if arr.ndim != 2 or min(arr.shape) < 2:
        why = "not estimable: fewer than two non-empty rows or columns"
        return {"chi2": None, "p": None, "dof": 0, "cramers_v": None, "not_estimable": why}
    chi2, p, dof, _ = sps.chi2_contingency(arr)
    v = math.sqrt(chi2 / (arr.sum() * (min(arr.shape) - 1)))
    return {"chi2": float(chi2), "p": float(p), "dof": int(dof), "cramers_v": v}


def adjust(pvalues: Sequence[float], method: str = "holm") -> list[float]:
    """Multiplicity correction: "holm" (family-wise) or "fdr_bh" (Benjamini-Hochberg), by
    pingouin's multicomp (statsmodels' multipletests gives the same numbers but runs a full
    garbage collection for Holm: 0.2-0.3 s a call in a process with the models loaded)."""
    if not len(pvalues):
        return []
    return [float(p) for p in pingouin.multicomp(np.asarray(pvalues, dtype=float), method=method)[1]]


def p_chart(events: Sequence[int], totals: Sequence[int]) -> dict[str, Any]:
    """A p-chart (e.g. complaints per feedback received, per week): centre line, 3-sigma limits
    per period, and the periods out of control by Western Electric rules 1 (beyond the limits)
    and 4 (8 in a row on one side of the centre; empty periods neither break nor extend a run).
    With no events at all, or nothing but events, there is no variation to chart."""
    e, n = np.asarray(events, dtype=float), np.asarray(totals, dtype=float)
    p_bar = float(e.sum() / n.sum()) if n.sum() else 0.0
    sigma = np.sqrt(p_bar * (1 - p_bar) / np.where(n > 0, n, np.nan))
    p = np.divide(e, n, out=np.zeros_like(e), where=n > 0)
    upper = np.minimum(p_bar + 3 * sigma, 1.0)
    lower = np.maximum(p_bar - 3 * sigma, 0.0)
    charted = 0 < p_bar < 1
    beyond = [i for i in range(len(p)) if charted and n[i] > 0 and (p[i] > upper[i] or p[i] < lower[i])]
    with_data = np.flatnonzero(n > 0)
    runs = [int(with_data[i]) for i in _runs(p[with_data], p_bar)] if charted else []
    return {
        "centre": p_bar,
        "points": [round(float(x), 6) for x in p],
        # a period with nothing received has no limits
        "upper": [round(float(x), 6) if t > 0 else None for x, t in zip(upper, n, strict=True)],
        "lower": [round(float(x), 6) if t > 0 else None for x, t in zip(lower, n, strict=True)],
        "beyond_limits": beyond,
        "runs": runs,
        "out_of_control": sorted({*beyond, *runs}),
        "charted": charted,
        "rules": CHART_RULES,
    }


# -- weighting ------------------------------------------------------------------------------


def rake(frame: pd.DataFrame, targets: Mapping[str, Mapping[Any, float]]) -> pd.Series:
    """Raking (iterative proportional fitting, weightipy's rim weighting): weights, mean 1, that
    make the sample's share of each category of each variable match the population's. One
    variable, or one variable of combined cells, is post-stratification. A category answered
    but without a population share, or with a share but no respondent, is a ValueError naming
    it: such margins cannot be met."""
    import weightipy

    columns = list(targets)
    data = frame[columns].astype(str).reset_index(drop=True)
    for c, shares in targets.items():  # margins that cannot be met would be met silently wrong
        present, wanted = set(data[c]), {str(k) for k, v in shares.items() if v > 0}
        if present - wanted:
            extra = ", ".join(sorted(present - wanted)[:5])
            raise ValueError(f"weights: {c} has answers in {extra}, which have no population share")
        if wanted - present:
            raise ValueError(f"weights: no respondent in {', '.join(sorted(wanted - present)[:5])} of {c}")
    scheme = weightipy.scheme_from_dict(
        {
            c: {str(k): 100.0 * v / sum(shares.values()) for k, v in shares.items()}
            for c, shares in targets.items()
        }
    )
    weighted = weightipy.weight_dataframe(data.copy(), scheme, weight_column="_w")
    return pd.Series(weighted["_w"].to_numpy(), index=frame.index, name="weight")


def post_stratify(
    frame: pd.DataFrame, cells: Sequence[str], shares: Mapping[tuple[Any, ...], float]
) -> pd.Series:
    """Post-stratification on the joint cells of `cells` (e.g. branch x segment): each cell's
    weight is its population share over its sample share."""
    key = frame[list(cells)].astype(str).agg("|".join, axis=1)
    targets = {"|".join(map(str, cell)): share for cell, share in shares.items()}
    return rake(frame.assign(_cell=key), {"_cell": targets})


def effective_n(weights: Sequence[float]) -> float:
    """Kish's effective sample size: (sum w)^2 / sum w^2."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum()) if len(w) else 0.0


def weighted_nps(scores: Iterable[Any], weights: Sequence[float], confidence: float = 0.95) -> Indicator:
    """NPS with weights; the adjusted Wald interval on Kish's effective sample size."""
    s = pd.to_numeric(pd.Series(list(scores)), errors="coerce")
    w = pd.Series(list(weights), dtype=float)
    keep = s.notna() & w.notna()
    s, w = s[keep], w[keep]
    on_scale(s.to_numpy(dtype=float), "nps")
    if not len(s):
        return Indicator(None, 0)
    total = w.sum()
    promoters, detractors = w[s >= 9].sum() / total, w[s <= 6].sum() / total
    score = promoters - detractors
    n_eff = effective_n(w.to_numpy())
    low, high = nps_interval(n_eff, promoters * n_eff, detractors * n_eff, confidence)
    return Indicator(
        round(100 * score, 4), int(len(s)), round(100 * low, 4), round(100 * high, 4),
        {"effective_n": round(n_eff, 2)},
    )  # fmt: skip


def weighted_mean(
    values: Iterable[Any],
    weights: Sequence[float],
    confidence: float = 0.95,
    bounds: tuple[float, float] | None = None,
) -> Indicator:
    """A weighted mean (statsmodels' DescrStatsW) with a t interval on Kish's effective n: the
    weighted variance of the answers times n_eff / (n_eff - 1), over n_eff, so that it does not
    depend on how the weights are scaled; clipped to the scale's `bounds` when given."""
    from statsmodels.stats.weightstats import DescrStatsW

    v = pd.to_numeric(pd.Series(list(values)), errors="coerce")
    w = pd.Series(list(weights), dtype=float)
    keep = v.notna() & w.notna()
    v, w = v[keep].to_numpy(dtype=float), w[keep].to_numpy()
    if len(v) < 2:
        return Indicator(float(v[0]) if len(v) else None, int(len(v)))
    d = DescrStatsW(v, weights=w, ddof=0)
    n_eff = effective_n(w)
    mean = float(d.mean)
    variance = max(float(d.var), 0.0) * n_eff / (n_eff - 1) if n_eff > 1 else 0.0
    half = sps.t.ppf(0.5 + confidence / 2, max(n_eff - 1, 1)) * math.sqrt(variance / n_eff)
    low, high = (-math.inf, math.inf) if bounds is None else bounds
    return Indicator(round(mean, 4), int(len(v)), round(max(mean - half, low), 4),
                     round(min(mean + half, high), 4), {"effective_n": round(n_eff, 2)})  # fmt: skip


# -- correlations, CFA, IPA, control charts -----------------------------------------------------


def correlations(frame: pd.DataFrame, method: str = "pearson", adjust_method: str = "holm") -> dict[str, Any]:
    """The correlation matrix, and each pair's r, 95 % CI (Fisher's z), n and p (pingouin's
    corr over the respondents who answered both), the p values corrected for the number of
    pairs (Holm by default). A pair that cannot be tested — fewer than 3 respondents, a column
    that does not vary, a perfect correlation (p would be 0) — has `not_estimable` and is left
    out of the correction."""
    frame = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    columns = list(frame.columns)
    pairs = []
    for i, a in enumerate(columns):
        for b in columns[i + 1 :]:
            both = frame[[a, b]].dropna()
            pair: dict[str, Any] = {
                "x": a,
                "y": b,
                "n": len(both),
                "r": None,
                "ci_low": None,
                "ci_high": None,
            }
            pair |= {"p": None, "p_adjusted": None}
            flat = [c for c in (a, b) if both[c].nunique() <= 1]
            if len(both) < 3 or flat:
                why = (
                    f"{', '.join(map(str, flat))} does not vary"
                    if len(both) >= 3
                    else "fewer than 3 respondents answered both"
                )
                pairs.append(pair | {"not_estimable": f"not estimable: {why}"})
                continue
            with np.errstate(all="ignore"):
                row = pingouin.corr(both[a], both[b], method=method).iloc[0]
            pair["r"] = _finite(row["r"], 4)
            if abs(float(row["r"])) >= 1 - 1e-9:
                pairs.append(pair | {"not_estimable": "not estimable: a perfect correlation, no test"})
                continue
            ci = row["CI95"] if "CI95" in row else row["CI95%"]  # pingouin 0.7 renamed "CI95%"
            pair |= {"ci_low": _finite(ci[0], 4), "ci_high": _finite(ci[1], 4)}
            pair["p"] = _finite(row["p_val"] if "p_val" in row else row["p-val"])
            pairs.append(pair)
    tested = [p for p in pairs if p["p"] is not None]
    for pair, adjusted in zip(tested, adjust([p["p"] for p in tested]) if tested else [], strict=True):
        pair["p_adjusted"] = adjusted
    matrix = frame.corr(method=method)
    return {
        "method": method,
        "not_estimable": {
            str(c): "not estimable: it does not vary" for c in frame.columns if frame[c].nunique() <= 1
        },
        "matrix": {a: {b: _finite(matrix.loc[a, b], 4) for b in matrix.columns} for a in matrix.index},
        "pairs": pairs,
    }


def cfa(frame: pd.DataFrame, model: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Confirmatory factor analysis by maximum likelihood (semopy; the first item of each factor
    fixed at 1, as lavaan does): chi-square, df, p, CFI, TLI, RMSEA, and each loading with its
    standard error and standardised value. Without more complete respondents than items, or
    with an item that does not vary, `not_estimable` says why; a model with no degrees of
    freedom has loadings but no test of fit. scipy's trust-constr solver, which keeps variances
    non-negative as semopy's default SLSQP does but runs to the minimum: SLSQP stops about
    0.0015 short of lavaan's loadings."""
    import semopy

    description = "\n".join(f"{factor} =~ {' + '.join(items)}" for factor, items in model.items())
    items = [i for group in model.values() for i in group]
    data = frame[items].apply(pd.to_numeric, errors="coerce").astype(float).dropna()
    flat = [str(i) for i in items if data[i].nunique() <= 1]
    if len(data) <= len(items) or flat:
        why = (
            f"{', '.join(flat)} does not vary"
            if flat and len(data) > len(items)
            else (f"{len(data)} complete respondents for {len(items)} items (more than {len(items)} needed)")
        )
        return {"n": len(data), "df": None, "loadings": {}, "not_estimable": f"not estimable: {why}"}
    fitted = semopy.Model(description)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # trust-constr's notes on its quasi-Newton updates
        fitted.fit(data, solver="trust-constr")
        fit = semopy.calc_stats(fitted).T["Value"]
        estimates = fitted.inspect(std_est=True)
    loadings = estimates[estimates["op"] == "~"]
    df = int(fit["DoF"])
    # Bentler's CFI, bounded to [0, 1] as lavaan reports it (semopy leaves it unbounded)
    misfit, baseline = (
        max(float(fit["chi2"]) - df, 0.0),
        float(fit["chi2 Baseline"]) - float(fit["DoF Baseline"]),
    )
    cfi = 1 - misfit / max(misfit, baseline) if max(misfit, baseline) > 0 else 1.0
    out: dict[str, Any] = {
        "n": int(len(data)),
        "chi2": _finite(fit["chi2"], 3),
        "df": df,
        "p": _finite(fit["chi2 p-value"]),
        "cfi": _finite(cfi, 4),
        "tli": _finite(fit["TLI"], 4),
        "rmsea": _finite(fit["RMSEA"], 4),
        "loadings": {
            row["lval"]: {
                "factor": row["rval"],
                "estimate": _finite(row["Estimate"], 4),
                "se": None if row["Std. Err"] == "-" else _finite(row["Std. Err"], 4),
                "standardised": _finite(row["Est. Std"], 4),
            }
            for _, row in loadings.iterrows()
        },
    }
    if df <= 0:  # just identified: the model reproduces the covariances, fit cannot be tested
        out |= {"p": None, "tli": None, "rmsea": None, "cfi": None}
        out["not_estimable"] = f"fit not testable: the model has {df} degrees of freedom"
    return out


IPA_QUADRANTS = ("concentrate here", "keep up the good work", "low priority", "possible overkill")


def ipa(performance: Mapping[str, float], importance: Mapping[str, float]) -> dict[str, Any]:
    """Importance-performance analysis (Martilla & James): each attribute placed by its
    importance and performance against the grand means of both."""
    common = [k for k in performance if k in importance]
    if not common:
        why = "not estimable: no item has both an importance and a performance"
        return {"importance_mean": None, "performance_mean": None, "items": {}, "not_estimable": why}
    p_mean = float(np.mean([performance[k] for k in common]))
    i_mean = float(np.mean([importance[k] for k in common]))

    def quadrant(k: str) -> str:
        high_i, high_p = importance[k] >= i_mean, performance[k] >= p_mean
        return IPA_QUADRANTS[0 if high_i and not high_p else 1 if high_i else 2 if not high_p else 3]

    return {
        "importance_mean": round(i_mean, 4),
        "performance_mean": round(p_mean, 4),
        "items": {
            k: {"importance": importance[k], "performance": performance[k], "quadrant": quadrant(k)}
            for k in common
        },
    }


# Western Electric rules the charts apply: 1 (a point beyond 3 sigma), 4 (8 in a row on one side).
CHART_RULES = ["beyond_limits", "run_of_8"]


def _no_chart(**extra: Any) -> dict[str, Any]:
    """A chart with no data: nothing to centre or flag."""
    return {
        "centre": None, "upper": None, "lower": None, **extra, "beyond_limits": [], "runs": [],
        "charted": False, "rules": CHART_RULES, "not_estimable": "not estimable: no data",
    }  # fmt: skip


def _runs(x: np.ndarray, centre: float) -> list[int]:
    """Western Electric rule 4: the points ending 8 in a row on one side of the centre."""
    side = np.sign(x - centre)
    return [i for i in range(7, len(x)) if abs(side[i - 7 : i + 1].sum()) == 8]


def individuals_chart(values: Sequence[float]) -> dict[str, Any]:
    """An individuals (X) chart with moving ranges: centre, 3-sigma limits from the average
    moving range (sigma = MR-bar / 1.128), and the points breaking the Western Electric rules
    1 (beyond 3 sigma) and 4 (8 in a row on one side of the centre). With no moving range
    (every value the same, or a single one) there is no variation to chart."""
    x = np.asarray(values, dtype=float)
    if not len(x):
        return _no_chart(moving_range=None)
    centre = float(x.mean())
    mr_bar = float(np.abs(np.diff(x)).mean()) if len(x) > 1 else 0.0
    sigma = mr_bar / 1.128
    upper, lower = centre + 3 * sigma, centre - 3 * sigma
    charted = sigma > 0
    beyond = [i for i, v in enumerate(x) if charted and (v > upper or v < lower)]
    return {
        "centre": round(centre, 6), "upper": round(upper, 6), "lower": round(lower, 6),
        "moving_range": round(mr_bar, 6), "beyond_limits": beyond,
        "runs": _runs(x, centre) if charted else [], "charted": charted, "rules": CHART_RULES,
    }  # fmt: skip


def c4(n: int) -> float:
    """The bias of the sample standard deviation of n normal values: E[s] = c4 sigma."""
    return math.sqrt(2 / (n - 1)) * math.exp(gammaln(n / 2) - gammaln((n - 1) / 2))


def xbar_chart(means: Sequence[float], sizes: Sequence[int], variances: Sequence[float]) -> dict[str, Any]:
    """An X-bar chart for subgroups of unequal size (e.g. the mean CSAT of each week): the
    centre is the grand mean, s-bar the pooled within-subgroup standard deviation, and each
    subgroup's limits centre +/- A3(n_i) s-bar = 3 s-bar / (c4(n_i) sqrt(n_i)) (Montgomery,
    Introduction to Statistical Quality Control, 6.3.2; a subgroup of one takes c4(2)); with the
    points breaking Western Electric rules 1 and 4. When no subgroup varies within (one answer
    each, or identical answers) sigma is 0 and there is no variation to chart."""
    x, n = np.asarray(means, dtype=float), np.asarray(sizes, dtype=float)
    if not n.sum():
        return {**_no_chart(sigma=None), "points": [], "upper": [], "lower": []}
    v = np.nan_to_num(np.asarray(variances, dtype=float))
    centre = float((x * n).sum() / n.sum())
    dof = float((n - 1).clip(min=0).sum())
    s_bar = math.sqrt(float(((n - 1).clip(min=0) * v).sum()) / dof) if dof else 0.0
    charted = s_bar > 0
    half = 3 * s_bar / (np.array([c4(max(int(k), 2)) for k in n]) * np.sqrt(n))
    upper, lower = centre + half, centre - half
    return {
        "centre": round(centre, 6),
        "sigma": round(s_bar, 6),
        "points": [round(float(p), 6) for p in x],
        "upper": [round(float(u), 6) for u in upper],
        "lower": [round(float(u), 6) for u in lower],
        "beyond_limits": [i for i in range(len(x)) if charted and (x[i] > upper[i] or x[i] < lower[i])],
        "runs": _runs(x, centre) if charted else [],
        "charted": charted,
        "rules": CHART_RULES,
    }
