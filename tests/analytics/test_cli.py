"""`voxloop stats` on a survey file brought from elsewhere: the ECSI bank survey."""

import re

import pytest

from tests.analytics.test_stats import DATA
from voxloop.cli import main

BANK = str(DATA / "survey_ecsi_bank" / "satisfaction_bank_ecsi.csv")


def test_a_readable_report_of_reliability_nps_and_drivers(capsys, tmp_path):
    scales = [f"--scale={k}=" + ",".join(f"{k}{i}" for i in range(1, n + 1)) for k, n in
              {"imag": 5, "expe": 5, "qual": 5, "val": 4, "sat": 4}.items()]  # fmt: skip
    main(["stats", BANK, *scales, "--nps", "loy3", "--outcome", "sat", "--drivers", "imag,expe,qual,val",
          "--efa", "qual1,qual2,qual3,qual4,qual5,val1,val2,val3,val4"])  # fmt: skip
    out = capsys.readouterr().out
    assert "250 rows" in out
    assert "Reliability of sat (4 items, n = 250): alpha 0.894" in out
    assert "NPS of loy3 (n = 250): -8.4" in out
    assert "Key drivers of sat (n = 250, R² = 0.684)" in out
    assert out.index("  val ") < out.index("  imag ") < out.index("  expe ")  # ranked by relative weight
    assert "Factor analysis of 9 items: KMO" in out
    target = tmp_path / "report.txt"
    main(["stats", BANK, "--nps", "loy3", "--out", str(target)])
    assert "NPS of loy3" in target.read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        main(["stats", BANK, "--csat", "sat1"])  # the bank's items run from 1 to 10: not CSAT
    assert "CSAT scores run from 1 to 5; these are off the scale: 0, 6, 7" in str(stop.value)


def test_unknown_columns_are_named(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["stats", BANK, "--nps", "loyalty"])
    assert "no such columns: loyalty" in str(stop.value)


def test_an_excel_file_works_too(capsys, tmp_path):
    import pandas as pd

    book = tmp_path / "bank.xlsx"
    pd.read_csv(BANK).to_excel(book, index=False)
    main(["stats", str(book), "--nps", "loy3"])
    assert "NPS of loy3 (n = 250): -8.4" in capsys.readouterr().out


def test_cfa_correlations_and_raking_weights_in_the_report(capsys):
    hs = str(DATA / "survey_holzinger_swineford" / "HolzingerSwineford1939.csv")
    main(["stats", hs, "--cfa", "visual=x1,x2,x3", "--cfa", "textual=x4,x5,x6", "--cfa", "speed=x7,x8,x9",
          "--correlations", "x1,x2,x3", "--ces", "x4", "--weight", "school=Pasteur:0.5,Grant-White:0.5",
          "--weight", "sex=1:0.5,2:0.5"])  # fmt: skip
    out = capsys.readouterr().out
    assert "Confirmatory factor analysis (n = 301): chi² 85.306, df 24" in out
    assert "CFI 0.931, TLI 0.896, RMSEA 0.092" in out
    # lavaan: 0.554 (0.100); semopy's minimum is 0.5535, on the edge of rounding
    x2 = re.search(r"  visual     x2           (\d\.\d{3}) \(se (\d\.\d{3})\)", out)
    assert x2 and abs(float(x2[1]) - 0.554) <= 0.001 + 1e-9 and x2[2] == "0.100"
    assert "x1 ~ x2: r 0.297" in out
    assert "Weighted by raking on school, sex (effective n = " in out and "Weighted mean of x4:" in out


def test_compare_nps_and_a_scale_between_groups(capsys):
    import math

    import numpy as np
    import pandas as pd
    from scipy.stats import chi2, t

    bank = pd.read_csv(BANK)
    sat = [f"sat{i}" for i in range(1, 5)]
    main(["stats", BANK, "--nps", "loy3", "--scale=sat=" + ",".join(sat), "--compare", "gender"])
    out = capsys.readouterr().out
    # by hand: the share of promoters minus detractors per gender, and the chi-square statistic
    # sum (O - E)² / E of the 2 x 3 table of detractors, passives and promoters
    kinds = pd.cut(bank["loy3"], [-1, 6, 8, 10], labels=["d", "a", "p"])
    table = pd.crosstab(bank["gender"], kinds).to_numpy(dtype=float)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    x2 = float(((table - expected) ** 2 / expected).sum())
    nps = 100 * (table[:, 2] - table[:, 0]) / table.sum(axis=1)
    assert "NPS of loy3 by gender (groups under 5 answers not compared)" in out
    assert f"  female           n 148   {nps[0]:.1f} [" in out
    assert f"  male             n 102   {nps[1]:.1f} [" in out
    assert (
        f"Chi-square test of detractors, passives and promoters: {x2:.3f} (df 2), p {chi2.sf(x2, 2):.4f}"
        in out
    )
    # Welch's t by hand on the sat scale score; with two groups Welch's ANOVA F is t²
    score = bank[sat].mean(axis=1)
    f, m = score[bank["gender"] == "female"], score[bank["gender"] == "male"]
    vf, vm = f.var() / len(f), m.var() / len(m)
    t_stat = (f.mean() - m.mean()) / math.sqrt(vf + vm)
    df = (vf + vm) ** 2 / (vf**2 / (len(f) - 1) + vm**2 / (len(m) - 1))
    p = 2 * t.sf(abs(t_stat), df)
    assert f"Welch's ANOVA: {t_stat**2:.3f} (df 1, {df:.1f}), p {p:.4f}" in out
    diff, half = f.mean() - m.mean(), t.ppf(0.975, df) * math.sqrt(vf + vm)
    interval = f"[{diff - half:+.2f}, {diff + half:+.2f}]"
    assert f"  female vs male: difference {diff:+.2f} {interval}, p {p:.4f}, Holm-adjusted p {p:.4f}" in out


def test_p_values_below_one_in_ten_thousand_are_not_printed_as_zero(capsys):
    scales = [f"--scale={k}=" + ",".join(f"{k}{i}" for i in range(1, n + 1)) for k, n in
              {"imag": 5, "expe": 5, "qual": 5, "val": 4, "sat": 4}.items()]  # fmt: skip
    main(["stats", BANK, *scales, "--outcome", "sat", "--drivers", "imag,expe,qual,val"])
    out = capsys.readouterr().out
    val = next(line for line in out.splitlines() if line.startswith("  val "))
    assert "p < 0.0001" in val  # R: p < 2e-16 (SOURCE.txt)
    assert "0.0000" not in out


def test_compare_needs_a_known_column_and_a_metric():
    with pytest.raises(SystemExit) as stop:
        main(["stats", BANK, "--nps", "loy3", "--compare", "branch"])
    assert "no such columns: branch" in str(stop.value)
    with pytest.raises(SystemExit) as stop:
        main(["stats", BANK, "--compare", "gender"])
    assert "--compare needs something to compare" in str(stop.value)
