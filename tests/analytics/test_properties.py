"""Issue 19, "done when": every public statistic fed random small samples (n = 0..5, constant,
at the ends of the scale, with missing answers) raises nothing but the documented ValueError for
scores off the scale, shows no NaN or inf, and keeps its intervals inside the scale and around
the estimate."""

import math
from dataclasses import asdict, is_dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voxloop.analytics import indicators as ind
from voxloop.analytics import stats

QUICK = settings(max_examples=60, deadline=None)
MISSING = st.sampled_from([None, float("nan"), pd.NA])


def answers(low: int, high: int, size: int = 5) -> st.SearchStrategy[list[Any]]:
    """Up to `size` answers on the scale, some missing, often all alike or at an end."""
    value = st.one_of(st.integers(low, high), st.sampled_from([low, high]), MISSING)
    constant = st.tuples(st.integers(low, high), st.integers(0, size)).map(lambda t: [t[0]] * t[1])
    return st.one_of(st.lists(value, max_size=size), constant)


def finite(result: Any) -> None:
    """No NaN or inf anywhere in a result (dicts, lists, dataclasses, numbers)."""
    if is_dataclass(result):
        result = asdict(result)  # type: ignore[arg-type]
    if isinstance(result, dict):
        for v in result.values():
            finite(v)
    elif isinstance(result, list | tuple):
        for v in result:
            finite(v)
    elif isinstance(result, float | np.floating):
        assert math.isfinite(result), result


def around(value: float | None, low: float | None, high: float | None, lo: float, hi: float) -> None:
    """An interval inside the scale [lo, hi] holding its estimate (or no interval at all)."""
    if value is None:
        assert low is None and high is None
        return
    assert lo <= value <= hi
    if low is not None or high is not None:
        assert lo <= low <= value <= high <= hi, (low, value, high)


@QUICK
@given(answers(0, 10), st.lists(st.sampled_from([-3, 11, 12.5]), max_size=2))
def test_nps(scores, off):
    if off:
        with pytest.raises(ValueError, match="off the scale"):
            stats.nps([*scores, *off])
        return
    r = stats.nps(scores)
    finite(r)
    around(r.value, r.ci_low, r.ci_high, -100, 100)
    assert r.n == sum(s is not None and not pd.isna(s) for s in scores)


@QUICK
@given(answers(1, 5), st.lists(st.sampled_from([0, 6, 10]), max_size=2))
def test_csat_and_wilson(scores, off):
    if off:
        with pytest.raises(ValueError, match="off the scale"):
            stats.csat([*scores, *off])
        return
    r = stats.csat(pd.Series(scores, dtype=object))
    finite(r)
    around(r["mean"].value, r["mean"].ci_low, r["mean"].ci_high, 1, 5)
    around(r["top2"].value, r["top2"].ci_low, r["top2"].ci_high, 0, 1)


@QUICK
@given(answers(1, 7))
def test_a_mean_with_its_interval(scores):
    r = stats.mean_ci(scores, bounds=(1, 7))
    finite(r)
    around(r.value, r.ci_low, r.ci_high, 1, 7)


@QUICK
@given(st.integers(0, 5).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson(pair):
    r = stats.proportion_ci(*pair)
    finite(r)
    around(r.value, r.ci_low, r.ci_high, 0, 1)


def summary(metric: str, scores: list[int]) -> tuple[Any, ...]:
    """A period as the indicators keep it: (n, promoters, detractors), (n, mean, variance) or
    (n, events, None)."""
    n = len(scores)
    if metric == "nps":
        return n, sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
    if metric == "csat":
        return n, float(np.mean(scores)) if n else 0.0, float(np.var(scores, ddof=1)) if n > 1 else None
    return n, sum(scores), None


@QUICK
@given(
    st.sampled_from([("nps", 0, 10), ("csat", 1, 5), ("complaint_rate", 0, 1)]).flatmap(
        lambda m: st.tuples(
            st.just(m[0]),
            st.lists(st.sampled_from([m[1], m[2], (m[1] + m[2]) // 2]), max_size=5),
            st.lists(st.integers(m[1], m[2]), max_size=5),
        )
    )
)
def test_change_tests(case):
    metric, before, after = case
    r = ind.change(metric, summary(metric, before), summary(metric, after))
    finite(r)
    assert r["p"] is None or 0 < r["p"] <= 1
    if before and after:
        p, _ = stats.nps_change_test(summary("nps", [min(s, 10) for s in before]), summary("nps", after))
        assert 0 < p <= 1


@QUICK
@given(st.lists(st.integers(0, 5).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), max_size=5))
def test_p_chart(periods):
    r = stats.p_chart([e for e, _ in periods], [n for _, n in periods])
    finite(r)
    for point, low, high, (_, n) in zip(r["points"], r["lower"], r["upper"], periods, strict=True):
        if n and r["charted"]:
            assert 0 <= low <= r["centre"] <= high <= 1 and 0 <= point <= 1


@QUICK
@given(st.lists(st.integers(1, 5), max_size=5))
def test_individuals_chart(values):
    r = stats.individuals_chart(values)
    finite(r)
    if values:
        assert r["lower"] <= r["centre"] <= r["upper"]
    assert r["beyond_limits"] == [] or r["charted"]


@QUICK
@given(st.lists(st.lists(st.integers(1, 5), min_size=1, max_size=5), max_size=5))
def test_xbar_chart(groups):
    variances = [float(np.var(g, ddof=1)) if len(g) > 1 else float("nan") for g in groups]
    r = stats.xbar_chart([float(np.mean(g)) for g in groups], [len(g) for g in groups], variances)
    finite(r)
    for low, high in zip(r["lower"], r["upper"], strict=True):
        assert low <= r["centre"] <= high


@QUICK
@given(st.lists(answers(1, 5), min_size=2, max_size=4))
def test_compare_groups(groups):
    r = stats.compare_groups({f"g{i}": g for i, g in enumerate(groups)})
    finite(r)
    for test in r["tests"].values():
        assert "not_estimable" in test or 0 < test["p"] <= 1


@QUICK
@given(st.lists(answers(1, 5, size=7), min_size=1, max_size=4), st.sampled_from(["mean", "nps"]))
def test_compare_metric(groups, metric):
    r = stats.compare_metric({f"g{i}": g for i, g in enumerate(groups)}, metric, bounds=(1, 5), min_n=3)
    finite(r)
    lo, hi = (-100, 100) if metric == "nps" else (1, 5)
    for g in r["groups"].values():
        around(g["value"], g["ci_low"], g["ci_high"], lo, hi)
    assert "not_estimable" in r["omnibus"] or 0 < r["omnibus"]["p"] <= 1
    for pair in r["pairs"]:
        assert pair["p"] is None or 0 < pair["p"] <= pair["p_adjusted"] <= 1


@QUICK
@given(st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3), max_size=4))
def test_crosstab(table):
    r = stats.crosstab_test(table)
    finite(r)
    assert r["p"] is None or 0 < r["p"] <= 1
    assert r["p"] is not None or r["not_estimable"]


@QUICK
@given(
    st.integers(2, 3).flatmap(
        lambda k: st.lists(
            st.lists(st.one_of(st.integers(1, 5), st.just(None)), min_size=k, max_size=k), max_size=5
        )
    ),
    st.sampled_from(["pairwise", "listwise"]),
)
def test_alpha(rows, policy):
    frame = pd.DataFrame(rows, columns=["a", "b", "c"][: len(rows[0])] if rows else ["a", "b"], dtype=float)
    r = stats.reliability(frame, nan_policy=policy)
    finite(r)
    assert (r.alpha is None) == (r.not_estimable is not None)
    if r.alpha is not None:
        assert r.alpha <= 1
        around(r.alpha, r.ci_low, r.ci_high, -math.inf, 1)


@QUICK
@given(
    st.lists(
        st.lists(
            st.tuples(st.one_of(st.integers(1, 7), MISSING), st.one_of(st.integers(1, 7), MISSING)),
            max_size=5,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_servqual_gaps(items):
    length = max(len(i) for i in items)  # every item answered by the same respondents, in order
    pairs = {f"i{k}": v + [(None, None)] * (length - len(v)) for k, v in enumerate(items)}
    r = stats.servqual_gaps(pairs, {name: "empathy" for name in pairs}, scale=(1, 7))
    finite(r)
    for row in [*r["items"].values(), *r["dimensions"].values()]:
        assert -6 <= row["gap"] <= 6
        assert (row["p"] is None) == ("not_estimable" in row)
        if row["ci_low"] is not None:
            assert -6 <= row["ci_low"] <= row["ci_high"] <= 6 and 0 < row["p"] <= 1


def frame_of(rows: list[list[Any]], columns: list[str]) -> pd.DataFrame:
    """Answers as a spreadsheet gives them: numbers, None, NaN and pandas' NA mixed."""
    return pd.DataFrame(rows, columns=columns, dtype=object)


respondents = st.lists(st.lists(st.one_of(st.integers(1, 5), MISSING), min_size=3, max_size=3), max_size=6)


@QUICK
@given(respondents)
def test_drivers_and_their_bootstrap_intervals(rows):
    frame = frame_of(rows, ["y", "a", "b"])
    r = stats.drivers(frame["y"], frame[["a", "b"]])
    finite(r)
    assert (r["r2"] is None) == ("not_estimable" in r)
    if r["r2"] is not None:
        assert 0 <= r["r2"] <= 1
    for d in r["drivers"].values():
        around(d["relative_weight"], d["ci_low"], d["ci_high"], 0, 1)
        assert d["coef_ci_low"] <= d["coef"] <= d["coef_ci_high"]


@QUICK
@given(respondents)
def test_correlations(rows):
    r = stats.correlations(frame_of(rows, ["a", "b", "c"]))
    finite(r)
    for pair in r["pairs"]:
        if pair["r"] is not None and pair["ci_low"] is not None:
            around(pair["r"], pair["ci_low"], pair["ci_high"], -1, 1)
        assert pair["p_adjusted"] is None or 0 < pair["p_adjusted"] <= 1


@QUICK
@given(answers(0, 10), st.lists(st.floats(0.2, 5), min_size=5, max_size=5))
def test_weighted_nps_and_mean(scores, weights):
    w = weights[: len(scores)]
    r = stats.weighted_nps(scores, w)
    finite(r)
    around(r.value, r.ci_low, r.ci_high, -100, 100)
    m = stats.weighted_mean(scores, w, bounds=(0, 10))
    finite(m)
    around(m.value, m.ci_low, m.ci_high, 0, 10)


@QUICK
@given(st.dictionaries(st.sampled_from("abcde"), st.tuples(st.floats(0, 1), st.floats(1, 5)), max_size=5))
def test_ipa(items):
    r = stats.ipa({k: p for k, (_, p) in items.items()}, {k: i for k, (i, _) in items.items()})
    finite(r)
    assert set(r["items"]) == set(items)


@QUICK
@given(st.lists(st.lists(st.one_of(st.integers(1, 5), MISSING), min_size=4, max_size=4), max_size=7))
def test_factor_analyses(rows):
    frame = frame_of(rows, ["a", "b", "c", "d"])
    efa = stats.factor_analysis(frame)
    finite(efa)
    assert (efa.not_estimable is None) == bool(efa.loadings)
    for model in ({"F": ["a", "b", "c"]}, {"F": ["a", "b"], "G": ["c", "d"]}):
        c = stats.cfa(frame, model)
        finite(c)
        assert ("chi2" in c and c["df"] > 0) or c["not_estimable"]
        assert c.get("cfi") is None or 0 <= c["cfi"] <= 1
        assert c.get("p") is None or 0 <= c["p"] <= 1


@QUICK
@given(st.lists(st.sampled_from(["x", "y", "z"]), max_size=6))
def test_weights_and_effective_n(cells):
    frame = pd.DataFrame({"g": cells})
    if set(cells) == {"x", "y", "z"}:
        w = stats.rake(frame, {"g": {"x": 0.2, "y": 0.3, "z": 0.5}})
        finite(list(w))
        assert len(w) == len(cells) and (w > 0).all()
        assert 0 < stats.effective_n(w) <= len(cells) + 1e-9
    assert stats.effective_n([]) == 0


@QUICK
@given(
    st.floats(0.5, 6).flatmap(
        lambda n: st.tuples(st.just(n), st.floats(0, n), st.floats(0, n)).filter(
            lambda t: t[1] + t[2] <= t[0]
        )
    )
)
def test_the_nps_interval_on_an_effective_n(case):
    n, promoters, detractors = case  # weighted samples give fractional counts
    low, high = stats.nps_interval(n, promoters, detractors)
    score = (promoters - detractors) / n
    finite([low, high])
    assert -1 <= low <= score + 1e-12 and score - 1e-12 <= high <= 1


@QUICK
@given(st.lists(st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0])), max_size=6))
def test_multiplicity_corrections(pvalues):
    for method in ("holm", "fdr_bh"):
        adjusted = stats.adjust(pvalues, method)
        finite(adjusted)
        assert len(adjusted) == len(pvalues)
        assert all(p <= a <= 1 for p, a in zip(pvalues, adjusted, strict=True))


@QUICK
@given(st.lists(st.tuples(st.sampled_from("ab"), st.sampled_from("xy")), min_size=1, max_size=6))
def test_post_stratification(cells):
    frame = pd.DataFrame(cells, columns=["branch", "segment"])
    present = set(cells)
    shares = {cell: 1 / len(present) for cell in present}
    w = stats.post_stratify(frame, ["branch", "segment"], shares)
    finite(list(w))
    for cell in present:  # each cell weighs its population share
        inside = [w.iloc[i] for i, c in enumerate(cells) if c == cell]
        assert sum(inside) / w.sum() == pytest.approx(shares[cell], abs=1e-6)
