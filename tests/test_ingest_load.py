"""The import as a clerk runs it: `python -m ingest check/load/rollback`, the capped printout and the
.xlsx error report with marked cells, partial updates against the served data, versions kept. How a
file's rows are merged with the served ones: tests/test_ingest_merge.py."""

from __future__ import annotations

import json

from openpyxl import load_workbook

import settings
from ingest import publish
from ingest.error_report import ERROR_FILL, LIST_SHEET, marked_sheet_name
from ingest.load import load
from tests.conftest import run_cli
from tests.ingest_helpers import append_row, copy_tiny, fingerprint, read_sheet, rows_of, set_cell, write_sheet



def test_check_exits_1_on_errors_and_0_when_clean(tmp_path):
    good = copy_tiny(tmp_path / "good")
    assert run_cli("ingest", "check", str(good), check=False).returncode == 0
    bad = copy_tiny(tmp_path / "bad")
    set_cell(bad, "农户", 7, "家庭人口数", "三口")
    result = run_cli("ingest", "check", str(bad), "--report", str(tmp_path / "r.xlsx"), check=False)
    assert result.returncode == 1
    assert "农户 第7行 家庭人口数「三口」无法识别" in result.stdout
    # warnings alone do not fail the check
    warn = copy_tiny(tmp_path / "warn")
    set_cell(warn, "农户", 2, "户主身份证号", "110105491231002")
    assert run_cli("ingest", "check", str(warn), "--report", str(tmp_path / "w.xlsx"), check=False).returncode == 0


def test_printout_is_capped_and_the_report_marks_every_bad_cell(tmp_path):
    bad = copy_tiny(tmp_path / "bad")
    rows = read_sheet(bad, "收入")
    for r in rows[1:]:
        r[2] = "很多"  # 24 bad incomes
    write_sheet(bad, "收入", rows)
    rows = read_sheet(bad, "农户状态")
    for r in rows[1:]:
        r[1] = "去年"  # 28 bad dates
    write_sheet(bad, "农户状态", rows)
    report = tmp_path / "问题清单.xlsx"
    result = run_cli("ingest", "load", str(bad), "--db", str(tmp_path / "db" / "county.duckdb"),
                     "--report", str(report), check=False)
    assert result.returncode == 1
    problem_lines = [line for line in result.stdout.splitlines() if line.startswith("  [")]
    assert len(problem_lines) == 50
    assert "另有 2 条未显示" in result.stdout  # 52 problems in all

    wb = load_workbook(report)
    listing = wb[LIST_SHEET]
    assert listing.max_row == 1 + 52
    marked = wb[marked_sheet_name("收入")]
    headers = [c.value for c in marked[1]]
    assert headers[:4] == ["行（Excel）", "户编号", "年度", "人均纯收入"]
    # data row 2 of 收入.csv is the first marked row; its 人均纯收入 cell is red with the reason as comment
    assert marked["A2"].value == 2
    bad_cell = marked.cell(row=2, column=headers.index("人均纯收入") + 1)
    assert bad_cell.value == "很多"
    assert bad_cell.fill.fgColor.rgb.upper().endswith(ERROR_FILL.lstrip("#").upper())
    assert "无法识别，应为数字" in bad_cell.comment.text
    good_cell = marked.cell(row=2, column=headers.index("年度") + 1)
    assert good_cell.comment is None and good_cell.fill.fgColor.rgb in (None, "00000000")


def test_load_refused_keeps_the_served_version_and_exit_code_1(tmp_path):
    db = tmp_path / "db" / "county.duckdb"
    run_cli("ingest", "load", str(copy_tiny(tmp_path / "good")), "--db", str(db))
    before = fingerprint(db)
    bad = copy_tiny(tmp_path / "bad")
    set_cell(bad, "资金支出", 3, "项目编号", "P7777")
    result = run_cli("ingest", "load", str(bad), "--db", str(db), "--report", str(tmp_path / "r.xlsx"), check=False)
    assert result.returncode == 1
    assert "资金支出 第3行 项目编号「P7777」在「项目」表中不存在" in result.stdout
    assert "未发布任何数据" in result.stdout
    assert fingerprint(db) == before


def test_rollback_serves_the_previous_version(tmp_path):
    db = tmp_path / "db" / "county.duckdb"
    first = copy_tiny(tmp_path / "first")
    run_cli("ingest", "load", str(first), "--db", str(db))
    v1 = publish.current(db)
    second = copy_tiny(tmp_path / "second")
    set_cell(second, "乡镇", 2, "乡镇名称", "南岭镇")
    run_cli("ingest", "load", str(second), "--db", str(db), "--report", str(tmp_path / "r.xlsx"))
    assert rows_of(db, "SELECT township_name FROM townships WHERE township_code = 'T03'") == [("南岭镇",)]
    result = run_cli("ingest", "rollback", "--db", str(db))
    assert v1.name in result.stdout
    assert publish.current(db) == v1
    assert rows_of(db, "SELECT township_name FROM townships WHERE township_code = 'T03'") == [("南岭乡",)]
    # rolling back past the first version is refused, exit code 2
    assert run_cli("ingest", "rollback", "--db", str(db), check=False).returncode == 2
    assert publish.current(db) == v1


def test_keeps_the_configured_number_of_previous_versions(tmp_path):
    keep = settings.load().keep_versions
    db = tmp_path / "db" / "county.duckdb"
    published = [load(copy_tiny(tmp_path / f"e{i}"), db).published for i in range(keep + 3)]
    assert all(published)
    assert publish.versions(db) == published[-(keep + 1):]  # the served one and `keep` before it
    assert publish.current(db) == published[-1]
    assert rows_of(db, "SELECT count(*) FROM import_log") == [(keep + 3,)]


def test_partial_update_merges_given_sheets_and_keeps_the_rest(tmp_path):
    db = tmp_path / "db" / "county.duckdb"
    load(copy_tiny(tmp_path / "full"), db, user="张会计")
    before = {t: rows_of(db, f"SELECT * FROM {t} ORDER BY ALL") for t in ("households", "incomes", "projects")}
    week = tmp_path / "week"
    week.mkdir()
    for sheet in ("项目进度", "资金支出"):
        (week / f"{sheet}.csv").write_bytes((tmp_path / "full" / f"{sheet}.csv").read_bytes())
    append_row(week, "项目进度", {"项目编号": "P1903", "填报日期": "2020-11-10", "形象进度": "95", "状态": "在建"})
    append_row(week, "资金支出", {"项目编号": "P1903", "支付日期": "2020-11-12", "金额": "25"})
    result = load(week, db, user="李文书")
    assert result.published is not None, result.errors
    assert result.mode == "partial"
    assert result.row_counts == {"项目进度": 17, "资金支出": 13}
    assert rows_of(db, "SELECT count(*) FROM project_progress") == [(17,)]
    assert rows_of(db, "SELECT sum(amount) FROM fund_payments WHERE project_id = 'P1903'")[0][0] == 35
    for table, rows in before.items():
        assert rows_of(db, f"SELECT * FROM {table} ORDER BY ALL") == rows
    log = rows_of(db, "SELECT import_id, imported_by, mode, files, row_counts FROM import_log ORDER BY 1")
    assert [(r[0], r[1], r[2]) for r in log] == [(1, "张会计", "full"), (2, "李文书", "partial")]
    assert sorted(f["name"] for f in json.loads(log[1][3])) == ["资金支出.csv", "项目进度.csv"]


def test_partial_update_is_validated_against_the_served_data(tmp_path):
    db = tmp_path / "db" / "county.duckdb"
    load(copy_tiny(tmp_path / "full"), db)
    before = fingerprint(db)
    week = tmp_path / "week"
    week.mkdir()
    (week / "资金支出.csv").write_bytes((tmp_path / "full" / "资金支出.csv").read_bytes())
    row = append_row(week, "资金支出", {"项目编号": "P3001", "支付日期": "2020-11-12", "金额": "5"})
    result = load(week, db)
    assert result.published is None
    assert set(result.errors.select("sheet", "row", "column").iter_rows()) == {("资金支出", row, "项目编号")}
    assert fingerprint(db) == before


def test_partial_update_carries_kept_sheets_warnings_forward_and_recomputes_cross_sheet_ones(tmp_path):
    db = tmp_path / "db" / "county.duckdb"
    full = copy_tiny(tmp_path / "full")
    set_cell(full, "农户", 2, "户主身份证号", "110105491231002")  # 15 digits: warning on 农户 row 2
    set_cell(full, "资金支出", 4, "金额", "70")  # P1902 paid 70 of 60 allocated: warning on 资金支出 row 4
    assert load(full, db).published
    week = tmp_path / "week"
    week.mkdir()
    (week / "项目进度.csv").write_bytes((full / "项目进度.csv").read_bytes())
    set_cell(week, "项目进度", 5, "形象进度", "90")
    assert load(week, db).published
    assert sorted(rows_of(db, "SELECT import_id, sheet, excel_row FROM import_warnings")) == [
        (1, "农户", 2), (1, "资金支出", 4), (2, "项目进度", 5)]
    # a new 资金下达 that covers P1902's payments: the overflow warning is recomputed away
    money = tmp_path / "money"
    money.mkdir()
    (money / "资金下达.csv").write_bytes((full / "资金下达.csv").read_bytes())
    set_cell(money, "资金下达", 4, "金额", "70")
    assert load(money, db).published
    assert sorted(rows_of(db, "SELECT import_id, sheet, excel_row FROM import_warnings")) == [
        (1, "农户", 2), (2, "项目进度", 5)]
