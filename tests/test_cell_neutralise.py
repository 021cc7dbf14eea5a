"""Downloads keep text as text (issue 15 §9): in Excel a URL-looking value is no live hyperlink and a formula
is no formula; the `queries report` CSV writes formula-like text with a leading apostrophe."""

from __future__ import annotations

import csv
import io

import openpyxl
import polars as pl

from components.tables import to_excel
from queries.__main__ import write_csv

HOSTILE = ['=HYPERLINK("http://evil.example/","点此查看")', "http://evil.example/login", "+1+2", "@SUM(A1)", "0123"]


def test_excel_download_writes_urls_and_formulas_as_plain_text():
    book = openpyxl.load_workbook(io.BytesIO(to_excel(pl.DataFrame({"乡镇": HOSTILE, "户": [1, 2, 3, 4, 5]}))))
    cells = [row for row in book.active.iter_rows(min_row=2)]
    assert [row[0].value for row in cells] == HOSTILE
    assert all(row[0].data_type == "s" and row[0].hyperlink is None for row in cells)
    assert [row[1].value for row in cells] == [1, 2, 3, 4, 5], "numbers stay numbers"
    assert not book.active._hyperlinks


def test_report_csv_neutralises_formula_like_text(tmp_path):
    frame = pl.DataFrame({"township_name": HOSTILE, "incidence_pct": [-1.5, 0.0, 2.0, None, 3.25]})
    write_csv(frame, tmp_path / "out.csv")
    rows = list(csv.reader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert [r[0] for r in rows[1:]] == ["'" + HOSTILE[0], HOSTILE[1], "'+1+2", "'@SUM(A1)", "0123"]
    assert [r[1] for r in rows[1:]] == ["-1.5000", "0.0000", "2.0000", "", "3.2500"], "negative numbers untouched"
