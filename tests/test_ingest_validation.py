"""Each class of bad input (issue 3, DESIGN.md "Bad input") is refused with the exact sheet, Excel row and
column named, in Chinese, and the database being served stays byte-identical.

The export is the hand-worked tiny county (tests/fixtures/tiny); each test changes one or two cells the
way a clerk would, then imports it over a database that already serves the good tiny county. Row numbers
are Excel's: the header is row 1, so the n-th data line of a CSV is row n + 1.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from ingest.load import load
from ingest.problems import describe
from tests.ingest_helpers import (append_row, copy_tiny, fingerprint, problem_cells, read_sheet, set_cell,
                                  write_sheet)

VALID_ID = "11010519491231002X"  # GB 11643's own example: weighted sum 167, 167 mod 11 = 2 -> X


@pytest.fixture
def export(tmp_path):
    return copy_tiny(tmp_path / "export")


@pytest.fixture
def served(tmp_path, export):
    """A logical database already serving the good tiny county, and its fingerprint."""
    db = tmp_path / "db" / "county.duckdb"
    first = load(copy_tiny(tmp_path / "first"), db)
    assert first.published is not None, first.errors
    return db


def whole(export):
    """The export as the county's complete data: every sheet it holds replaced, not merged (ingest/merge.py),
    so that an edited cell is checked as it stands in the file."""
    return {"replace": [p.stem for p in export.glob("*.csv")]}


def refused(export, db):
    """Import `export` over `db`; assert it was refused and nothing of the served database changed."""
    before = fingerprint(db)
    result = load(export, db, **whole(export))
    assert result.published is None
    assert result.errors.height > 0
    assert fingerprint(db) == before
    return result


def accepted(export, db):
    result = load(export, db, **whole(export))
    assert result.published is not None, [describe(p) for p in result.errors.iter_rows(named=True)]
    return result


def cell(db, sql, *params):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def messages(result, sheet, row, column):
    frame = result.problems.filter((pl.col("sheet") == sheet)
                                   & (pl.col("column").is_null() if column is None else pl.col("column") == column)
                                   & (pl.col("row").is_null() if row is None else pl.col("row") == row))
    return [describe(p) for p in frame.iter_rows(named=True)]


# --- headers ----------------------------------------------------------------------------------------------

def test_header_aliases_english_ids_spaces_fullwidth_brackets_and_units_are_accepted(export, served):
    rows = read_sheet(export, "项目")
    rows[0] = ["project_id", " 项目名称 ", "乡镇代码（township_code）", "Village_Code", "项目类别",
               "年度", "计划投资（万元）", "*计划开工日期", "计划完工日期【必填】", "受益贫困户数(户)"]
    write_sheet(export, "项目", rows)
    accepted(export, served)
    assert cell(served, "SELECT planned_investment, village_code, planned_start FROM projects "
                        "WHERE project_id = 'P1901'") == [(Decimal("80.0000"), "V0101", dt.date(2019, 4, 1))]


def test_missing_required_column_names_sheet_and_column_once(export, served):
    rows = read_sheet(export, "农户")
    col = rows[0].index("家庭人口数")
    write_sheet(export, "农户", [r[:col] + r[col + 1:] for r in rows])
    result = refused(export, served)
    assert messages(result, "农户", 1, "家庭人口数") == [
        "农户 第1行 家庭人口数：缺少必填列「家庭人口数」（或英文列名 size）：请检查第1行的表头"]
    # one message for the column, not one per row
    assert result.errors.filter(pl.col("column") == "家庭人口数").height == 1


def test_missing_required_sheet_is_named_on_a_first_import(export, tmp_path):
    (export / "村.csv").unlink()
    db = tmp_path / "fresh" / "county.duckdb"
    result = load(export, db)
    assert result.published is None
    assert messages(result, "村", None, None) == ["村：缺少必需的表「村」（工作表或 村.csv）"]
    # the households pointing at villages are not flooded with "unknown 村代码": the sheet is missing
    assert result.errors.filter(pl.col("sheet") == "农户").height == 0
    assert not db.parent.exists() or not any(db.parent.iterdir())


def test_extra_columns_are_kept_and_never_an_error(export, served):
    rows = read_sheet(export, "农户")
    rows[0].append("备注")
    for r in rows[1:]:
        r.append("")
    rows[3][-1] = "2019年危房改造"
    write_sheet(export, "农户", rows)
    result = accepted(export, served)
    assert result.errors.height == 0
    assert cell(served, "SELECT sheet, excel_row, column_name, value FROM extra_values") == [
        ("农户", 4, "备注", "2019年危房改造")]


# --- types --------------------------------------------------------------------------------------------------

def test_three_people_in_words_in_a_number_column(export, served):
    set_cell(export, "农户", 7, "家庭人口数", "三口")
    result = refused(export, served)
    assert messages(result, "农户", 7, "家庭人口数") == [
        "农户 第7行 家庭人口数「三口」无法识别，应为整数（阿拉伯数字，如 3）"]
    assert problem_cells(result.errors) == {("农户", 7, "家庭人口数")}


def test_numbers_written_as_text_full_width_and_with_separators_are_read(export, served):
    set_cell(export, "项目", 2, "计划投资", " ８０ ")
    set_cell(export, "资金下达", 2, "金额", "50.00")
    set_cell(export, "收入", 2, "人均纯收入", "2,500")
    set_cell(export, "项目进度", 2, "形象进度", "60%")
    accepted(export, served)
    assert cell(served, "SELECT planned_investment FROM projects WHERE project_id = 'P1901'") == [(Decimal(80),)]
    assert cell(served, "SELECT income_per_capita FROM incomes WHERE household_id = 'H01' AND year = 2018") == [
        (Decimal("2500.00"),)]


def test_text_date_forms_are_read_and_an_impossible_date_is_refused(export, served):
    set_cell(export, "农户状态", 4, "日期", "2016/3/1")
    set_cell(export, "农户状态", 8, "日期", "2016年3月1日")
    accepted(export, served)
    set_cell(export, "资金支出", 3, "支付日期", "2020-02-30")
    set_cell(export, "项目", 5, "计划完工日期", "2202-12-31")
    result = refused(export, served)
    assert problem_cells(result.errors) == {("资金支出", 3, "支付日期"), ("项目", 5, "计划完工日期")}
    assert "日期，格式 YYYY-MM-DD" in messages(result, "资金支出", 3, "支付日期")[0]


def test_empty_rows_at_the_end_and_in_the_middle_are_not_data(export, served):
    rows = read_sheet(export, "收入")
    n = len(rows) - 1
    rows.insert(3, [""] * 3)
    rows += [[""] * 3, ["", "", ""], []]
    write_sheet(export, "收入", rows)
    set_cell(export, "收入", 6, "年度", "二〇一九")  # after the blank line at row 4: Excel row 6
    result = refused(export, served)
    assert problem_cells(result.errors) == {("收入", 6, "年度")}
    set_cell(export, "收入", 6, "年度", read_sheet(copy_tiny(export.parent / "again"), "收入")[4][1])
    result = accepted(export, served)
    assert result.row_counts["收入"] == n


def test_ragged_csv_row_from_an_unquoted_comma(export, served):
    path = export / "项目.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("西河村茶园提质", "西河村茶园提质,二期")  # Excel row 3
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = refused(export, served)
    assert ("项目", 3, "K列") in problem_cells(result.errors)


# --- keys and references ------------------------------------------------------------------------------------

def test_duplicate_household_id_names_both_rows(export, served):
    set_cell(export, "农户", 5, "户编号", "H02")
    result = refused(export, served)
    assert messages(result, "农户", 5, "户编号") == ["农户 第5行 户编号「H02」重复，与第3行相同"]


def test_duplicate_composite_key(export, served):
    set_cell(export, "收入", 3, "年度", "2018")  # H01 2018 twice (rows 2 and 3)
    result = refused(export, served)
    assert messages(result, "收入", 3, "户编号+年度") == ["收入 第3行 户编号+年度「H01+2018」重复，与第2行相同"]


def test_unknown_village_township_and_project_codes(export, served):
    set_cell(export, "农户", 4, "村代码", "V0999")
    set_cell(export, "项目", 3, "乡镇代码", "T09")
    set_cell(export, "资金支出", 4, "项目编号", "P9999")
    result = refused(export, served)
    assert messages(result, "农户", 4, "村代码") == ["农户 第4行 村代码「V0999」在「村」表中不存在"]
    assert messages(result, "项目", 3, "乡镇代码") == ["项目 第3行 乡镇代码「T09」在「乡镇」表中不存在"]
    assert messages(result, "资金支出", 4, "项目编号") == ["资金支出 第4行 项目编号「P9999」在「项目」表中不存在"]
    assert problem_cells(result.errors) == {("农户", 4, "村代码"), ("项目", 3, "乡镇代码"), ("资金支出", 4, "项目编号")}


# --- 身份证号 ----------------------------------------------------------------------------------------------------

def test_id_number_check_digit(export, served):
    set_cell(export, "农户", 7, "户主身份证号", VALID_ID[:17] + "1")
    result = refused(export, served)
    assert messages(result, "农户", 7, "户主身份证号") == ["农户 第7行 户主身份证号「1101051949…」校验位错误，应为 X"]


def test_id_number_length_and_birth_date(export, served):
    set_cell(export, "农户", 2, "户主身份证号", VALID_ID[:17])
    set_cell(export, "农户", 3, "户主身份证号", "110105194913310029")  # month 13
    set_cell(export, "农户", 4, "户主身份证号", "11010519491231002x")  # lower-case x is fine
    result = refused(export, served)
    assert messages(result, "农户", 2, "户主身份证号") == [
        "农户 第2行 户主身份证号「1101051949…」长度或格式错误（17位），应为18位：17位数字加一位数字或 X"]
    assert messages(result, "农户", 3, "户主身份证号") == [
        "农户 第3行 户主身份证号「1101051949…」出生日期无效（第7–14位应为真实的出生日期）"]
    assert problem_cells(result.errors) == {("农户", 2, "户主身份证号"), ("农户", 3, "户主身份证号")}


def test_old_15_digit_id_is_accepted_with_a_warning(export, served):
    set_cell(export, "农户", 2, "户主身份证号", "110105491231002")
    result = accepted(export, served)
    assert problem_cells(result.warnings) == {("农户", 2, "户主身份证号")}
    assert cell(served, "SELECT sheet, excel_row, column_name, message FROM import_warnings") == [
        ("农户", 2, "户主身份证号", "15位旧身份证号，已接受，请核实后更新为18位")]


# --- ranges --------------------------------------------------------------------------------------------------

def test_negative_money_and_sizes(export, served):
    set_cell(export, "资金下达", 3, "金额", "-30")
    set_cell(export, "农户", 6, "家庭人口数", "-4")
    set_cell(export, "村", 2, "农业户籍人口", "-300")
    result = refused(export, served)
    assert messages(result, "资金下达", 3, "金额") == ["资金下达 第3行 金额「-30」不能为负数"]
    assert messages(result, "农户", 6, "家庭人口数") == ["农户 第6行 家庭人口数「-4」不能为负数"]
    assert ("村", 2, "农业户籍人口") in problem_cells(result.errors)


def test_progress_outside_0_to_100(export, served):
    set_cell(export, "项目进度", 3, "形象进度", "101")
    set_cell(export, "项目进度", 4, "形象进度", "-5")
    result = refused(export, served)
    assert messages(result, "项目进度", 3, "形象进度") == ["项目进度 第3行 形象进度「101」超出范围，应在 0–100 之间"]
    assert problem_cells(result.errors) == {("项目进度", 3, "形象进度"), ("项目进度", 4, "形象进度")}


def test_labour_count_above_household_size(export, served):
    set_cell(export, "农户", 9, "劳动力人数", "3")  # H08: size 2
    result = refused(export, served)
    assert messages(result, "农户", 9, "劳动力人数") == ["农户 第9行 劳动力人数「3」劳动力人数大于家庭人口数（2）"]


def test_absurdly_large_numbers_are_refused_not_crashed_on(export, served):
    set_cell(export, "农户", 2, "家庭人口数", "40000")  # would overflow SMALLINT
    set_cell(export, "资金下达", 2, "金额", "12345678901234567")  # beyond DECIMAL(18,4)
    result = refused(export, served)
    assert problem_cells(result.errors) == {("农户", 2, "家庭人口数"), ("资金下达", 2, "金额")}


# --- event sequences ----------------------------------------------------------------------------------------

def test_exit_before_registration(export, served):
    set_cell(export, "农户状态", 8, "日期", "2020-06-01")  # H03: 纳入 moved after its 脱贫 (row 9, 2020-05-15)
    result = refused(export, served)
    assert messages(result, "农户状态", 9, "事件") == ["农户状态 第9行 事件「脱贫」此前没有「纳入」记录，不能脱贫"]


def test_two_registrations_in_a_row(export, served):
    row = append_row(export, "农户状态", {"户编号": "H10", "日期": "2018-03-01", "事件": "纳入"})
    result = refused(export, served)
    assert messages(result, "农户状态", row, "事件") == [
        f"农户状态 第{row}行 事件「纳入」已纳入且未脱贫，不能再次纳入（上一条：2016-03-01 纳入）"]


# --- cross-sheet warnings ------------------------------------------------------------------------------------

def test_payments_above_allocations_warn_on_the_payment_that_tips_over(export, served):
    set_cell(export, "资金支出", 4, "金额", "70")  # P1902: allocated 60, paid 70 in one payment (row 4)
    result = accepted(export, served)
    assert messages(result, "资金支出", 4, "金额") == [
        "资金支出 第4行 金额「70」跨表核对：项目 P1902 累计支出 70.0 万元，超过累计下达 60.0 万元"]
    assert problem_cells(result.warnings) == {("资金支出", 4, "金额")}
    assert cell(served, "SELECT count(*) FROM import_warnings WHERE sheet = '资金支出' AND excel_row = 4") == [(1,)]


def test_completed_project_with_progress_below_100_warns(export, served):
    set_cell(export, "项目进度", 5, "形象进度", "90")  # P1902 已完工
    result = accepted(export, served)
    assert messages(result, "项目进度", 5, "形象进度") == ["项目进度 第5行 形象进度「90」状态为「已完工」但形象进度不足 100"]


# --- encodings ---------------------------------------------------------------------------------------------

def test_gb18030_csv_loads(export, served):
    text = (export / "农户.csv").read_text(encoding="utf-8")
    (export / "农户.csv").write_bytes(text.replace("赵一", "赵喆").encode("gb18030"))
    accepted(export, served)
    assert cell(served, "SELECT head_name FROM households WHERE household_id = 'H01'") == [("赵喆",)]


def test_utf8_with_bom_loads(export, served):
    for p in export.glob("*.csv"):
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    result = accepted(export, served)
    assert result.row_counts["乡镇"] == 3


# --- all problems in one pass, nothing lost -------------------------------------------------------------------

def test_every_problem_of_the_export_is_reported_in_one_pass(export, served):
    set_cell(export, "农户", 7, "家庭人口数", "三口")
    set_cell(export, "村", 3, "是否贫困村", "Y")
    set_cell(export, "项目进度", 3, "形象进度", "120")
    set_cell(export, "资金支出", 5, "项目编号", "P0000")
    result = refused(export, served)
    assert problem_cells(result.errors) == {("农户", 7, "家庭人口数"), ("村", 3, "是否贫困村"),
                                            ("项目进度", 3, "形象进度"), ("资金支出", 5, "项目编号")}


def test_a_refused_first_import_creates_nothing(export, tmp_path):
    set_cell(export, "农户", 7, "家庭人口数", "三口")
    db = tmp_path / "new" / "county.duckdb"
    result = load(export, db)
    assert result.published is None
    assert not db.exists() and not db.is_symlink()
    assert [p.name for p in db.parent.iterdir()] == [] if db.parent.exists() else True
