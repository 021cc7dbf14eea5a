"""The national system's person-level export in its own words (issue 14 §1): real headers and values, title and
填报单位/导出时间 lines, spacer rows, household cells merged down (.xlsx and .xls), footer rows; the stored values
are checked in DuckDB, and a county loaded from it gives the same indicators as from the multi-sheet format.

The export (tests/national_export.py), in the county of tests/fixtures/person_export/base:

    H1 4312991010001 东乡/甲村 3 persons  2019: 未脱贫, 低保(全家)贫困户, 因病致贫      2020-06-30: 已脱贫(享受政策)
    H2 4312991010002 东乡/甲村 2 persons  2019: 已脱贫(享受政策) 2018年, 一般脱贫户, 因学致贫, 危房户 是,
                                          王小花 not in 大病保险                             2020-06-30: 返贫
    H3 4312991020001 西镇/乙村 1 person   2019: 已脱贫(不再享受政策) 2019年, 五保户, 自身发展动力不足,
                                          安全饮用水 否                                       unchanged
Excel rows: 1 title, 2 填报单位/导出时间, 3 blank, 4 header, 5 spacer; H1 rows 6-8, spacer 9, H2 10-11,
spacer 12, H3 13, spacer 14; footer 15 合计, 16 制表人/审核人, 17 填表说明, 18 备注.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from ingest import vocabulary
from ingest.error_report import write_error_report
from ingest.load import check, load
from ingest.person_export import read_person_export, to_contract
from ingest.problems import ERROR, WARNING, Problems
from queries.__main__ import main as queries_main
from tests.ingest_helpers import rows_of, write_sheet
from tests.national_export import BASE, XLS_2019, households, write_national_xlsx

H1, H2, H3 = "4312991010001", "4312991010002", "4312991020001"
TOWNSHIPS = pl.DataFrame({"township_code": ["101", "102"], "township_name": ["东乡", "西镇"]})
VILLAGES = pl.DataFrame({"village_code": ["101001", "102001"], "village_name": ["甲村", "乙村"],
                         "township_code": ["101", "102"]})



def _xlsx(tmp_path: Path, year: int = 2019, name: str | None = None, **options) -> Path:
    as_of = "2019-12-31" if year == 2019 else "2020-06-30"
    return write_national_xlsx(tmp_path / (name or f"贫困人口明细_{as_of}.xlsx"), households(year), as_of, **options)


def _errors(result) -> list[dict]:
    return result.errors.to_dicts()


@pytest.fixture(scope="module")
def national_2019(tmp_path_factory):
    folder = tmp_path_factory.mktemp("national")
    db = folder / "db" / "county.duckdb"
    assert load(BASE, db).published is not None
    result = load(_xlsx(folder), db)
    assert result.published is not None, _errors(result)
    return db, result


def test_national_headers_values_and_layout_are_stored_as_meant(national_2019):
    db, _ = national_2019
    rows = rows_of(db, "SELECT household_id, village_code, size, attribute, main_cause, labor_count, food_clothing, "
                      "education, medical, housing, water FROM households ORDER BY household_id")
    # 低保(全家)贫困户 / 一般脱贫户 / 五保户; 因病致贫 -> 因病; 人数 -> size; 弱劳动力或半劳动力 counts as labour;
    # 吃穿不愁 has no column: unknown (NULL), never 是; 大病保险 否 for one member -> 基本医疗 否; 危房户 是 -> 住房 否;
    # 安全饮用水 否 -> 饮水 否.
    assert rows == [
        (H1, "101001", 3, "低保贫困户", "因病", 2, None, True, True, True, True),
        (H2, "101001", 2, "一般贫困户", "因学", 0, None, True, False, False, True),
        (H3, "102001", 1, "特困供养户", "自身发展动力不足", 0, None, True, True, True, False),
    ]
    members = rows_of(db, "SELECT name, health, labor_skill FROM household_members WHERE household_id = "
                         f"'{H1}' ORDER BY name")
    assert members == [("张大山", "长期慢性病", "普通劳动力"), ("张小明", "健康", "技能劳动力"),
                       ("李秀英", "长期慢性病、残疾", "丧失劳动力")]
    events = rows_of(db, "SELECT household_id, date, event FROM household_events ORDER BY household_id, date, "
                        "event_order")
    assert events == [(H1, dt.date(2019, 12, 31), "纳入"),
                      (H2, dt.date(2018, 12, 31), "纳入"), (H2, dt.date(2018, 12, 31), "脱贫"),  # 脱贫年度 "2018年"
                      (H3, dt.date(2019, 12, 31), "纳入"), (H3, dt.date(2019, 12, 31), "脱贫")]
    incomes = rows_of(db, "SELECT household_id, year, income_per_capita::DOUBLE FROM incomes ORDER BY 1")
    assert incomes == [(H1, 2019, 3000.0), (H2, 2019, 5000.0), (H3, 2019, 4200.0)]


def test_footer_rows_are_skipped_with_one_notice_and_no_header_warnings(national_2019):
    _, result = national_2019
    footer = result.warnings.filter(pl.col("message").str.contains("表尾"))
    assert footer.height == 1
    notice = footer.row(0, named=True)
    assert notice["row"] == 15
    for word in ("合计", "制表人", "填表说明", "备注"):
        assert word in notice["message"]
    assert "第15–18行" in notice["message"]
    # Every national header is known: no 未知列 warning; 吃穿不愁 is named as recorded unknown, never 是.
    assert not result.warnings["message"].str.contains("未知列").any()
    unknown = result.warnings.filter(pl.col("message").str.contains("吃穿不愁"))
    assert unknown.height == 1 and "未知" in unknown["message"][0] and "不按「是」计" in unknown["message"][0]


def test_xls_with_merged_household_cells_reads_like_the_xlsx(tmp_path):
    """The committed .xls (LibreOffice's save of the same export) fills its merged cells down too."""
    def contract(path):
        problems = Problems()
        person = read_person_export(path, problems)
        return to_contract(person, TOWNSHIPS, VILLAGES, problems), problems.frame()

    from_xlsx, problems_xlsx = contract(_xlsx(tmp_path))
    from_xls, problems_xls = contract(XLS_2019)
    assert problems_xls.filter(pl.col("severity") == ERROR).height == 0, problems_xls.to_dicts()
    assert from_xls.households.drop("__row").equals(from_xlsx.households.drop("__row"))
    assert from_xls.members.equals(from_xlsx.members)
    assert from_xls.members.height == 6  # every member row kept its 户编号 from the merged cell
    assert from_xls.households["__row"].to_list() == [6, 10, 13]


def test_unmerged_export_gives_the_same_households(tmp_path):
    """Without merges the member rows repeat the household cells: the same result (fill-down changes nothing)."""
    def contract(path):
        problems = Problems()
        return to_contract(read_person_export(path, problems), TOWNSHIPS, VILLAGES, problems)

    merged = contract(_xlsx(tmp_path, name="merged.xlsx"))
    plain = contract(_xlsx(tmp_path, name="plain.xlsx", merged=False))
    assert plain.households.equals(merged.households)
    assert plain.members.equals(merged.members)


def test_unknown_value_suggests_the_nearest_and_one_vocabulary_line_accepts_it(tmp_path, monkeypatch):
    def edit(cells):
        cells[(13, "贫困户属性")] = "特困供养"

    path = _xlsx(tmp_path, edit=edit)
    problems = Problems()
    read_person_export(path, problems)
    error = problems.frame().filter(pl.col("severity") == ERROR).row(0, named=True)
    assert (error["row"], error["column"], error["value"]) == (13, "贫困户属性", "特困供养")
    assert "最接近的是「特困供养户」" in error["message"] and "data/vocabulary.toml" in error["message"]

    # The county's spelling, one line of config:
    text = vocabulary.PATH.read_text(encoding="utf-8").replace(
        "[values.attribute]\n", '[values.attribute]\n"特困供养" = "特困供养户"\n')
    county = tmp_path / "vocabulary.toml"
    county.write_text(text, encoding="utf-8")
    monkeypatch.setattr(vocabulary, "load", lambda path=county: vocabulary.parse(
        __import__("tomllib").loads(county.read_text(encoding="utf-8"))))
    problems = Problems()
    person = read_person_export(path, problems)
    assert problems.frame().filter(pl.col("severity") == ERROR).height == 0
    assert person.frame.filter(pl.col("household_id") == H3)["attribute"].to_list() == ["特困供养户"]


def test_id_numbers_stored_as_numbers_give_one_error_naming_the_fix(tmp_path):
    """Excel keeps 15 significant digits: 431299196807150220 became 431299196807150000 in four cells."""
    def edit(cells):
        for (row, header), value in list(cells.items()):
            if header == "证件号码" and row in (6, 7, 10, 11):
                cells[(row, header)] = float(int(str(value)[:15]) * 1000)

    problems = Problems()
    read_person_export(_xlsx(tmp_path, edit=edit), problems)
    errors = problems.frame().filter(pl.col("severity") == ERROR)
    assert errors.height == 1, errors.to_dicts()
    error = errors.row(0, named=True)
    assert (error["row"], error["column"]) == (6, "证件号码")
    assert "4 个值被 Excel 存成了数字" in error["message"] and "「文本」格式" in error["message"]
    assert not problems.frame()["message"].str.contains("校验位").any()


def test_person_problem_list_marks_the_bad_cells(tmp_path):
    def edit(cells):
        cells[(7, "健康状况")] = "病"
        cells[(10, "人数")] = "两口"

    db = tmp_path / "db" / "county.duckdb"
    assert load(BASE, db).published is not None
    path = _xlsx(tmp_path, edit=edit)
    export, problems, _ = check(path, db)
    frame = problems.frame()
    # 人数 is merged over rows 10-11: one problem, on the household's first row, not one per member.
    assert {(r["row"], r["column"]) for r in frame.filter(pl.col("severity") == ERROR).iter_rows(named=True)} == \
        {(7, "健康状况"), (10, "人数")}
    report = write_error_report(frame, export, tmp_path / "问题清单.xlsx")
    book = load_workbook(report)
    ws = book["人员表（标注）"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["行（Excel）", "序号", "数据日期"]
    marked = {}
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.comment is not None:
                marked[(row[0].value, header[cell.column - 1])] = (cell.value, cell.fill.fgColor.rgb)
    assert marked[(7, "健康状况")][0] == "病" and marked[(7, "健康状况")][1].endswith("FFC7CE")
    assert marked[(10, "人数")][0] == "两口"


def _multi_sheet_county(folder: Path) -> Path:
    """The same county in the multi-sheet format: 农户, 家庭成员, 农户状态, 收入 as the snapshots imply."""
    shutil.copytree(BASE, folder)
    head = ["户编号", "户主姓名", "户主身份证号", "村代码", "家庭人口数", "贫困户属性", "主要致贫原因", "劳动力人数",
            "帮扶责任人", "吃穿不愁", "义务教育有保障", "基本医疗有保障", "住房安全有保障", "饮水安全有保障"]
    write_sheet(folder, "农户", [head,
                                 [H1, "张大山", "43129919650302011X", "101001", "3", "低保贫困户", "因病", "2", "",
                                  "是", "是", "是", "是", "是"],
                                 [H2, "王老汉", "431299195809200418", "101001", "2", "一般贫困户", "因学", "0", "",
                                  "是", "是", "否", "否", "是"],
                                 [H3, "刘独居", "431299197504050614", "102001", "1", "特困供养户", "自身发展动力不足", "0",
                                  "", "是", "是", "是", "是", "否"]])
    write_sheet(folder, "农户状态", [["户编号", "日期", "事件"],
                                    [H1, "2019-12-31", "纳入"], [H1, "2020-06-30", "脱贫"],
                                    [H2, "2018-12-31", "纳入"], [H2, "2018-12-31", "脱贫"], [H2, "2020-06-30", "返贫"],
                                    [H3, "2019-12-31", "纳入"], [H3, "2019-12-31", "脱贫"]])
    write_sheet(folder, "收入", [["户编号", "年度", "人均纯收入"],
                                [H1, "2019", "3000"], [H2, "2019", "5000"], [H3, "2019", "4200"],
                                [H1, "2020", "6000"], [H2, "2020", "2500"], [H3, "2020", "4800"]])
    return folder


def _report(db: Path, as_of: str, out: Path) -> str:
    assert queries_main(["report", "--db", str(db), "--as-of", as_of, "--out", str(out)]) == 0
    return (out / "township_indicators.csv").read_text(encoding="utf-8")


def test_round_trip_multi_sheet_and_national_export_give_the_same_indicators(tmp_path):
    multi = tmp_path / "multi" / "county.duckdb"
    result = load(_multi_sheet_county(tmp_path / "multi_export"), multi)
    assert result.published is not None, _errors(result)

    national = tmp_path / "national" / "county.duckdb"
    assert load(BASE, national).published is not None
    for year in (2019, 2020):
        result = load(_xlsx(tmp_path, year), national)
        assert result.published is not None, _errors(result)

    for as_of in ("2019-12-31", "2020-06-30", "2020-11-16"):
        a = _report(multi, as_of, tmp_path / f"multi_{as_of}")
        b = _report(national, as_of, tmp_path / f"national_{as_of}")
        assert a == b, as_of
    # Worked by hand at 2020-06-30: 东乡 poor = H2 (返贫, 2 persons) of 100 -> 2 %; H1 (3) exited this year
    # against a plan of 6 -> 50 %; county income 2020 vs 2019 = (3×6000+2×2500+4800) / (3×3000+2×5000+4200) - 1.
    rows = pl.read_csv(tmp_path / "national_2020-06-30" / "township_indicators.csv", infer_schema=False)
    east = rows.filter(pl.col("township_code") == "101").row(0, named=True)
    assert float(east["poor_persons"]) == 2 and float(east["incidence_pct"]) == pytest.approx(2.0)
    assert float(east["exited_persons_ytd"]) == 3 and float(east["target_progress_pct"]) == pytest.approx(50.0)
    county = rows.filter(pl.col("township_code") == "ALL").row(0, named=True)
    assert float(county["income_growth_pct"]) == pytest.approx(100 * (27800 / 23200 - 1), abs=1e-4)


def test_full_width_date_in_the_export_is_the_same_snapshot(tmp_path):
    def edit(cells):
        for key in [k for k in cells if k[1] == "数据日期"]:
            cells[key] = "２０１９－１２－３１"

    problems = Problems()
    person = read_person_export(_xlsx(tmp_path, edit=edit), problems)
    assert problems.frame().filter(pl.col("severity") == ERROR).height == 0
    assert person.frame["as_of"].unique().to_list() == [dt.date(2019, 12, 31)]
    assert WARNING  # (warnings allowed)
