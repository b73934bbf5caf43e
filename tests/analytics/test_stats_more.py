"""Weighting, correlation matrices, CFA fit, importance-performance analysis and individuals
charts — against lavaan's published Holzinger-Swineford numbers, scipy, and hand calculation."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from tests.analytics.test_stats import DATA
from voxloop.analytics import stats


def load(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name)


def test_cfa_of_holzinger_swineford_matches_lavaan():
    hs = load("survey_holzinger_swineford/HolzingerSwineford1939.csv")
    result = stats.cfa(
        hs, {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}
    )
    # lavaan tutorial: chisq 85.306, df 24; CFI 0.931; TLI 0.896; RMSEA 0.092
    assert result["chi2"] == pytest.approx(85.306, abs=0.01) and result["df"] == 24 and result["p"] < 0.001
    assert result["cfi"] == pytest.approx(0.931, abs=0.001)
    assert result["tli"] == pytest.approx(0.896, abs=0.001)
    assert result["rmsea"] == pytest.approx(0.092, abs=0.001)
    loadings = result["loadings"]
    published = {"x2": 0.554, "x3": 0.729, "x5": 1.113, "x6": 0.926, "x8": 1.180, "x9": 1.082}
    for item, value in published.items():
        assert loadings[item]["estimate"] == pytest.approx(value, abs=0.001), item
    ses = {"x2": 0.100, "x3": 0.109, "x5": 0.065, "x6": 0.055, "x8": 0.165, "x9": 0.151}
    for item, value in ses.items():
        assert loadings[item]["se"] == pytest.approx(value, abs=0.001), item
    standardised = {"x1": 0.772, "x2": 0.424, "x3": 0.581, "x4": 0.852, "x5": 0.855, "x6": 0.838,
                    "x7": 0.570, "x8": 0.723, "x9": 0.665}  # fmt: skip
    for item, value in standardised.items():
        assert loadings[item]["standardised"] == pytest.approx(value, abs=0.001), item


def test_correlation_matrix_with_adjusted_p_values():
    bfi = load("survey_bfi/bfi.csv")[["A1", "A2", "A3", "A4", "A5"]].dropna()
    result = stats.correlations(bfi)
    pair = next(p for p in result["pairs"] if (p["x"], p["y"]) == ("A2", "A3"))
    r, p = sps.pearsonr(bfi["A2"], bfi["A3"])
    assert pair["r"] == pytest.approx(r, abs=1e-4) and pair["p"] == pytest.approx(p, rel=1e-6)
    assert pair["ci_low"] < pair["r"] < pair["ci_high"] and pair["n"] == len(bfi)
    assert result["matrix"]["A2"]["A3"] == pytest.approx(r, abs=1e-4) and result["matrix"]["A1"]["A1"] == 1
    assert len(result["pairs"]) == 10 and all(q["p_adjusted"] >= q["p"] for q in result["pairs"])


def test_raking_matches_the_population_margins():
    rng = np.random.default_rng(5)
    sample = pd.DataFrame(
        {
            "gender": rng.choice(["f", "m"], 800, p=[0.7, 0.3]),
            "region": rng.choice(["east", "west"], 800, p=[0.4, 0.6]),
        }
    )
    weights = stats.rake(sample, {"gender": {"f": 0.5, "m": 0.5}, "region": {"east": 0.55, "west": 0.45}})
    assert weights.mean() == pytest.approx(1.0)
    share = weights.groupby(sample["gender"]).sum() / weights.sum()
    assert share["f"] == pytest.approx(0.5, abs=1e-3)
    share = weights.groupby(sample["region"]).sum() / weights.sum()
    assert share["east"] == pytest.approx(0.55, abs=1e-3)
    cells = stats.post_stratify(sample, ["gender"], {("f",): 0.5, ("m",): 0.5})
    f_weight = 0.5 / (sample["gender"] == "f").mean()
    assert cells[sample["gender"] == "f"].iloc[0] == pytest.approx(f_weight, rel=1e-3)


def test_weighted_nps_and_mean_use_the_effective_sample_size():
    scores = [10, 10, 9, 8, 7, 3, 0, 6]
    weights = [1, 1, 1, 1, 1, 2, 2, 1]
    result = stats.weighted_nps(scores, weights)
    promoters, detractors = 3 / 10, 5 / 10
    assert result.value == pytest.approx(100 * (promoters - detractors))
    n_eff = 10**2 / 14
    assert result.extra["effective_n"] == pytest.approx(n_eff, abs=0.01)
    # Rocks' adjusted Wald on n_eff answers: 0.75 promoter, 1.5 passive, 0.75 detractor added
    m = n_eff + 3
    pp, dd = (promoters * n_eff + 0.75) / m, (detractors * n_eff + 0.75) / m
    half = 1.959964 * np.sqrt((pp + dd - (pp - dd) ** 2) / m)
    assert result.ci_high == pytest.approx(100 * (pp - dd + half), abs=1e-3)
    mean = stats.weighted_mean([4, 5, 3, 2], [1, 1, 2, 2])
    assert mean.value == pytest.approx(np.average([4, 5, 3, 2], weights=[1, 1, 2, 2]), abs=1e-4)
    assert stats.weighted_nps(scores, [1] * 8).value == stats.nps(scores).value


def test_importance_performance_quadrants_of_the_kiosk_survey():
    kiosk = load("survey_servqual_kiosk/kiosk_clean_authors.csv")
    importance = {f"item{i}": float(kiosk[f"ipa{i}_1"].mean()) for i in range(1, 25)}
    performance = {f"item{i}": float(kiosk[f"ipa{i}_2"].mean()) for i in range(1, 25)}
    result = stats.ipa(performance, importance)
    assert result["importance_mean"] == pytest.approx(np.mean(list(importance.values())), abs=1e-4)
    for item, placed in result["items"].items():
        high_i = importance[item] >= result["importance_mean"]
        high_p = performance[item] >= result["performance_mean"]
        expected = {
            (True, False): "concentrate here", (True, True): "keep up the good work",
            (False, False): "low priority", (False, True): "possible overkill",
        }[(high_i, high_p)]  # fmt: skip
        assert placed["quadrant"] == expected
    assert len({p["quadrant"] for p in result["items"].values()}) >= 3  # the attributes spread out


def test_individuals_chart_flags_a_spike_and_a_run():
    values = [4.1, 4.0, 4.2, 4.1, 3.9, 4.0, 4.1, 2.5, 4.0, 4.2, 4.3, 4.25, 4.3, 4.35, 4.3, 4.4, 4.35]
    chart = stats.individuals_chart(values)
    mr = np.abs(np.diff(values)).mean()
    assert chart["moving_range"] == pytest.approx(mr, abs=1e-6)
    assert chart["upper"] == pytest.approx(np.mean(values) + 3 * mr / 1.128, abs=1e-6)
    assert chart["beyond_limits"] == [7]
    assert chart["runs"] and chart["runs"][0] >= 14  # the last eight all above the centre
