"""Writing tables as CSV, XLSX or Parquet, with spreadsheet formula injection neutralised.

A cell that starts with =, +, -, @, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets; such text cells are written with a leading apostrophe (OWASP's
advice), so a customer's "=HYPERLINK(...)" stays text. Parquet keeps values as they are: it is
read by programs, not spreadsheets.
"""

import re
from pathlib import Path

import duckdb
import pandas as pd

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?%?")


def neutralise(value: object) -> object:
    """The value, with an apostrophe before text that a spreadsheet would run as a formula (a
    plain signed number such as "-40.0" or "+3.5%" is left as it is)."""
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_datetime64_any_dtype(
            out[column]
        ):
            out[column] = out[column].map(neutralise)
    return out


def write(frame: pd.DataFrame, path: str | Path, fmt: str) -> None:
    if fmt == "csv":
        _safe(frame).to_csv(path, index=False, encoding="utf-8-sig")  # the BOM makes Excel read UTF-8
    elif fmt == "xlsx":
        # timezone-aware datetimes cannot go into a workbook: written in UTC
        naive = _safe(frame)
        for column in naive.columns:
            if isinstance(naive[column].dtype, pd.DatetimeTZDtype):
                naive[column] = naive[column].dt.tz_convert("UTC").dt.tz_localize(None)
        naive.to_excel(path, index=False, engine="openpyxl")
    elif fmt == "parquet":
        with duckdb.connect() as conn:
            conn.register("export_frame", frame)
            target = str(path).replace("'", "''")
            conn.execute(f"COPY export_frame TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
    else:
        raise ValueError(f"format: one of {', '.join(FORMATS)}")
