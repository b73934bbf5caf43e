"""Issue 19: statistics that hold at n = 3 — intervals inside the scale with the coverage they
claim, tests defined at the boundary, control charts that do not cry wolf at sigma 0. Each
against an independent computation: a simulation, scipy, pingouin or exact enumeration."""

import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats as sps
from sqlalchemy import select

from tests.analytics.test_trends import analytics, sync  # noqa: F401
from tests.factories import make_account
from tests.web.test_pages import login
from voxloop.analytics import indicators as ind
from voxloop.analytics import stats
from voxloop.db import session_scope
from voxloop.initiatives import evaluation as judge
from voxloop.surveys.models import Survey

SIZES = (10, 20, 50)


def interval_table(n: int) -> tuple[np.ndarray, np.ndarray]:
    """stats.nps' interval (as a share) for every (promoters, detractors) split of n answers."""
    low, high = np.full((n + 1, n + 1), np.nan), np.full((n + 1, n + 1), np.nan)
    for p in range(n + 1):
        for d in range(n + 1 - p):
            r = stats.nps([10] * p + [0] * d + [8] * (n - p - d))
            low[p, d], high[p, d] = r.ci_low / 100, r.ci_high / 100
    return low, high


def coverage(n: int, promoters: np.ndarray, detractors: np.ndarray, rng: np.random.Generator) -> float:
    """The share of simulated samples whose interval holds the true NPS."""
    low, high = interval_table(n)
    counts = rng.multinomial(n, np.stack([promoters, detractors, 1 - promoters - detractors], axis=1))
    truth = promoters - detractors
    inside = (low[counts[:, 0], counts[:, 1]] <= truth) & (truth <= high[counts[:, 0], counts[:, 1]])
    return float(inside.mean())


@pytest.mark.parametrize("n", SIZES)
def test_the_nps_interval_covers_95_percent_near_the_boundary_and_in_the_middle(n):
    # Coverage averaged over a region of true shares (Brown, Cai & DasGupta 2001), 4000 draws each.
    rng = np.random.default_rng(0)
    draws = 4000
    high_share = rng.uniform(0.8, 0.98, draws)  # one category near 1, the other two near 0
    rest = (1 - high_share) * rng.uniform(0, 1, draws)
    middle_p = rng.uniform(0.2, 0.6, draws)
    middle_d = (1 - middle_p) * rng.uniform(0, 1, draws)
    regions = {
        "promoters near 1": (high_share, rest),
        "detractors near 1 (promoters near 0)": (rest, high_share),
        "in the middle": (middle_p, middle_d),
    }
    for name, (promoters, detractors) in regions.items():
        assert 0.93 <= coverage(n, promoters, detractors, rng) <= 0.97, name
    # almost all passives: conservative (the pseudo-observations widen it), never short
    few = rng.uniform(0.01, 0.1, (2, draws))
    assert coverage(n, few[0], few[1], rng) >= 0.93


def test_the_nps_interval_stays_on_the_scale_and_is_never_a_point():
    for scores in ([10, 10, 0], [10] * 50, [0] * 50, [10], [8] * 5, [0, 10]):
        r = stats.nps(scores)
        assert -100 <= r.ci_low <= r.value <= r.ci_high <= 100, scores
        assert r.ci_high - r.ci_low > 1, scores
    assert stats.nps([10] * 50).ci_high == 100 and stats.nps([0] * 50).ci_low == -100
    assert stats.nps([]).value is None


def test_the_nps_interval_is_rocks_adjusted_wald():
    # Rocks (2016): add 0.75 detractor, 1.5 passive and 0.75 promoter, then Wald on n + 3
    scores = [10] * 50 + [8] * 30 + [3] * 20
    pp, dd = 50.75 / 103, 20.75 / 103
    half = 1.959963984540054 * np.sqrt((pp + dd - (pp - dd) ** 2) / 103)
    r = stats.nps(scores)
    assert r.value == pytest.approx(30.0)
    assert (r.ci_low, r.ci_high) == pytest.approx((100 * (pp - dd - half), 100 * (pp - dd + half)), abs=1e-3)
    weighted = stats.weighted_nps(scores, [1.0] * 100)
    assert (weighted.ci_low, weighted.ci_high) == pytest.approx((r.ci_low, r.ci_high))


def scores(n: int, promoters: int, detractors: int) -> np.ndarray:
    """n answers scored +1 (promoter), 0 (passive), -1 (detractor)."""
    return np.array([1] * promoters + [-1] * detractors + [0] * (n - promoters - detractors))


@pytest.mark.parametrize(
    ("before", "after"),
    [((6, 0, 6), (5, 5, 0)), ((6, 3, 1), (6, 2, 2)), ((5, 1, 1), (7, 4, 0)), ((4, 4, 0), (4, 4, 0))],
)
def test_the_nps_change_test_is_the_exact_permutation_test(before, after):
    x0, x1 = scores(*before), scores(*after)
    reference = sps.permutation_test(
        (x1, x0),
        lambda a, b: abs(a.mean() - b.mean()),
        permutation_type="independent",
        alternative="greater",
        n_resamples=np.inf,
    )
    p, test = stats.nps_change_test(before, after)
    assert test == "exact permutation" and p == pytest.approx(reference.pvalue, rel=1e-9)


def test_a_change_from_minus_100_to_plus_100_is_significant_and_not_absurdly_so():
    # the only tables as extreme: all 20 promoters in one period, all 20 detractors in the other
    moved = ind.change("nps", (20, 0, 20), (20, 20, 0))
    assert moved["p"] == pytest.approx(2 / math.comb(40, 20), rel=1e-9) and moved["p"] < 0.05
    assert moved["effect_size"] == 200
    nearly = ind.change("nps", (20, 0, 20), (20, 19, 1))
    # as extreme: the 19 promoters with any 1 of the 21 detractors in one period (both ways)
    assert nearly["p"] == pytest.approx((21 + 21) / math.comb(40, 20), rel=1e-9)  # not 1e-84
    assert ind.change("nps", (20, 20, 0), (20, 20, 0))["p"] == 1.0
    assert ind.change("nps", (1, 1, 0), (20, 20, 0))["p"] is None  # one answer: no test


def test_a_large_nps_change_test_is_the_permutation_tests_normal_approximation():
    before, after = (700, 300, 120), (700, 320, 140)
    reference = sps.permutation_test(
        (scores(*after), scores(*before)),
        lambda a, b: abs(a.mean() - b.mean()),
        permutation_type="independent",
        alternative="greater",
        n_resamples=4000,
        random_state=3,
    )
    p, test = stats.nps_change_test(before, after)
    assert test == "z (pooled variance)" and p == pytest.approx(reference.pvalue, abs=0.03)


def test_means_and_rates_that_do_not_vary_still_get_a_test():
    all_fives, all_ones = (20, 5.0, 0.0), (20, 1.0, 0.0)
    x0, x1 = np.full(20, 5.0), np.full(20, 1.0)
    pooled = np.concatenate([x0, x1]).var(ddof=1)
    z = 4 / math.sqrt(pooled * (1 / 20 + 1 / 20))
    assert ind.change("csat", all_fives, all_ones)["p"] == pytest.approx(2 * sps.norm.sf(z))
    assert ind.change("csat", all_fives, all_fives)["p"] == 1.0
    assert ind.change("complaint_rate", (20, 0, 0), (30, 0, 0))["p"] == 1.0  # no complaints either time
    # every answer 5 against a target of 4.5: the sign test of 6 answers all above it
    assert ind._p_target("csat", (6, 5.0, 0.0), 4.5) == pytest.approx(sps.binomtest(6, 6, 0.5).pvalue)


def test_the_nps_target_test_agrees_with_the_interval_at_the_boundary():
    for summary, target in (((20, 20, 0), 50), ((20, 20, 0), 90), ((50, 20, 10), 40), ((12, 0, 12), -60)):
        n, promoters, detractors = summary
        row = ind._nps(n, promoters, detractors)
        p = ind._p_target("nps", summary, target)
        assert p is not None and 0 < p <= 1
        assert (p < 0.05) == (not row["ci_low"] <= target <= row["ci_high"]), (summary, target)


def test_an_initiative_without_after_data_has_no_verdict_yet():
    before = {"value": 0.3, "n": 40}
    test = ind.change("complaint_rate", (40, 12, 0), (0, 0, 0))
    assert judge.verdict("decrease", 0.1, before, {"value": None, "n": 0}, test) == "not_enough_data"
    moved = ind.change("nps", (20, 0, 20), (20, 20, 0))
    assert judge.verdict("increase", 50, {"value": -100.0}, {"value": 100.0}, moved) == "achieved"


def period_rows(values: list[float], sizes: list[int], sds: list[float]) -> list[dict]:
    return [
        {"period": f"2026-{i + 1:02d}-01", "value": v, "n": n, "sd": sd}
        for i, (v, n, sd) in enumerate(zip(values, sizes, sds, strict=True))
    ]


def test_a_chart_without_variation_flags_nothing_and_says_so():
    # weekly CSAT, every week's answers identical: sigma within is 0
    same = ind.control_chart("csat", period_rows([5, 4, 5, 3, 5], [4, 3, 5, 2, 6], [0] * 5))
    assert same["kind"] == "xbar" and not same["charted"] and same["signals"] == []
    # one answer a week: an individuals chart from the moving range, which does vary
    single = ind.control_chart("csat", period_rows([5, 4, 5, 3, 5, 4], [1] * 6, [0] * 6))
    assert single["kind"] == "individuals" and single["charted"] and single["signals"] == []
    mr_bar = np.abs(np.diff([5, 4, 5, 3, 5, 4])).mean()
    upper = np.mean([5, 4, 5, 3, 5, 4]) + 3 * mr_bar / 1.128  # 8.06: past the scale's 5
    assert stats.individuals_chart([5, 4, 5, 3, 5, 4])["upper"] == pytest.approx(upper, abs=1e-5)
    assert single["upper"][0] == 5.0  # the chart stops where the answers do
    flat = ind.control_chart("csat", period_rows([4] * 9, [1] * 9, [0] * 9))
    assert not flat["charted"] and flat["signals"] == []
    none = ind.control_chart("complaint_rate", period_rows([0.0] * 4, [20] * 4, [0] * 4))
    assert none["kind"] == "p" and not none["charted"] and none["signals"] == []


def test_xbar_limits_use_montgomerys_a3():
    # Montgomery, Appendix VI: A3(5) = 1.427, A3(10) = 0.975
    for n, a3 in ((5, 1.427), (10, 0.975)):
        chart = stats.xbar_chart([4.0, 4.2, 3.9], [n] * 3, [0.64] * 3)
        assert chart["upper"][0] - chart["centre"] == pytest.approx(a3 * 0.8, abs=1e-3)
        assert chart["rules"] == ["beyond_limits", "run_of_8"]


def test_the_p_chart_applies_the_run_rule_it_promises():
    # 8 weeks at 12 %, then 8 at 8 %: centre 10 %, every week inside 3 sigma, two runs of 8
    chart = ind.control_chart("complaint_rate", period_rows([0.12] * 8 + [0.08] * 8, [100] * 16, [0] * 16))
    assert chart["beyond_limits"] == [] and chart["runs"] == [7, 15] and chart["signals"] == [7, 15]
    assert chart["rules"] == ["beyond_limits", "run_of_8"]
    # an empty week in the middle neither breaks nor extends the run
    gap = stats.p_chart([12] * 4 + [0] + [12] * 4 + [8] * 9, [100] * 4 + [0] + [100] * 13)
    assert gap["runs"] == [8, 16, 17]


def test_an_empty_month_is_marked_and_the_change_says_what_it_is_against(client, analytics, clock):  # noqa: F811
    admin = make_account(role="admin")
    survey = client.post("/api/v1/surveys", json={"template": "nps"}, headers=admin.headers).json()
    key = client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=admin.headers).json()["key"]
    # September all 10, October nothing, November all 3, December all 10: no month varies within
    for month, score in ((9, 10), (11, 3), (12, 10)):
        clock.now = datetime(2026, month, 10, 4, tzinfo=UTC)
        for k in range(4):
            r = client.post(
                f"/api/v1/public/surveys/{key}/responses",
                json={"language": "en", "answers": {"nps": score}},
                headers={"User-Agent": f"m{month}-{k}"},
            )
            assert r.status_code == 201, r.text
    sync()
    clock.now = datetime(2026, 12, 20, tzinfo=UTC)
    start, end = datetime(2026, 8, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
    with session_scope(readonly=True) as db:
        org_id = db.scalar(select(Survey.org_id).where(Survey.id == survey["id"]))
    rows = ind.indicators(org_id=org_id, metric="nps", period="month", start=start, end=end)
    assert [(r["period"], r["compared_with"], r["empty_before"]) for r in rows] == [
        ("2026-09-01", None, 0),
        ("2026-11-01", "2026-09-01", 1),
        ("2026-12-01", "2026-11-01", 0),
    ]
    assert rows[1]["p_change"] == pytest.approx(2 / math.comb(8, 4))  # all 4 promoters vs all 4 detractors
    login(client, admin.email)
    html = client.get("/reports/trends?metric=nps&period=month&date_from=2026-08-01").text
    assert 'class="gap"' in html and "Periods without data: 1" in html
    assert "against 2026-09-01, the last period with data" in html
    assert "Not enough variation to chart" in html and "Out of control" not in html


@pytest.mark.parametrize(
    ("first", "second"),
    [([1, 2, 3], [4, 5, 6, 7]), ([5, 5, 4, 3, 5], [2, 3, 1, 4]), ([3, 4, 2, 5, 4, 3], [4, 2, 5, 3, 1])],
)
def test_the_rank_biserial_has_pingouins_sign(first, second):
    mann_whitney = stats.compare_groups({"a": first, "b": second})["tests"]["mann_whitney"]
    reference = pingouin.mwu(first, second)["RBC"].iloc[0]
    # Kerby's simple difference: the share of pairs the first group wins minus the share it loses
    wins = sum((x > y) + 0.5 * (x == y) for x in first for y in second) / (len(first) * len(second))
    assert mann_whitney["rank_biserial"] == pytest.approx(reference) == pytest.approx(2 * wins - 1)
    assert mann_whitney["statistic"] == sps.mannwhitneyu(first, second).statistic


def test_a_csat_mean_interval_stays_on_the_scale():
    for scores in ([1, 5], [5, 5, 4], [1, 2, 5, 5, 1]):
        mean = stats.csat(scores)["mean"]
        low, high = sps.t.interval(0.95, len(scores) - 1, np.mean(scores), sps.sem(scores))
        assert (mean.ci_low, mean.ci_high) == pytest.approx((max(low, 1), min(high, 5)))
        assert 1 <= mean.ci_low <= mean.value <= mean.ci_high <= 5


@pytest.mark.parametrize(
    ("kind", "scores"), [("nps", [11, 9]), ("nps", [-3, 10]), ("csat", [0, 4]), ("csat", [10, 5])]
)
def test_scores_off_the_scale_are_refused_with_the_reason(kind, scores):
    with pytest.raises(ValueError, match=f"{kind.upper()} scores run from"):
        getattr(stats, kind)(scores)


def test_a_crosstab_with_an_empty_row_tests_the_rest_or_says_why_not():
    result = stats.crosstab_test([[10, 5], [0, 0], [3, 9]])
    chi2, p, dof, _ = sps.chi2_contingency([[10, 5], [3, 9]])
    assert (result["chi2"], result["p"], result["dof"]) == pytest.approx((chi2, p, dof))
    nothing = stats.crosstab_test([[4, 7], [0, 0]])
    assert nothing["p"] is None and nothing["not_estimable"].startswith("not estimable")


def keyed_items(n: int = 60, seed: int = 4) -> pd.DataFrame:
    """Three 1-5 items of one trait, C3 worded the other way round (agreeing is unfavourable)."""
    rng = np.random.default_rng(seed)
    trait = rng.normal(0, 1, n)
    item = lambda sign: np.clip(np.round(3 + sign * trait + rng.normal(0, 0.7, n)), 1, 5)  # noqa: E731
    return pd.DataFrame({"C1": item(1), "C2": item(1), "C3": item(-1)})


def cronbach(x: np.ndarray) -> float:
    """Cronbach's alpha from its definition: k/(k-1) (1 - sum of item variances / total variance)."""
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


def test_reverse_keyed_items_are_scored_the_other_way_and_a_negative_item_is_named():
    frame = keyed_items()
    recoded = frame.assign(C3=6 - frame["C3"]).to_numpy()
    keyed = stats.reliability(frame, reverse=["C3"], bounds=(1, 5))
    assert keyed.alpha == pytest.approx(cronbach(recoded), abs=1e-9) and keyed.alpha > 0.7
    assert keyed.reversed == ["C3"] and keyed.warnings == []
    plain = stats.reliability(frame)  # as psych's alpha without check.keys: a warning naming C3
    assert plain.alpha == pytest.approx(cronbach(frame.to_numpy()), abs=1e-9) and plain.alpha < 0
    r = sps.pearsonr(frame["C3"], frame["C1"] + frame["C2"]).statistic
    assert len(plain.warnings) == 1 and f"C3 (item-total r = {r:.3f})" in plain.warnings[0]
    assert "C1" not in plain.warnings[0] and "C2" not in plain.warnings[0]


def test_voxloop_stats_takes_reverse_keyed_items(capsys, tmp_path):
    from voxloop.cli import main

    frame = keyed_items()
    path = tmp_path / "items.csv"
    frame.to_csv(path, index=False)
    main(["stats", str(path), "--scale", "C=C1,C2,C3"])
    out = capsys.readouterr().out
    assert f"alpha {cronbach(frame.to_numpy()):.3f}" in out and "warning: negatively correlated" in out
    main(["stats", str(path), "--scale", "C=C1,C2,C3", "--reverse", "C3"])
    out = capsys.readouterr().out
    alpha = cronbach(frame.assign(C3=6 - frame["C3"]).to_numpy())
    assert f"(3 items, n = 60; reverse-keyed: C3): alpha {alpha:.3f}" in out and "warning" not in out
    with pytest.raises(SystemExit) as stop:
        main(["stats", str(path), "--scale", "C=C1,C2", "--reverse", "C3"])
    assert "reverse-keyed items in no --scale: C3" in str(stop.value)


def test_a_survey_definition_marks_reverse_keyed_rows(client):
    from voxloop.surveys import definition

    rows = [{"id": f"C{i}", "text": {"zh": f"第{i}项"}} for i in (1, 2, 3)]
    matrix = {"id": "block", "type": "matrix", "text": {"zh": "评价"}, "rows": rows}
    survey = {"languages": ["zh"], "title": {"zh": "调查"}, "sections": [{"id": "s", "questions": [matrix]}]}
    rows[2]["reverse"] = "yes"
    assert {"field": "questions.block.rows.C3.reverse", "reason": "true or false"} in definition.check(survey)
    rows[2]["reverse"] = True
    assert definition.check(survey) == []
    analyst = make_account(role="analyst")
    created = client.post(
        "/api/v1/surveys", json={"name": "keyed", "definition": survey}, headers=analyst.headers
    )
    assert created.status_code == 201, created.text
    published = client.post(f"/api/v1/surveys/{created.json()['id']}/publish", headers=analyst.headers).json()
    frame = keyed_items(40)
    for i, row in frame.astype(int).iterrows():
        r = client.post(
            f"/api/v1/public/surveys/{published['key']}/responses",
            json={"language": "zh", "answers": {"block": row.to_dict()}},
            headers={"User-Agent": f"respondent {i}"},
        )
        assert r.status_code == 201, r.text
    result = client.get(
        f"/api/v1/surveys/{published['id']}/analysis?include_flagged=true", headers=analyst.headers
    ).json()
    block = result["reliability"]["block"]
    assert block["reversed"] == ["C3"] and block["warnings"] == []
    assert block["alpha"] == pytest.approx(cronbach(frame.assign(C3=6 - frame["C3"]).to_numpy()), abs=1e-9)


def test_an_alpha_that_cannot_be_estimated_says_why_instead_of_nan():
    alike = pd.DataFrame({"a": [3, 3, 3, 3], "b": [3, 3, 3, 3]})
    cancelling = pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 3, 2, 1]})
    for frame in (alike, cancelling):  # pingouin's own answer: NaN or -inf, not a number to show
        assert not math.isfinite(pingouin.cronbach_alpha(frame)[0])
        result = stats.reliability(frame)
        assert result.alpha is None and result.ci_low is None
        assert result.not_estimable == "not estimable: the total score is the same for every respondent"
    one = stats.reliability(pd.DataFrame({"a": [1, 2, 3], "b": [2, None, None]}))
    assert one.alpha is None and "fewer than 2 respondents" in one.not_estimable
    constant_item = stats.reliability(pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5], "c": [3, 3, 3, 3]}))
    assert constant_item.alpha is not None and constant_item.items[2]["item_total_r"] is None


def test_nullable_integer_columns_give_the_same_numbers_as_plain_ones():
    raw = [[1, 2, 2], [2, 2, 3], [4, None, 4], [5, 4, 5], [3, 3, 2], [4, 5, 4]]
    nullable = pd.DataFrame(raw, columns=["a", "b", "c"]).astype("Int64")
    assert nullable["b"].isna().sum() == 1 and str(nullable.dtypes["b"]) == "Int64"
    complete = np.array([r for r in raw if None not in r], dtype=float)
    result = stats.reliability(nullable, nan_policy="listwise")
    assert result.alpha == pytest.approx(cronbach(complete), abs=1e-9) and result.n == 5
    scores = pd.Series([10, 9, None, 3, 7], dtype="Int64")
    assert stats.nps(scores).value == pytest.approx(100 * (2 - 1) / 4) and stats.nps(scores).n == 4
    assert stats.csat(pd.Series([5, None, 4], dtype="Int64"))["mean"].value == 4.5
    fit = stats.drivers(nullable["a"], nullable[["b", "c"]])
    x = np.column_stack([np.ones(len(complete)), complete[:, 1:]])
    coef = np.linalg.lstsq(x, complete[:, 0], rcond=None)[0]
    assert fit["n"] == 5 and [fit["drivers"][c]["coef"] for c in "bc"] == pytest.approx(coef[1:], abs=1e-4)


def test_a_constant_driver_is_dropped_with_a_note():
    rng = np.random.default_rng(5)
    x = pd.DataFrame({"speed": rng.integers(1, 6, 40), "price": rng.integers(1, 6, 40), "branch": [1] * 40})
    y = 0.6 * x["speed"] + 0.3 * x["price"] + rng.normal(0, 0.5, 40)
    fit = stats.drivers(y, x)
    assert set(fit["drivers"]) == {"speed", "price"}
    assert fit["notes"] == ["branch left out: the same for every respondent, it explains nothing"]
    design = np.column_stack([np.ones(40), x[["speed", "price"]]])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    r2 = 1 - ((y - design @ coef) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert fit["drivers"]["speed"]["coef"] == pytest.approx(coef[1], abs=1e-4)
    assert fit["r2"] == pytest.approx(r2, abs=1e-4)


@pytest.mark.parametrize(
    ("outcome", "predictors", "why"),
    [
        ([1, 2, 3], {"a": [1, 2, 3], "b": [3, 1, 2]}, "3 complete respondents for 2 drivers"),
        ([4, 4, 4, 4, 4], {"a": [1, 2, 3, 4, 5]}, "the outcome does not vary"),
        ([1, 3, 2, 5, 4], {"a": [1, 2, 3, 4, 5], "b": [2, 4, 6, 8, 10]}, "exact combinations"),
        ([2, 4, 6, 8, 10], {"a": [1, 2, 3, 4, 5]}, "explain the outcome exactly"),
        ([1, 2, 3], {"a": [2, 2, 2]}, "no driver varies"),
    ],
)
def test_drivers_that_cannot_be_estimated_say_why(outcome, predictors, why):
    fit = stats.drivers(outcome, pd.DataFrame(predictors))
    assert fit["r2"] is None and fit["drivers"] == {} and why in fit["not_estimable"]


def test_group_comparisons_without_variation_say_why_instead_of_p_0():
    alike_within = {"a": [3, 3, 3], "b": [5, 5, 5]}
    with np.errstate(all="ignore"):  # scipy: t = inf, p = 0 — a certainty the data cannot give
        assert not math.isfinite(sps.ttest_ind([3, 3, 3], [5, 5, 5], equal_var=False).statistic)
    two = stats.compare_groups(alike_within)
    assert "no variation within the groups" in two["tests"]["welch_t"]["not_estimable"]
    u = sps.mannwhitneyu([3, 3, 3], [5, 5, 5], alternative="two-sided")
    assert two["tests"]["mann_whitney"]["p"] == pytest.approx(u.pvalue)
    with np.errstate(all="ignore"):  # scipy's Kruskal-Wallis when every answer is the same: NaN
        assert math.isnan(sps.kruskal([4, 4], [4, 4], [4, 4]).statistic)
    three = stats.compare_groups({"a": [4, 4], "b": [4, 4], "c": [4, 4], "d": [1]})
    assert three["tests"]["kruskal_wallis"] == {"not_estimable": "not estimable: every answer is the same"}
    assert three["left_out"] == {"d": 1}
    none = stats.compare_groups({"a": [1], "b": []})
    assert none["tests"] == {} and "fewer than 2 groups" in none["not_estimable"]


def test_the_stats_report_never_prints_nan(capsys, tmp_path):
    from voxloop.cli import main

    path = tmp_path / "flat.csv"
    rng = np.random.default_rng(2)
    pd.DataFrame(
        {"q1": [3] * 12, "q2": [3] * 12, "sat": rng.integers(1, 6, 12), "speed": rng.integers(1, 6, 12),
         "branch": [2] * 12}
    ).to_csv(path, index=False)  # fmt: skip
    main(["stats", str(path), "--scale", "flat=q1,q2", "--outcome", "sat", "--drivers", "speed,branch",
          "--correlations", "sat,speed,branch"])  # fmt: skip
    out = capsys.readouterr().out
    assert "nan" not in out.lower() and "inf" not in out.lower()
    assert "alpha not estimable: the total score is the same for every respondent" in out
    assert "note: branch left out: the same for every respondent" in out
    assert "  branch: not estimable: it does not vary" in out


def test_servqual_dimensions_carry_n_an_interval_and_the_paired_test_with_nan_as_missing():
    import re

    from tests.analytics.test_stats import DATA

    raw = pd.read_csv(DATA / "survey_servqual_kiosk" / "kiosk_servqual_utf8.csv")  # blanks read as NaN
    servqual = raw.columns[3:51]  # the first 48 questions: 24 items, expectation then perception
    columns = {m.groups(): c for c in servqual if (m := re.match(r"(\d+)-([12])\.", c))}
    items = sorted({int(k) for k, _ in columns})
    e = pd.DataFrame({k: raw[columns[(str(k), "1")]] for k in items})
    p = pd.DataFrame({k: raw[columns[(str(k), "2")]] for k in items})
    assert e.isna().to_numpy().sum() > 0  # the raw file has missing answers
    pairs = {f"sq{k}": list(zip(e[k], p[k], strict=True)) for k in items}
    groups = {"security": (19, 20, 21), "reliability": (1, 2, 3), "control": (7, 8)}
    result = stats.servqual_gaps(pairs, {f"sq{k}": d for d, ks in groups.items() for k in ks})
    gaps = (p - e).mean()  # pandas skips NaN: each item's gap over its complete pairs
    for dim, ks in groups.items():
        got = result["dimensions"][dim]
        assert got["gap"] == round(float(gaps[list(ks)].mean()), 4)  # unrounded item gaps averaged
        respondent = (p[list(ks)] - e[list(ks)]).mean(axis=1).dropna()  # each one's dimension gap
        test = pingouin.ttest(respondent, 0)
        assert got["n"] == len(respondent)
        assert got["t"] == pytest.approx(float(test["T"].iloc[0]), abs=1e-4)
        assert got["p"] == pytest.approx(
            float(test[[c for c in test if c.startswith("p")][0]].iloc[0]), rel=1e-6
        )
        ci = sps.t.interval(0.95, len(respondent) - 1, loc=respondent.mean(), scale=sps.sem(respondent))
        assert (got["ci_low"], got["ci_high"]) == pytest.approx(ci, abs=1e-4)
    flat = stats.servqual_gaps({"a": [(3, 4), (2, 3), (5, float("nan"))]}, {"a": "empathy"})
    assert flat["items"]["a"]["n"] == 2 and flat["dimensions"]["empathy"]["p"] is None
    assert "every respondent's gap is the same" in flat["dimensions"]["empathy"]["not_estimable"]
