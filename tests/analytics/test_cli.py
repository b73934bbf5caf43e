"""`voxloop stats` on a survey file brought from elsewhere: the ECSI bank survey."""

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
    assert "  visual     x2           0.554 (se 0.100)" in out
    assert "x1 ~ x2: r 0.297" in out
    assert "Weighted by raking on school, sex (effective n = " in out and "Weighted mean of x4:" in out
