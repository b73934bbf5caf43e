"""Statistics against the published reference values in ../shared/data (each SOURCE.txt):
pingouin's and R psych's alphas with Feldt's CI, psych::bfi, lavaan's Holzinger-Swineford,
the ECSI bank survey (alphas, key drivers, NPS) and the kiosk SERVQUAL survey."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from voxloop.analytics import stats

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
if not DATA.exists():  # the project checkout sits beside shared/
    DATA = Path("/work/shared/data")
REVERSED = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]


def csv(name: str, **kw) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.read_csv(DATA / name, **kw)


def test_alpha_matches_pingouin_and_psych_with_feldt_intervals():
    wide = csv("survey_cronbach_pingouin/cronbach_wide_missing.csv", encoding="utf-8-sig")
    pairwise = stats.reliability(wide)
    assert pairwise.alpha == pytest.approx(0.732660835214447, abs=1e-9)
    assert (pairwise.ci_low, pairwise.ci_high) == pytest.approx((0.435, 0.909), abs=1e-3)
    listwise = stats.reliability(wide, nan_policy="listwise")
    assert listwise.alpha == pytest.approx(0.8016949152542373, abs=1e-9)
    assert (listwise.ci_low, listwise.ci_high) == pytest.approx((0.581, 0.933), abs=1e-3)
    long = csv("survey_cronbach_pingouin/cronbach_alpha.csv").pivot(
        index="Subj", columns="Items", values="Scores"
    )
    assert stats.reliability(long).alpha == pytest.approx(0.5917188485995826, abs=1e-9)


def bfi() -> pd.DataFrame:
    frame = csv("survey_bfi/bfi.csv")
    for col in REVERSED:
        frame[col] = 7 - frame[col]
    return frame


@pytest.mark.parametrize(
    ("scale", "raw_alpha", "listwise"),
    [
        ("A", 0.7030, 0.7038),
        ("C", 0.7267, 0.7293),
        ("E", 0.7617, 0.7609),
        ("N", 0.8140, 0.8133),
        ("O", 0.6002, 0.6025),
    ],
)
def test_big_five_alphas_match_psych(scale, raw_alpha, listwise):
    items = bfi()[[f"{scale}{i}" for i in range(1, 6)]]
    assert stats.reliability(items).alpha == pytest.approx(raw_alpha, abs=5e-5)
    assert stats.reliability(items, nan_policy="listwise").alpha == pytest.approx(listwise, abs=5e-5)


def test_item_analysis_finds_the_weakest_item():
    items = bfi()[[f"O{i}" for i in range(1, 6)]]
    rel = stats.reliability(items)
    weakest = min(rel.items, key=lambda i: i["item_total_r"])
    assert weakest["alpha_if_deleted"] > rel.alpha - 0.05  # dropping it costs little


def test_exploratory_factor_analysis_of_the_big_five_as_psych_fa():
    raw = csv("survey_bfi/bfi.csv")
    items = raw[[c for c in raw.columns if c[:1] in "ACENO" and c[1:].isdigit()]]
    solution = stats.factor_analysis(items, n_factors=5, rotation="oblimin", method="minres")
    # psych::fa(bfi[1:25], nfactors=5, rotate="oblimin", fm="minres"): cumulative variance 0.388
    assert solution.cumulative[-1] == pytest.approx(0.388, abs=5e-4)
    assert (
        solution.kmo is not None
        and solution.kmo > 0.8
        and solution.bartlett_p is not None
        and solution.bartlett_p < 1e-10
    )
    assert (
        solution.suggested_factors is not None and 5 <= solution.suggested_factors <= 7
    )  # parallel analysis
    # each Big-Five scale's items load together on one factor
    for scale in "ACENO":
        tops = {int(np.argmax(np.abs(solution.loadings[f"{scale}{i}"]))) for i in (1, 2, 3)}
        assert len(tops) == 1, scale


def test_holzinger_swineford_alphas_and_three_factors():
    hs = csv("survey_holzinger_swineford/HolzingerSwineford1939.csv")
    for cols, alpha in (
        (["x1", "x2", "x3"], 0.626),
        (["x4", "x5", "x6"], 0.883),
        (["x7", "x8", "x9"], 0.688),
    ):
        assert stats.reliability(hs[cols]).alpha == pytest.approx(alpha, abs=5e-4)
    solution = stats.factor_analysis(hs[[f"x{i}" for i in range(1, 10)]], n_factors=3, method="ml")
    groups = [
        {int(np.argmax(np.abs(solution.loadings[f"x{i}"]))) for i in members}
        for members in ((4, 5, 6), (7, 8))
    ]
    assert all(len(g) == 1 for g in groups)


ECSI = {"imag": 5, "expe": 5, "qual": 5, "val": 4, "sat": 4, "loy": 4}


def test_ecsi_bank_reliability_key_drivers_and_nps():
    bank = csv("survey_ecsi_bank/satisfaction_bank_ecsi.csv")
    alphas = {k: stats.reliability(bank[[f"{k}{i}" for i in range(1, n + 1)]]).alpha for k, n in ECSI.items()}
    assert alphas == pytest.approx(
        {"imag": 0.822, "expe": 0.843, "qual": 0.869, "val": 0.832, "sat": 0.894, "loy": 0.821}, abs=5e-4
    )
    means = pd.DataFrame(
        {k: bank[[f"{k}{i}" for i in range(1, n + 1)]].mean(axis=1) for k, n in ECSI.items()}
    )
    result = stats.drivers(means["sat"], means[["imag", "expe", "qual", "val"]])
    coefs = {k: v["coef"] for k, v in result["drivers"].items()}
    assert coefs == pytest.approx({"imag": 0.228, "expe": 0.009, "qual": 0.147, "val": 0.559}, abs=5e-4)
    assert result["r2"] == pytest.approx(0.684, abs=5e-4)
    weights = {k: v["relative_weight"] for k, v in result["drivers"].items()}
    assert sum(weights.values()) == pytest.approx(result["r2"], abs=1e-3)  # relative weights share R²
    assert max(weights, key=weights.get) == "val"  # value drives satisfaction most
    score = stats.nps(bank["loy3"])
    assert score.value == pytest.approx(-8.4, abs=1e-9) and score.n == 250
    assert score.ci_low < score.value < score.ci_high


def test_csat_mean_and_top_two_box_with_intervals():
    result = stats.csat([5, 4, 4, 3, 2, 5, None])
    assert result["mean"].n == 6 and result["mean"].value == pytest.approx(23 / 6)
    assert result["top2"].value == pytest.approx(4 / 6)
    # Wilson interval for 4/6 at 95 %
    assert (result["top2"].ci_low, result["top2"].ci_high) == pytest.approx((0.3000, 0.9033), abs=1e-4)


def test_kiosk_servqual_gap():
    kiosk = csv("survey_servqual_kiosk/kiosk_clean_authors.csv")
    pairs = {f"sq{k}": list(zip(kiosk[f"sq{k}_1"], kiosk[f"sq{k}_2"], strict=True)) for k in range(1, 25)}
    groups = {
        "tangible": (4, 5, 6, 22),
        "security": (19, 20, 21),
        "economy": (10, 11, 18),
        "convenience": (13, 14, 15, 16, 17),
        "reliability": (1, 2, 3),
        "control": (7, 8),
    }  # the authors' final CFA (SOURCE.txt)
    dims = {f"sq{k}": d for d, items in groups.items() for k in items}
    result = stats.servqual_gaps(pairs, dims)
    # SOURCE.txt: cleaned data mean E 5.998, P 4.839, overall gap P - E = -1.159
    e = np.mean([v["expectation"] for v in result["items"].values()])
    p = np.mean([v["perception"] for v in result["items"].values()])
    assert (e, p, result["overall_gap"]) == pytest.approx((5.998, 4.839, -1.159), abs=1e-3)
    # security is the widest gap, tangibles meet expectations
    dims = result["dimensions"]
    assert min(dims, key=lambda d: dims[d]["gap"]) == "security" and abs(dims["tangible"]["gap"]) < 0.05
    assert result["items"]["sq1"]["p"] < 0.05


# Group comparisons against R's own documented examples.
SLEEP = (
    [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4],
)
PLANTS = {
    "ctrl": [4.17, 5.58, 5.18, 6.11, 4.50, 4.61, 5.17, 4.53, 5.33, 5.14],
    "trt1": [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69],
    "trt2": [6.31, 5.12, 5.54, 5.50, 5.37, 5.29, 4.92, 6.15, 5.80, 5.26],
}


def test_welch_t_on_r_sleep_data():
    # R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p-value = 0.07939
    result = stats.compare_groups({"1": SLEEP[0], "2": SLEEP[1]})
    assert result["tests"]["welch_t"]["statistic"] == pytest.approx(-1.8608, abs=1e-4)
    assert result["tests"]["welch_t"]["p"] == pytest.approx(0.07939, abs=1e-5)
    assert result["groups"]["1"] == {"n": 10, "mean": 0.75, "median": 0.35}


def test_anova_and_kruskal_wallis_on_r_plant_growth():
    # R: anova(lm(weight ~ group, PlantGrowth)) -> F = 4.8461, p = 0.01591
    #    kruskal.test(weight ~ group, PlantGrowth) -> chi-squared = 7.9882, p-value = 0.01842
    result = stats.compare_groups(PLANTS)["tests"]
    assert result["anova"]["statistic"] == pytest.approx(4.8461, abs=1e-4)
    assert result["anova"]["p"] == pytest.approx(0.01591, abs=1e-5)
    assert result["kruskal_wallis"]["statistic"] == pytest.approx(7.9882, abs=1e-4)
    assert result["kruskal_wallis"]["p"] == pytest.approx(0.01842, abs=1e-5)
    assert result["anova"]["eta_squared"] == pytest.approx(3.76634 / (3.76634 + 10.49209), abs=1e-4)


def test_chi_square_on_the_r_documentation_table():
    # R: chisq.test(as.table(rbind(c(762, 327, 468), c(484, 239, 477))))
    #    -> X-squared = 30.07, df = 2, p-value = 2.954e-07
    result = stats.crosstab_test([[762, 327, 468], [484, 239, 477]])
    assert (round(result["chi2"], 2), result["dof"]) == (30.07, 2)
    assert result["p"] == pytest.approx(2.954e-07, rel=1e-3)


def test_holm_and_benjamini_hochberg_as_r_p_adjust():
    p = [0.01, 0.02, 0.03, 0.04, 0.05]
    assert stats.adjust(p, "holm") == pytest.approx([0.05, 0.08, 0.09, 0.09, 0.09])
    assert stats.adjust(p, "fdr_bh") == pytest.approx([0.05] * 5)


def test_a_p_chart_flags_the_week_complaints_jumped():
    chart = stats.p_chart([5, 5, 5, 20], [100, 100, 100, 100])
    assert chart["centre"] == pytest.approx(0.0875)
    assert chart["upper"][0] == pytest.approx(0.0875 + 3 * np.sqrt(0.0875 * 0.9125 / 100), abs=1e-6)
    assert chart["out_of_control"] == [3]
