"""Excel habits that must not change a number (issue 14 §2), in the multi-sheet import, checked on the values
stored in DuckDB: percent-formatted cells, long codes stored as numbers, full-width digits and 2020年, and a
guarantee column the file does not have (unknown, never 是).

The county is tests/fixtures/tiny; tests/fixtures/national/项目进度_百分比.xls is a 项目进度 sheet saved by
LibreOffice with 形象进度 formatted as a percentage (0.6, 1, 0.85 shown as 60%, 100%, 85%; "90%" typed as text;
45 a plain number).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook as OpenpyxlWorkbook

from checks_county import rule_rows
from components.household_views import guarantee_flags
from ingest.load import check, load
from ingest.problems import ERROR, WARNING
from ingest.workbook import Workbook
from queries import checks_registry as registry
from queries.runner import Database
from tests.ingest_helpers import TINY, read_sheet, rows_of, set_cell, write_sheet

PERCENT_XLS = Path(__file__).parent / "fixtures" / "national" / "项目进度_百分比.xls"
PROGRESS_ROWS = [("P1901", dt.date(2019, 8, 1), 0.6, "在建"), ("P1901", dt.date(2019, 12, 31), 1, "已验收"),
                 ("P2001", dt.date(2020, 5, 1), 0.85, "在建"), ("P2001", dt.date(2020, 6, 1), "90%", "在建"),
                 ("P2002", dt.date(2020, 6, 1), 45, "在建")]
EXPECTED_PROGRESS = {("P1901", dt.date(2019, 8, 1)): 60, ("P1901", dt.date(2019, 12, 31)): 100,
                     ("P2001", dt.date(2020, 5, 1)): 85, ("P2001", dt.date(2020, 6, 1)): 90,
                     ("P2002", dt.date(2020, 6, 1)): 45}



@pytest.fixture
def tiny_db(tmp_path):
    db = tmp_path / "db" / "county.duckdb"
    assert load(TINY, db).published is not None
    return db


def _percent_xlsx(path: Path) -> Path:
    wb = OpenpyxlWorkbook()
    ws = wb.active
    ws.title = "项目进度"
    ws.append(["项目编号", "填报日期", "形象进度", "状态"])
    for r, row in enumerate(PROGRESS_ROWS, start=2):
        ws.append(list(row))
        if not isinstance(row[2], str) and row[2] != 45:
            ws.cell(row=r, column=3).number_format = "0%"
    wb.save(path)
    return path


def _stored_progress(db: Path) -> dict:
    rows = rows_of(db, "SELECT project_id, report_date, progress_pct::DOUBLE FROM project_progress")
    return {(p, d): v for p, d, v in rows if (p, d) in EXPECTED_PROGRESS}


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_percent_formatted_progress_is_stored_as_the_percentage_shown(tmp_path, tiny_db, kind):
    path = _percent_xlsx(tmp_path / "项目进度_百分比.xlsx") if kind == "xlsx" else PERCENT_XLS
    result = load(path, tiny_db)
    assert result.published is not None, result.errors.to_dicts()
    assert _stored_progress(tiny_db) == EXPECTED_PROGRESS
    assert not result.warnings["message"].str.contains("看起来是小数").any()


def test_progress_as_fractions_in_a_csv_is_warned_once(tmp_path, tiny_db):
    folder = tmp_path / "week"
    folder.mkdir()
    write_sheet(folder, "项目进度", [["项目编号", "填报日期", "形象进度", "状态"],
                                    ["P2001", "2020-05-01", "0.85", "在建"], ["P2002", "2020-06-01", "0.5", "在建"],
                                    ["P2003", "2020-06-02", "85%", "在建"]])
    _, problems, validated = check(folder, tiny_db)
    frame = problems.frame()
    fraction = frame.filter(pl.col("message").str.contains("看起来是小数"))
    assert fraction.height == 0  # "85%" says this column is 0-100: no warning
    typed = validated.tables["project_progress"].filter(pl.col("report_date") == dt.date(2020, 6, 2))
    assert float(typed["progress_pct"][0]) == 85  # "85%" in a CSV is 85

    write_sheet(folder, "项目进度", [["项目编号", "填报日期", "形象进度", "状态"],
                                    ["P2001", "2020-05-01", "0.85", "在建"], ["P2002", "2020-06-01", "0.5", "在建"]])
    _, problems, _ = check(folder, tiny_db)
    fraction = problems.frame().filter(pl.col("message").str.contains("看起来是小数"))
    assert fraction.height == 1 and fraction["severity"][0] == WARNING and fraction["row"][0] == 2


def test_long_household_codes_stored_as_numbers_give_one_error_per_column(tmp_path):
    """户编号 of 16 digits typed into number cells in 农户 and 收入: Excel kept 15 digits (…0001 -> …0000)."""
    folder = shutil.copytree(TINY, tmp_path / "export")
    book = tmp_path / "县导出.xlsx"
    wb = OpenpyxlWorkbook()
    wb.remove(wb.active)
    long_ids = {}
    for sheet in sorted(p.stem for p in TINY.glob("*.csv")):
        rows = read_sheet(folder, sheet)
        ws = wb.create_sheet(sheet)
        ws.append(rows[0])
        for row in rows[1:]:
            cells = []
            for header, value in zip(rows[0], row):
                if header == "户编号" and sheet in ("农户", "收入", "农户状态"):
                    code = long_ids.setdefault(value, 4312991010010000 + len(long_ids) + 1)
                    cells.append(float(f"{code:.15g}"))  # what Excel keeps of it
                else:
                    cells.append(value)
            ws.append(cells)
    wb.save(book)
    _, problems, _ = check(book)
    errors = problems.frame().filter(pl.col("severity") == ERROR)
    assert sorted(errors["sheet"].to_list()) == ["农户", "农户状态", "收入"], errors.to_dicts()
    assert set(errors["column"]) == {"户编号"}
    assert errors["message"].str.contains("被 Excel 存成了数字").all()
    assert errors["message"].str.contains("设为「文本」格式").all()
    assert errors["row"].to_list() == [2, 2, 2]


def test_full_width_dates_and_years_with_nian_are_stored_like_plain_ones(tmp_path):
    folder = shutil.copytree(TINY, tmp_path / "export")
    set_cell(folder, "项目进度", 2, "填报日期", "２０１９－０８－０１")
    set_cell(folder, "收入", 2, "年度", "2018年")
    set_cell(folder, "项目", 2, "计划开工日期", "２０１９年３月１日")
    db = tmp_path / "db" / "county.duckdb"
    result = load(folder, db)
    assert result.published is not None, result.errors.to_dicts()
    assert rows_of(db, "SELECT count(*) FROM project_progress WHERE project_id = 'P1901' "
                      "AND report_date = DATE '2019-08-01'") == [(1,)]
    assert rows_of(db, "SELECT year FROM incomes WHERE household_id = 'H01' ORDER BY year")[0] == (2018,)
    assert rows_of(db, "SELECT planned_start FROM projects WHERE project_id = 'P1901'") == [(dt.date(2019, 3, 1),)]


def test_a_guarantee_without_a_column_is_unknown_never_met(tmp_path):
    folder = shutil.copytree(TINY, tmp_path / "export")
    rows = read_sheet(folder, "农户")
    drop = rows[0].index("吃穿不愁")
    write_sheet(folder, "农户", [r[:drop] + r[drop + 1:] for r in rows])
    set_cell(folder, "农户", 3, "基本医疗有保障", "")  # a blank cell: unknown too
    db = tmp_path / "db" / "county.duckdb"
    result = load(folder, db)
    assert result.published is not None, result.errors.to_dicts()
    assert rows_of(db, "SELECT count(*), count(food_clothing) FROM households") == [(rows.__len__() - 1, 0)]
    assert rows_of(db, "SELECT medical FROM households WHERE household_id = 'H02'") == [(None,)]
    notes = result.warnings.filter(pl.col("column").is_in(["吃穿不愁", "基本医疗有保障"]))
    assert notes.height == 2 and notes["message"].str.contains("未知").all()

    # 数据核查 lists every exited household as unknown on 吃穿不愁 (none is "否"): nobody passes on a default.
    as_of = dt.date(2020, 12, 31)
    with Database.open(db) as county:
        listed = rule_rows(county, "exit_without_guarantees", as_of=as_of, township="ALL",
                           **registry.rule_params())
    exited = rows_of(db, "SELECT household_id FROM household_spans WHERE valid_from <= DATE '2020-12-31' "
                        "AND DATE '2020-12-31' < valid_to AND event = '脱贫' ORDER BY 1")
    assert sorted(listed["record_id"].to_list()) == [h for (h,) in exited] and exited
    assert listed["detail"].str.contains("「吃穿不愁").all() and listed["detail"].str.contains("」未知").all()
    h02 = listed.filter(pl.col("record_id") == "H02")["detail"]
    assert h02.to_list() == [] or "「吃穿不愁、基本医疗有保障」未知" in h02[0]

    # 户情: unknown shows as 未知, not 未达标 (and never 达标).
    profile = {"food_clothing": None, "education": True, "medical": False, "housing": True, "water": True}
    assert guarantee_flags(profile)["是否达标"].to_list() == ["未知", "达标", "未达标", "达标", "达标"]


def test_merge_scan_finds_merges_across_block_boundaries(tmp_path, monkeypatch):
    import ingest.workbook as workbook
    import xlsxwriter

    path = tmp_path / "m.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        ws = wb.add_worksheet("s")
        for block in range(40):
            ws.merge_range(block * 3, 0, block * 3 + 2, 0, f"v{block}")
            for r in range(3):
                ws.write(block * 3 + r, 1, r)
    monkeypatch.setattr(workbook, "_CHUNK", 37)  # every mergeCell tag straddles some block boundary
    grid = Workbook(path.read_bytes()).grid("s")
    assert grid["c0"].to_list() == [f"v{b}" for b in range(40) for _ in range(3)]


def test_household_page_shows_an_unknown_guarantee_as_unknown(tmp_path, monkeypatch):
    """户情 on a county whose 农户 had no 吃穿不愁 column: the table says 未知 and a note says why, no error."""
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT, demo_user

    folder = shutil.copytree(TINY, tmp_path / "export")
    rows = read_sheet(folder, "农户")
    drop = rows[0].index("吃穿不愁")
    write_sheet(folder, "农户", [r[:drop] + r[drop + 1:] for r in rows])
    db = tmp_path / "db" / "county.duckdb"
    assert load(folder, db).published is not None
    monkeypatch.setenv("WARROOM_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    user = demo_user()
    at.session_state["user"] = user
    at.session_state["role"] = user.role
    at.query_params["household"] = "H01"
    at.run()
    at.switch_page("pages/households.py").run()
    assert not at.exception
    flags = next(d.value for d in at.dataframe if "是否达标" in d.value.columns)
    assert dict(zip(flags["项目"], flags["是否达标"]))["吃穿不愁"] == "未知"
    assert any("未知" in i.value and "不算达标" in i.value for i in at.info)
