"""Workbooks as clerks make them: real date cells next to text dates, numbers stored as text, a title line
above the header, blank lines, formatted empty rows at the end, English sheet names; the Excel row named
in a message is the one the clerk sees in the workbook."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from ingest.load import load
from ingest.problems import describe
from tests.ingest_helpers import TINY, fingerprint, read_sheet

DATE_COLUMNS = {"日期", "下达日期", "支付日期", "填报日期", "计划开工日期", "计划完工日期"}
NUMBER_COLUMNS = {"家庭人口数", "劳动力人数", "农业户籍人口", "年度", "人均纯收入", "计划投资", "金额", "形象进度",
                  "计划脱贫人数", "计划出列村数", "集体经济收入", "受益贫困户数", "出列年份"}


def tiny_workbook(path: Path, *, title_lines: int = 0, sheet_names: dict[str, str] | None = None,
                  edit=None) -> Path:
    """The tiny county as a workbook with typed cells; `edit(sheet, ws)` may change cells afterwards."""
    wb = Workbook()
    wb.remove(wb.active)
    for csv_path in sorted(TINY.glob("*.csv")):
        sheet = csv_path.stem
        ws = wb.create_sheet((sheet_names or {}).get(sheet, sheet))
        for _ in range(title_lines):
            ws.append([f"{sheet}（2020年11月导出）"] if _ == 0 else [])
        rows = read_sheet(TINY, sheet)
        ws.append(rows[0])
        for row in rows[1:]:
            ws.append([_typed(h, v) for h, v in zip(rows[0], row)])
        if edit:
            edit(sheet, ws)
    wb.save(path)
    return path


def _typed(header: str, value: str):
    if value == "":
        return None
    if header in DATE_COLUMNS:
        return dt.date.fromisoformat(value)
    if header in NUMBER_COLUMNS:
        return float(value) if "." in value else int(value)
    return value


def test_workbook_with_date_cells_and_number_cells_loads_like_the_csv_folder(tmp_path):
    db = tmp_path / "db" / "county.duckdb"
    result = load(tiny_workbook(tmp_path / "tiny.xlsx"), db)
    assert result.published is not None, [describe(p) for p in result.errors.iter_rows(named=True)]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT planned_start, planned_investment FROM projects WHERE project_id = 'P2003'"
                       ).fetchall() == [(dt.date(2020, 3, 1), Decimal("60.0000"))]
    assert con.execute("SELECT count(*) FROM household_events").fetchall() == [(28,)]
    con.close()


def test_text_dates_and_numbers_stored_as_text_in_a_workbook(tmp_path):
    def edit(sheet, ws):
        if sheet == "项目":
            ws["H2"] = "2019-04-01"  # 计划开工日期 typed as text
            ws["G2"] = "80"  # 计划投资 stored as text
            ws["I2"] = dt.datetime(2019, 12, 31, 0, 0)  # a datetime cell
            ws["H3"] = 43525  # 2019-03-01 as a General-formatted serial number

    db = tmp_path / "db" / "county.duckdb"
    result = load(tiny_workbook(tmp_path / "tiny.xlsx", edit=edit), db)
    assert result.published is not None, [describe(p) for p in result.errors.iter_rows(named=True)]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT project_id, planned_start, planned_end, planned_investment FROM projects "
                       "WHERE project_id IN ('P1901', 'P1902') ORDER BY 1").fetchall() == [
        ("P1901", dt.date(2019, 4, 1), dt.date(2019, 12, 31), Decimal(80)),
        ("P1902", dt.date(2019, 3, 1), dt.date(2019, 11, 30), Decimal(60))]
    con.close()


def test_title_line_and_blank_lines_above_the_header_keep_excel_row_numbers(tmp_path):
    def edit(sheet, ws):
        if sheet == "农户":
            # header on row 3 (title on row 1, blank row 2); H03 is the third household: row 6
            assert ws["A6"].value == "H03"
            ws["E6"] = "三口"

    db = tmp_path / "db" / "county.duckdb"
    result = load(tiny_workbook(tmp_path / "tiny.xlsx", title_lines=2, edit=edit), db)
    assert result.published is None
    assert [describe(p) for p in result.errors.iter_rows(named=True)] == [
        "农户 第6行 家庭人口数「三口」无法识别，应为整数（阿拉伯数字，如 3）"]


def test_formatted_empty_rows_at_the_end_are_ignored_and_english_sheet_names_work(tmp_path):
    def edit(sheet, ws):
        if sheet == "收入":
            for r in range(ws.max_row + 1, ws.max_row + 40):
                ws.cell(row=r, column=1).fill = PatternFill("solid", fgColor="FFFF00")
            ws.cell(row=ws.max_row + 2, column=2, value="  ")  # a stray space far below

    db = tmp_path / "db" / "county.duckdb"
    result = load(tiny_workbook(tmp_path / "tiny.xlsx", edit=edit, sheet_names={"收入": "incomes"}), db)
    assert result.published is not None, [describe(p) for p in result.errors.iter_rows(named=True)]
    assert result.row_counts["收入"] == 24


def test_refused_workbook_leaves_the_served_database_untouched(tmp_path):
    db = tmp_path / "db" / "county.duckdb"
    assert load(TINY, db).published is not None
    before = fingerprint(db)

    def edit(sheet, ws):
        if sheet == "资金支出":
            ws["C5"] = -40  # P1903's payment, row 5

    result = load(tiny_workbook(tmp_path / "bad.xlsx", edit=edit), db, replace=["资金支出"])  # not merged
    assert result.published is None
    assert set(result.errors.select("sheet", "row", "column").iter_rows()) == {("资金支出", 5, "金额")}
    assert fingerprint(db) == before


def test_broken_files_are_refused_with_a_reason(tmp_path):
    (tmp_path / "fake.xlsx").write_bytes(b"this is not a workbook")
    (tmp_path / "fake.zip").write_bytes(b"PK\x03\x04 broken")
    for name in ("fake.xlsx", "fake.zip", "missing.xlsx", "notes.txt"):
        if name == "notes.txt":
            (tmp_path / name).write_text("hello")
        result = load(tmp_path / name, tmp_path / "db" / "county.duckdb")
        assert result.published is None
        assert result.errors.height >= 1
        assert all(isinstance(m, str) and m for m in result.errors["message"])
    assert not (tmp_path / "db").exists() or not list((tmp_path / "db").iterdir())


def test_zip_of_csv_files_with_gbk_names(tmp_path):
    import zipfile

    target = tmp_path / "export.zip"
    # What "send to compressed folder" does on a Chinese Windows: GBK names without the UTF-8 flag.
    # zipfile always writes UTF-8, so write placeholders of the same byte length and swap the bytes in.
    swaps = {}
    with zipfile.ZipFile(target, "w") as z:
        for i, p in enumerate(sorted(TINY.glob("*.csv"))):
            gbk = p.name.encode("gbk")
            placeholder = f"{i:02d}".encode().ljust(len(gbk) - 4, b"_") + b".csv"
            swaps[placeholder] = gbk
            z.writestr(placeholder.decode(), p.read_bytes())
    data = target.read_bytes()
    for placeholder, gbk in swaps.items():
        data = data.replace(placeholder, gbk)
    target.write_bytes(data)
    db = tmp_path / "db" / "county.duckdb"
    result = load(target, db)
    assert result.published is not None, result.errors
    assert result.row_counts["农户"] == 12
    assert pl.DataFrame(result.problems).height == 0
