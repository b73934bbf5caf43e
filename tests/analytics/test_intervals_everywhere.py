"""Issue 19, "n and CI everywhere": driver weights with bootstrap intervals, coefficients with
theirs, correlations and weighted means that hold at small n — each against an independent
computation (scipy's bootstrap, the OLS algebra, scipy's pearsonr and t interval)."""

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from tests.analytics.test_stats import DATA
from tests.factories import make_account
from voxloop.analytics import stats

DRIVERS = ["imag", "expe", "qual", "val"]


@pytest.fixture(scope="module")
def ecsi() -> pd.DataFrame:
    bank = pd.read_csv(DATA / "survey_ecsi_bank" / "satisfaction_bank_ecsi.csv")
    sizes = {"imag": 5, "expe": 5, "qual": 5, "val": 4, "sat": 4}
    return pd.DataFrame(
        {k: bank[[f"{k}{i}" for i in range(1, n + 1)]].mean(axis=1) for k, n in sizes.items()}
    )


def test_relative_weight_intervals_agree_with_scipys_percentile_bootstrap(ecsi):
    result = stats.drivers(ecsi["sat"], ecsi[DRIVERS])
    y, x = ecsi["sat"].to_numpy(), ecsi[DRIVERS].to_numpy()
    reference = sps.bootstrap(
        (np.arange(len(y)),),
        lambda i: stats.relative_weights(y[i], x[i]),
        vectorized=False,
        n_resamples=3000,
        method="percentile",
        random_state=np.random.default_rng(11),
    ).confidence_interval
    assert result["bootstrap"] == {"resamples": stats.RESAMPLES, "method": "percentile"}
    for j, name in enumerate(DRIVERS):
        d = result["drivers"][name]
        # two independent sets of resamples: the bounds agree to Monte Carlo error
        assert d["ci_low"] == pytest.approx(reference.low[j], abs=0.012), name
        assert d["ci_high"] == pytest.approx(reference.high[j], abs=0.012), name
        assert d["ci_low"] < d["relative_weight"] < d["ci_high"]
    assert stats.drivers(ecsi["sat"], ecsi[DRIVERS]) == result  # seeded: a page shows the same interval


def test_driver_coefficients_carry_their_t_intervals(ecsi):
    result = stats.drivers(ecsi["sat"], ecsi[DRIVERS])
    x = np.column_stack([np.ones(len(ecsi)), ecsi[DRIVERS]])
    y = ecsi["sat"].to_numpy()
    beta = np.linalg.solve(x.T @ x, x.T @ y)
    residual = y - x @ beta
    dof = len(y) - x.shape[1]
    se = np.sqrt(np.diag(np.linalg.inv(x.T @ x)) * (residual @ residual) / dof)
    t = sps.t.ppf(0.975, dof)
    for j, name in enumerate(DRIVERS, start=1):
        d = result["drivers"][name]
        assert d["coef_ci_low"] == pytest.approx(beta[j] - t * se[j], abs=1e-4)
        assert d["coef_ci_high"] == pytest.approx(beta[j] + t * se[j], abs=1e-4)


def test_a_few_respondents_get_a_wide_interval_or_none_never_nan():
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"speed": rng.integers(1, 6, 8), "price": rng.integers(1, 6, 8)})
    y = x["speed"] + rng.integers(0, 2, 8)
    d = stats.drivers(y, x)["drivers"]["speed"]
    assert 0 <= d["ci_low"] <= d["relative_weight"] <= d["ci_high"] <= 1
    big = stats.drivers(np.tile(y, 30), pd.concat([x] * 30))["drivers"]["speed"]
    assert d["ci_high"] - d["ci_low"] > big["ci_high"] - big["ci_low"]  # more answers, narrower


def test_correlations_at_small_n_say_why_instead_of_p_0():
    frame = pd.DataFrame(
        {"a": [1, 2, 3, 4, 5], "b": [2, 4, 6, 8, 10], "c": [2, 1, 4, 3, 5], "d": [3, None, None, None, 1]}
    )
    result = stats.correlations(frame)
    pairs = {(p["x"], p["y"]): p for p in result["pairs"]}
    assert pairs["a", "b"]["r"] == 1 and pairs["a", "b"]["p"] is None
    assert "perfect correlation" in pairs["a", "b"]["not_estimable"]
    assert "fewer than 3 respondents" in pairs["a", "d"]["not_estimable"] and pairs["a", "d"]["n"] == 2
    r, p = sps.pearsonr(frame["a"], frame["c"])
    assert pairs["a", "c"]["r"] == pytest.approx(r, abs=1e-4) and pairs["a", "c"]["p"] == pytest.approx(p)
    # Holm over the pairs that were tested (a~c, b~c): the smallest p doubled
    assert pairs["a", "c"]["p_adjusted"] == pytest.approx(min(1, 2 * p))


def test_a_weighted_mean_interval_does_not_depend_on_how_the_weights_are_scaled():
    scores, weights = [4, 5, 3, 2, 5, 4], [1, 1, 2, 2, 1, 1]
    one = stats.weighted_mean(scores, weights)
    scaled = stats.weighted_mean(scores, [w / 10 for w in weights])  # statsmodels' ddof=1 went negative
    assert (scaled.ci_low, scaled.ci_high) == pytest.approx((one.ci_low, one.ci_high), abs=1e-4)
    equal = stats.weighted_mean(scores, [1] * 6)
    t = sps.t.interval(0.95, 5, loc=np.mean(scores), scale=sps.sem(scores))
    assert (equal.ci_low, equal.ci_high) == pytest.approx(t, abs=1e-4)
    clipped = stats.weighted_mean([1, 5], [1, 1], bounds=(1, 5))
    assert (clipped.ci_low, clipped.ci_high) == (1, 5)


def test_the_survey_summary_shows_each_headline_with_n_and_its_interval(client):
    from statsmodels.stats.proportion import proportion_confint

    from tests.surveys.test_api import answer, make
    from tests.web.test_pages import login, new_client

    analyst = make_account(role="analyst")
    survey = make(client, analyst, template="csat_post_case")
    scores = [5, 4, 2, 5, 3]
    for i, score in enumerate(scores):
        r = answer(
            client, survey["key"], {"csat": score, "resolved": "yes"}, device=f"phone {i}", language="en"
        )
        assert r.status_code == 201 and r.json()["quality_flags"] == []
    csat = client.get(f"/api/v1/surveys/{survey['id']}/summary", headers=analyst.headers).json()["headline"][
        "csat"
    ]
    t = sps.t.interval(0.95, 4, loc=np.mean(scores), scale=sps.sem(scores))
    assert csat["n"] == 5 and csat["mean"] == 3.8
    assert csat["mean_ci"] == pytest.approx([t[0], min(t[1], 5)], abs=0.006)  # clipped to 1-5
    assert csat["satisfied_share"] == 0.6
    assert csat["satisfied_ci"] == pytest.approx(list(proportion_confint(3, 5, method="wilson")), abs=1e-4)
    staff = new_client(client)
    login(staff, analyst.email)
    low, high = csat["mean_ci"]
    for language, words in (("en", "95% interval"), ("zh-CN", "95% 置信区间")):
        shown = staff.get(f"/surveys/{survey['id']}", headers={"Accept-Language": language}).text
        line = re.search(r'<dd class="csat">(.*?)</dd>', shown, re.S)[1]  # type: ignore[index]
        assert f"({words} {low:.2f}–{high:.2f})" in line and "(n = 5)" in line
        assert "60%" in line and f"{words} 23%–88%" in line  # Wilson 0.231-0.882


def test_factor_analyses_of_too_few_respondents_say_why_and_the_cli_prints_it(capsys, tmp_path):
    from voxloop.cli import main

    rng = np.random.default_rng(4)
    few = pd.DataFrame(rng.integers(1, 6, (4, 4)), columns=["a", "b", "c", "d"])
    efa = stats.factor_analysis(few)
    assert efa.loadings == {} and "4 complete respondents for 4 items" in efa.not_estimable
    cfa = stats.cfa(few, {"F": ["a", "b", "c", "d"]})
    assert cfa["loadings"] == {} and "more than 4 needed" in cfa["not_estimable"]
    # three items on one factor: just identified, loadings but no test of fit (semopy: p NaN)
    more = pd.DataFrame(rng.integers(1, 6, (30, 3)), columns=["a", "b", "c"])
    just = stats.cfa(more, {"F": ["a", "b", "c"]})
    assert just["df"] == 0 and just["p"] is None and "0 degrees of freedom" in just["not_estimable"]
    path = tmp_path / "few.csv"
    few.to_csv(path, index=False)
    main(["stats", str(path), "--efa", "a,b,c,d", "--cfa", "F=a,b,c,d"])
    out = capsys.readouterr().out
    assert "Factor analysis of 4 items: not estimable: 4 complete respondents" in out
    assert "Confirmatory factor analysis (n = 4): not estimable" in out and "nan" not in out.lower()


def test_the_cfi_is_bounded_as_lavaan_reports_it():
    rng = np.random.default_rng(7)
    latent = rng.normal(size=12)
    frame = pd.DataFrame({k: latent + rng.normal(0, 0.3, 12) for k in "abcd"})
    result = stats.cfa(frame, {"F": ["a", "b", "c", "d"]})
    # lavaan: CFI = 1 - max(chi2 - df, 0) / max(chi2 - df, chi2_baseline - df_baseline, 0), so a
    # chi-square below its df is a CFI of 1 (semopy's unbounded formula gives 1.03 here)
    assert result["df"] == 2 and result["chi2"] < 2 and result["cfi"] == 1


def test_raking_refuses_margins_it_cannot_meet_and_ipa_of_nothing_says_why():
    frame = pd.DataFrame({"branch": ["a", "a", "b"]})
    with pytest.raises(ValueError, match="no respondent in c of branch"):
        stats.rake(frame, {"branch": {"a": 0.3, "b": 0.3, "c": 0.4}})
    with pytest.raises(ValueError, match="branch has answers in b, which have no population share"):
        stats.rake(frame, {"branch": {"a": 1.0}})
    w = stats.rake(frame, {"branch": {"a": 0.5, "b": 0.5}})
    assert w.tolist() == pytest.approx([0.75, 0.75, 1.5])  # each hotel half the weight
    nothing = stats.ipa({"a": 3.0}, {"b": 0.2})
    assert nothing["items"] == {} and nothing["importance_mean"] is None and nothing["not_estimable"]
