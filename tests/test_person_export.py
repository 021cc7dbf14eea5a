"""Reading the 建档立卡 person-level export (issue 10): detection, header variants, 户主 rows, place names.

Fixtures: tests/fixtures/person_export/snapshot_*.csv (see tests/test_snapshots.py for the story). Excel rows
count the header as row 1 (and a title line above it as row 1, the header then row 2).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ingest.person_export import is_person_export, read_person_export, to_contract
from ingest.problems import ERROR, WARNING, Problems
from ingest.readers import ROW

FIXTURES = Path(__file__).parent / "fixtures" / "person_export"
S1, S2, S3 = (FIXTURES / f"snapshot_{d}.csv" for d in ("2019-12-31", "2020-06-30", "2020-11-16"))
TOWNSHIPS = pl.DataFrame({"township_code": ["101", "102"], "township_name": ["东乡", "西镇"]})
VILLAGES = pl.DataFrame({"village_code": ["101001", "102001"], "village_name": ["甲村", "乙村"],
                         "township_code": ["101", "102"]})


def _read(path: Path, problems: Problems | None = None):
    problems = problems if problems is not None else Problems()
    person = read_person_export(path, problems)
    return person, problems


def _contract(path: Path, create_places: bool = False, townships=TOWNSHIPS, villages=VILLAGES):
    person, problems = _read(path)
    contract = to_contract(person, townships, villages, problems, create_places=create_places)
    return contract, problems.frame()


def _rewrite(tmp_path: Path, source: Path, name: str, *replacements: tuple[str, str], encoding="utf-8") -> Path:
    text = source.read_bytes().decode("gb18030" if source == S2 else "utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    target = tmp_path / name
    target.write_bytes(text.encode(encoding))
    return target


def test_person_exports_are_detected_and_contract_sheets_are_not():
    assert all(is_person_export(p) for p in (S1, S2, S3))
    assert not is_person_export(FIXTURES / "base" / "村.csv")
    assert not is_person_export(FIXTURES / "base" / "农户.csv")
    assert not is_person_export(FIXTURES / "base")


def test_header_variants_give_the_same_households(tmp_path):
    """S1 uses 县(市、区、旗)/乡(镇)/行政村/自然村/证件号码/家庭人口数; the same rows under the other names
    (市区旗/乡镇/村/社、组/身份证号/家庭成员数) and in GB18030 must read identically."""
    renamed = _rewrite(tmp_path, S1, "variant.csv",
                       ("编号,县(市、区、旗),乡(镇),行政村,自然村", "编号,市区旗,乡镇,村,社、组"),
                       (",证件号码,家庭人口数,", ",身份证号,家庭成员数,"), encoding="gb18030")
    a, problems_a = _contract(S1)
    b, problems_b = _contract(renamed)
    assert problems_a.filter(pl.col("severity") == ERROR).height == 0
    assert problems_b.filter(pl.col("severity") == ERROR).height == 0
    assert a.households.equals(b.households)
    assert a.members.equals(b.members)
    h1 = a.households.filter(pl.col("household_id") == "4312991010001").row(0, named=True)
    assert (h1["head_name"], h1["village_code"], h1["size"], h1["labor_count"], h1["status"], h1[ROW]) == \
        ("张大山", "101001", 3, 3, "未脱贫", 2)


def test_poverty_status_vocabularies_map_to_poor_or_exited():
    contract, problems = _contract(S2)  # 脱贫 / 返贫 / 预脱贫
    assert problems.filter(pl.col("severity") == ERROR).height == 0
    status = dict(contract.households.select("household_id", "status").iter_rows())
    assert status == {"4312991010001": "已脱贫", "4312991010002": "未脱贫", "4312991020002": "未脱贫"}


def test_title_line_above_header_and_unknown_column(tmp_path):
    person, problems = _read(S3)
    assert person.header_row == 2
    assert person.frame[ROW].to_list()[:2] == [3, 4]  # first data row is Excel row 3
    warning = problems.frame().filter(pl.col("column") == "备注").row(0, named=True)
    assert (warning["severity"], warning["sheet"], warning["row"]) == (WARNING, "snapshot_2020-11-16.csv", 2)
    assert "未知列" in warning["message"]


def test_xlsx_export_reads_like_the_csv(tmp_path):
    import xlsxwriter

    grid = pl.read_csv(S3, has_header=False, infer_schema=False)
    path = tmp_path / "人员.xlsx"
    with xlsxwriter.Workbook(path) as book:
        book.add_worksheet("说明").write_string(0, 0, "导出说明")
        sheet = book.add_worksheet("人员信息")
        for r, row in enumerate(grid.iter_rows()):
            sheet.write_row(r, 0, ["" if v is None else v for v in row])
    assert is_person_export(path)
    from_csv, _ = _contract(S3)
    from_xlsx, problems = _contract(path)
    assert from_xlsx.households.equals(from_csv.households)
    assert problems.filter(pl.col("severity") == ERROR).height == 0
    assert problems["sheet"].str.starts_with("人员.xlsx").all()
    assert problems["message"].str.contains("工作表「说明」不是人员表").any()


def test_unknown_village_is_listed_with_its_rows(tmp_path):
    changed = _rewrite(tmp_path, S1, "人员.csv", ("西镇,乙村,一组", "西镇,丙村,一组"))
    _, problems = _contract(changed)
    errors = problems.filter(pl.col("severity") == ERROR)
    assert errors.height == 1
    error = errors.row(0, named=True)
    assert (error["sheet"], error["row"], error["column"], error["value"]) == ("人员.csv", 7, "行政村", "丙村")
    assert "乡镇「西镇」下不存在" in error["message"] and "第 7 行" in error["message"]


def test_create_places_makes_deterministic_codes(tmp_path):
    changed = _rewrite(tmp_path, S2, "人员.csv", ("西镇,乙村,二组", "南乡,新村,二组"),
                       ("东乡,甲村,二组", "东乡,丁村,二组"))
    first, problems = _contract(changed, create_places=True)
    again, _ = _contract(changed, create_places=True)
    assert problems.filter(pl.col("severity") == ERROR).height == 0
    # 东乡 101 has 101001 -> 丁村 101002; the new township after 102 is 103, its first village 103001.
    assert first.new_townships.select("township_code", "township_name").rows() == [("103", "南乡")]
    assert first.new_villages.select("village_code", "village_name", "township_code").sort("village_code").rows() \
        == [("101002", "丁村", "101"), ("103001", "新村", "103")]
    assert first.new_villages.equals(again.new_villages)
    codes = dict(first.households.select("household_id", "village_code").iter_rows())
    assert codes == {"4312991010001": "101001", "4312991010002": "101002", "4312991020002": "103001"}
    created = problems.filter(pl.col("message").str.starts_with("新建"))
    assert created.height == 3 and (created["severity"] == WARNING).all()


def test_household_size_is_checked_against_member_rows(tmp_path):
    changed = _rewrite(tmp_path, S1, "人员.csv", ("张大山,43129919650302011X,3,", "张大山,43129919650302011X,4,"))
    _, problems = _contract(changed)
    warning = problems.filter(pl.col("column") == "家庭人口数").row(0, named=True)
    assert (warning["severity"], warning["row"], warning["value"]) == (WARNING, 2, "4")
    assert "3 行" in warning["message"]


def test_household_without_head_is_an_error(tmp_path):
    changed = _rewrite(tmp_path, S1, "人员.csv", ("刘独居,431299197504050614,1,户主", "刘独居,431299197504050614,1,本人户"))
    _, problems = _contract(changed)
    error = problems.filter(pl.col("severity") == ERROR).row(0, named=True)
    assert (error["row"], error["column"], error["value"]) == (7, "与户主关系", "4312991020001")
    assert "没有「户主」行" in error["message"]


def test_bad_id_number_uses_the_contract_check(tmp_path):
    changed = _rewrite(tmp_path, S1, "人员.csv", ("431299196807150220", "431299196807150221"))
    _, problems = _contract(changed)
    error = problems.filter(pl.col("severity") == ERROR).row(0, named=True)
    assert (error["sheet"], error["row"], error["column"]) == ("人员.csv", 3, "证件号码")
    assert "校验位错误" in error["message"]


@pytest.mark.parametrize("dropped, label", [("健康状况", "健康状况"), ("脱贫属性", "脱贫属性")])
def test_missing_required_column_names_file_and_column(tmp_path, dropped, label):
    path = tmp_path / "人员.csv"
    pl.read_csv(S1, infer_schema=False).drop(dropped).write_csv(path)
    _, problems = _read(path)
    error = problems.frame().filter(pl.col("severity") == ERROR).row(0, named=True)
    assert (error["sheet"], error["row"], error["column"]) == ("人员.csv", 1, label)
    assert error["message"].startswith(f"缺少必填列「{label}」")
