"""The county's name in the 报头 comes from the data (issue 16): the person export's 县(市、区、旗) column and the
乡镇 sheet's optional 县名称 column are published as meta county_name; an import without it keeps the served
name; a file of several counties is refused naming the rows of the other county.

County of tests/fixtures/person_export/base (东乡 101, 西镇 102); the national export of
tests/national_export.py, its 县（市、区、旗） cells (merged down each household's rows) set to 某某县.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from ingest import publish
from ingest.load import load
from tests.conftest import run_cli
from tests.ingest_helpers import write_sheet
from tests.national_export import BASE, households, write_national_xlsx
from tests.test_brief import docx_text

COUNTY = "县（市、区、旗）"


def _meta(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(publish.current(db)), read_only=True)
    try:
        return dict(con.sql("SELECT key, value FROM meta").fetchall())
    finally:
        con.close()


def _export(path: Path, name_of_row=lambda row: "某某县") -> Path:
    def edit(cells):
        for (row, header) in list(cells):
            if header == COUNTY and cells[(row, header)]:
                cells[(row, header)] = name_of_row(row)
    return write_national_xlsx(path, households(2019), "2019-12-31", edit=edit)


def test_person_export_county_heads_the_weekly_brief(tmp_path):
    db = tmp_path / "db" / "county.duckdb"
    assert load(BASE, db).published is not None
    assert "county_name" not in _meta(db)
    result = load(_export(tmp_path / "贫困人口明细.xlsx", lambda row: " 某某县 "), db)
    assert result.published is not None, result.errors.to_dicts()
    assert _meta(db)["county_name"] == "某某县"

    run_cli("exports", "brief", "--db", str(db), "--as-of", "2019-12-31", "--out", str(tmp_path / "out"),
            "--format", "docx")
    text = docx_text(tmp_path / "out" / "周调度通报_20191231.docx")
    head = text[:text.index("一、总体情况")]  # the 报头: title, issue number, issuing office, date
    assert "某某县脱贫攻坚指挥部办公室" in head
    assert "本县" not in text


def test_person_export_of_two_counties_is_refused_naming_the_other_rows(tmp_path):
    db = tmp_path / "db" / "county.duckdb"
    load(BASE, db)
    served = publish.current(db)
    # H3 (西镇, Excel row 13) belongs to another county.
    result = load(_export(tmp_path / "贫困人口明细.xlsx", lambda row: "邻县" if row == 13 else "某某县"), db)
    assert result.published is None and publish.current(db) == served
    errors = result.errors.to_dicts()
    assert [(e["row"], e["column"], e["value"]) for e in errors] == [(13, COUNTY, "邻县")], errors
    assert "多个县" in errors[0]["message"] and "「某某县」5 行" in errors[0]["message"]


def test_township_sheet_names_the_county_and_a_partial_import_keeps_it(tmp_path):
    folder = tmp_path / "full"
    shutil.copytree(BASE, folder)
    write_sheet(folder, "乡镇", [["乡镇代码", "乡镇名称", "联系县领导", "县名称"],
                                 ["101", "东乡", "李县长", "某某县"], ["102", "西镇", "王县长", ""]])
    db = tmp_path / "db" / "county.duckdb"
    assert load(folder, db).published is not None
    assert _meta(db)["county_name"] == "某某县"

    partial = tmp_path / "partial"
    partial.mkdir()
    write_sheet(partial, "乡镇", [["乡镇代码", "乡镇名称", "联系县领导"], ["101", "东乡", "张县长"]])
    result = load(partial, db)
    assert result.published is not None and result.mode == "partial"
    assert _meta(db)["county_name"] == "某某县"
    assert _meta(db)["is_demo"] == "false"

    # A complete export replacing every sheet is still the same county.
    result = load(BASE, db, replace=[p.stem for p in BASE.glob("*.csv")])
    assert result.published is not None, result.errors.to_dicts()
    assert _meta(db)["county_name"] == "某某县"


def test_real_import_over_the_demo_county_drops_the_demo_name(tmp_path):
    db = tmp_path / "db" / "county.duckdb"
    assert load(BASE, db, mode="demo", meta={"is_demo": "true", "county_name": "演示县"}).published is not None
    partial = tmp_path / "partial"
    partial.mkdir()
    write_sheet(partial, "乡镇", [["乡镇代码", "乡镇名称", "联系县领导"], ["101", "东乡", "张县长"]])
    result = load(partial, db)
    assert result.published is not None and result.ended_demo
    meta = _meta(db)
    assert meta["is_demo"] == "false" and "county_name" not in meta  # the 报头 falls back to 本县
