"""A survey metric compared between the groups of one column (`stats.compare_metric`), against
R's documented outputs and hand computations of Welch's ANOVA, Welch's t, Kruskal-Wallis,
the chi-square test and Holm's adjustment."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, t

from voxloop.analytics import stats

PLANTS = {
    "ctrl": [4.17, 5.58, 5.18, 6.11, 4.50, 4.61, 5.17, 4.53, 5.33, 5.14],
    "trt1": [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69],
    "trt2": [6.31, 5.12, 5.54, 5.50, 5.37, 5.29, 4.92, 6.15, 5.80, 5.26],
}
SLEEP = {
    "1": [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    "2": [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4],
}


def holm(p: list[float]) -> list[float]:
    """Holm (1979) by hand: the i-th smallest p times (m - i), kept monotone, at most 1."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    out, running = [0.0] * len(p), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        out[i] = running
    return out


def welch_t(a: list[float], b: list[float]) -> float:
    """Welch's t test by hand (Welch 1947): two-sided p on Satterthwaite's df."""
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    stat = (np.mean(a) - np.mean(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(2 * t.sf(abs(stat), df))


def test_welch_anova_on_r_plant_growth():
    # R: oneway.test(weight ~ group, PlantGrowth) -> F = 5.181, num df = 2, denom df = 17.128,
    #    p-value = 0.01739
    r = stats.compare_metric(PLANTS, "mean")
    omnibus = r["omnibus"]
    assert omnibus["test"] == "welch_anova"
    assert omnibus["statistic"] == pytest.approx(5.181, abs=1e-3)
    assert omnibus["df"] == pytest.approx([2, 17.128], abs=1e-3)
    assert omnibus["p"] == pytest.approx(0.01739, abs=1e-5)
    # eta squared from R's anova(lm(...)): 3.76634 / (3.76634 + 10.49209)
    assert omnibus["eta_squared"] == pytest.approx(3.76634 / (3.76634 + 10.49209), abs=1e-4)
    ctrl = r["groups"]["ctrl"]
    assert (ctrl["n"], ctrl["value"]) == (10, pytest.approx(5.032))
    # t interval by hand: 5.032 +/- t(.975, 9) * sd / sqrt(10)
    half = t.ppf(0.975, 9) * np.std(PLANTS["ctrl"], ddof=1) / math.sqrt(10)
    assert (ctrl["ci_low"], ctrl["ci_high"]) == pytest.approx((5.032 - half, 5.032 + half))


def test_pairwise_welch_t_with_holm_on_plant_growth():
    # R: pairwise.t.test(weight, group, pool.sd = FALSE, p.adjust.method = "holm")
    #    -> ctrl-trt1 0.250, ctrl-trt2 0.096, trt1-trt2 0.028 (pingouin's pairwise_tests agrees)
    pairs = {(p["a"], p["b"]): p for p in stats.compare_metric(PLANTS, "mean")["pairs"]}
    keys = [("ctrl", "trt1"), ("ctrl", "trt2"), ("trt1", "trt2")]
    raw = [welch_t(PLANTS[a], PLANTS[b]) for a, b in keys]
    assert [pairs[k]["p"] for k in keys] == pytest.approx(raw)
    assert [pairs[k]["p_adjusted"] for k in keys] == pytest.approx(holm(raw))
    assert [round(pairs[k]["p_adjusted"], 3) for k in keys] == [0.250, 0.096, 0.028]
    assert pairs[("ctrl", "trt1")]["difference"] == pytest.approx(5.032 - 4.661)
    assert pairs[("trt1", "trt2")]["test"] == "welch_t"
    assert pairs[("trt1", "trt2")]["hedges_g"] < 0  # trt1 scores lower


def test_two_groups_welch_anova_is_welch_t_squared():
    # R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p-value = 0.07939, ...
    r = stats.compare_metric(SLEEP, "mean")
    assert r["omnibus"]["statistic"] == pytest.approx(1.8608**2, abs=1e-3)
    assert r["omnibus"]["df"][1] == pytest.approx(17.776, abs=1e-3)
    assert r["omnibus"]["p"] == pytest.approx(0.07939, abs=1e-5)
    assert r["pairs"][0]["p_adjusted"] == pytest.approx(0.07939, abs=1e-5)
    # ... 95 percent confidence interval: -3.3654832  0.2054832
    assert (r["pairs"][0]["ci_low"], r["pairs"][0]["ci_high"]) == pytest.approx((-3.3654832, 0.2054832))


def test_kruskal_wallis_when_a_group_does_not_vary():
    # Welch's weights n / s² are infinite for a group whose answers are all alike: the ranks
    groups = {"a": [5, 5, 5, 5, 5], "b": [3, 4, 4, 5, 2, 3], "c": [1, 2, 2, 3, 1]}
    r = stats.compare_metric(groups, "mean", bounds=(1, 5))
    omnibus = r["omnibus"]
    assert omnibus["test"] == "kruskal_wallis"
    # H by hand: 12 / (N (N + 1)) sum R_i² / n_i - 3 (N + 1), over 1 - sum(t³ - t) / (N³ - N)
    frame = pd.DataFrame([(g, x) for g, xs in groups.items() for x in xs], columns=["g", "x"])
    frame["rank"] = frame["x"].rank()
    n = len(frame)
    sums = frame.groupby("g")["rank"].agg(["sum", "count"])
    h = 12 / (n * (n + 1)) * float((sums["sum"] ** 2 / sums["count"]).sum()) - 3 * (n + 1)
    ties = frame["x"].value_counts()
    h /= 1 - float((ties**3 - ties).sum()) / (n**3 - n)
    assert omnibus["statistic"] == pytest.approx(h)
    assert omnibus["p"] == pytest.approx(chi2.sf(h, 2))
    assert omnibus["epsilon_squared"] == pytest.approx(h / (n - 1))
    assert {p["test"] for p in r["pairs"]} == {"mann_whitney"}
    assert r["groups"]["a"]["ci_high"] == 5  # clipped to the scale


def nps_scores(detractors: int, passives: int, promoters: int) -> list[int]:
    return [3] * detractors + [8] * passives + [10] * promoters


def test_nps_chi_square_on_the_r_documentation_table():
    # R: chisq.test(rbind(c(762, 327, 468), c(484, 239, 477))) -> X-squared = 30.07, df = 2,
    #    p-value = 2.954e-07 (the rows as detractors, passives, promoters)
    groups = {"north": nps_scores(762, 327, 468), "south": nps_scores(484, 239, 477)}
    r = stats.compare_metric(groups, "nps")
    omnibus = r["omnibus"]
    assert omnibus["test"] == "chi_square"
    assert (round(omnibus["statistic"], 2), omnibus["df"]) == (30.07, 2)
    assert omnibus["p"] == pytest.approx(2.954e-07, rel=1e-3)
    assert r["groups"]["north"]["value"] == pytest.approx(100 * (468 - 762) / 1557, abs=1e-4)
    # the pair: NPS difference over the pooled variance (more than 1000 answers)
    pair = r["pairs"][0]
    total, promoters, detractors = 2757, 945, 1246
    mean = (promoters - detractors) / total
    var = (promoters + detractors - total * mean**2) / (total - 1)
    diff = (468 - 762) / 1557 - (477 - 484) / 1200
    z = diff / math.sqrt(var * (1 / 1557 + 1 / 1200))
    assert pair["difference"] == pytest.approx(100 * diff, abs=1e-4)
    assert pair["p"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert pair["p_adjusted"] == pair["p"]


def test_nps_pairs_are_holm_adjusted():
    groups = {
        "a": nps_scores(10, 5, 5),
        "b": nps_scores(4, 6, 10),
        "c": nps_scores(2, 3, 15),
    }
    r = stats.compare_metric(groups, "nps")
    raw = [p["p"] for p in r["pairs"]]
    assert [p["p_adjusted"] for p in r["pairs"]] == pytest.approx(holm(raw))
    assert [(p["a"], p["b"]) for p in r["pairs"]] == [("a", "b"), ("a", "c"), ("b", "c")]
    # a vs c: 10 detractors vs 2 of 20, 5 promoters vs 15: far apart
    assert r["pairs"][1]["difference"] == pytest.approx(-25 - 65)
    assert r["pairs"][1]["p"] < 0.01 and r["pairs"][1]["test"] == "exact permutation"


def test_groups_with_too_few_answers_are_shown_not_compared():
    groups = {"big": [1, 2, 3, 4, 5, 4], "other": [2, 3, 3, 4, 1], "tiny": [5, 5], "empty": []}
    r = stats.compare_metric(groups, "mean", bounds=(1, 5))
    assert r["groups"]["tiny"]["n"] == 2 and r["groups"]["tiny"]["value"] == 5
    assert "fewer than 5" in r["groups"]["tiny"]["not_estimable"]
    assert r["groups"]["empty"]["value"] is None
    assert r["compared"] == ["big", "other"]
    assert [(p["a"], p["b"]) for p in r["pairs"]] == [("big", "other")]
    alone = stats.compare_metric({"big": [1, 2, 3, 4, 5], "tiny": [5]}, "mean")
    assert alone["pairs"] == [] and "fewer than 2 groups" in alone["omnibus"]["not_estimable"]
    assert alone["omnibus"]["why"] == "too_few_groups"


def test_no_variation_at_all_is_not_estimable():
    r = stats.compare_metric({"a": [4] * 5, "b": [4] * 6}, "mean")
    assert r["omnibus"]["why"] == "no_variation" and "p" not in r["omnibus"]
    assert r["pairs"][0]["p"] is None and r["pairs"][0]["not_estimable"]
    nps = stats.compare_metric({"a": [10] * 5, "b": [9] * 6}, "nps")
    assert nps["omnibus"]["why"] == "no_variation"
    assert nps["pairs"][0]["p"] == 1.0  # both +100: the exact test says no difference


def test_unknown_metric_and_off_scale_scores_are_refused():
    with pytest.raises(ValueError, match="metric"):
        stats.compare_metric(PLANTS, "median")
    with pytest.raises(ValueError, match="off the scale"):
        stats.compare_metric({"a": [11, 3, 4, 5, 6]}, "nps")
