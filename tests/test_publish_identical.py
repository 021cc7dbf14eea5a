"""A faster publish publishes the same thing: the derived tables (and the answers prepared from them) of a version
equal those that main's ingest/derived.sql of 87b649e builds from the same contract tables
(tests/fixtures/derived_87b649e.sql, kept as the reference), for the demo county and the tiny hand-worked one.
At 1,000,000 households the same comparison of two whole versions is `python tests/version_diff.py A B`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, run_cli
from ingest import publish
from ingest.derived import DERIVED_SQL
from ingest.load import BUILD_MEMORY_LIMIT, schema_parts
from ingest.prepared import build_prepared
from version_diff import differences

REFERENCE = ROOT / "tests" / "fixtures" / "derived_87b649e.sql"


def _as_reference_builds_it(version: Path, copy: Path) -> Path:
    """A copy of the version with its derived tables and prepared answers rebuilt by the reference derived.sql."""
    shutil.copyfile(version, copy)
    con = duckdb.connect(str(copy), config={"memory_limit": BUILD_MEMORY_LIMIT})
    try:
        for statement in re.split(r";\s*$", REFERENCE.read_text(encoding="utf-8"), flags=re.MULTILINE):
            if "CREATE OR REPLACE TABLE" in statement:
                con.execute(statement)
        build_prepared(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return copy


@pytest.mark.parametrize("county", ["demo", "tiny"])
def test_the_published_version_equals_what_the_reference_derived_sql_builds(county, demo_db, tmp_path):
    if county == "demo":
        version = publish.current(demo_db)
    else:
        db = tmp_path / "county.duckdb"
        run_cli("ingest", "load", str(ROOT / "tests" / "fixtures" / "tiny"), "--db", str(db))
        version = publish.current(db)
    reference = _as_reference_builds_it(version, tmp_path / "reference.duckdb")
    assert differences(version, reference) == []


def test_a_changed_row_is_a_difference(demo_db, tmp_path):
    """The comparison itself can fail: one income changed, one row of a derived table dropped."""
    copy = tmp_path / "changed.duckdb"
    shutil.copyfile(publish.current(demo_db), copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE income_latest SET income = income + 1 WHERE rowid = (SELECT min(rowid) FROM income_latest)")
        con.execute("DELETE FROM household_persons WHERE rowid = (SELECT min(rowid) FROM household_persons)")
    assert differences(publish.current(demo_db), copy) == [
        "household_persons: 1 rows only in a", "income_latest: 1 rows only in a", "income_latest: 1 rows only in b"]


def _statement(path: Path, table: str, temp: bool = False) -> str:
    create = f"CREATE OR REPLACE {'TEMP ' if temp else ''}TABLE {table} AS"
    return next(s for s in re.split(r";\s*$", path.read_text(encoding="utf-8"), flags=re.MULTILINE) if create in s)


@pytest.mark.parametrize("derived_sql", [DERIVED_SQL, REFERENCE], ids=["derived.sql", "reference"])
def test_household_persons_of_a_hand_made_county(derived_sql):
    """One person under two numbers in one household (18 and 15 digits: one key, one household), a number listed
    twice (the smaller name and relation), a key two households share, a lower-case x, a head the 家庭成员 sheet
    does not list (one of them sharing a key with another household's member), a head listed under another name
    or relation (the smaller of each): worked out by hand, and the reference derived.sql gives the same."""
    tables, _ = schema_parts()
    con = duckdb.connect(":memory:")
    con.execute(tables)
    con.execute("INSERT INTO townships (township_code, township_name) VALUES ('T1', '甲镇')")
    con.execute("INSERT INTO villages (village_code, village_name, township_code, is_poor_village, rural_population)"
                " VALUES ('V1', '甲村', 'T1', true, 100)")
    con.execute("INSERT INTO households (household_id, head_name, head_id_number, village_code, size, attribute, "
                "main_cause, labor_count) VALUES "
                "('H1', '甲', '110105194912310021', 'V1', 3, '一般贫困户', '缺资金', 1), "
                "('H2', '乙', '110105195001010015', 'V1', 2, '一般贫困户', '缺资金', 1), "
                "('H3', '丁', '110105196001010012', 'V1', 1, '一般贫困户', '缺资金', 1), "
                "('H4', '戊', '110105197001010013', 'V1', 2, '一般贫困户', '缺资金', 1), "
                "('H5', '己', '110105197502020014', 'V1', 1, '一般贫困户', '缺资金', 1), "
                "('H6', '辛', '110105198003030015', 'V1', 1, '一般贫困户', '缺资金', 1), "
                "('H7', '壬', '110105198504040016', 'V1', 1, '一般贫困户', '缺资金', 1)")
    members = [("H1", "甲", "110105194912310021", "户主"), ("H1", "甲甲", "110105491231002", "之子"),
               ("H1", "丙二", "11010519800101002x", "之女"), ("H1", "丙", "11010519800101002X", "之孙女"),
               ("H2", "乙", "110105195001010015", "户主"), ("H2", "甲", "110105194912310021", "之父"),
               ("H3", "丁丁", "110105600101001", "户主"),
               ("H4", "戊二", "110105197001010013", "户主"), ("H4", "己", "110105197502020014", "之母"),
               ("H6", "庚", "110105198003030015", "配偶")]  # H5 and H7: heads the sheet does not list
    con.executemany("INSERT INTO household_members (household_id, name, id_number, relation, health, labor_skill) "
                    "VALUES (?, ?, ?, ?, '健康', '普通劳动力')", members)
    if "CREATE OR REPLACE TEMP TABLE homes" in derived_sql.read_text(encoding="utf-8"):
        con.execute(_statement(derived_sql, "homes", temp=True))  # the households' places it sorts by
    con.execute(_statement(derived_sql, "household_persons"))
    rows = con.execute("SELECT household_id, township_code, village_code, id_number, name, relation, person_key, "
                       "CAST(born AS VARCHAR), key_households FROM household_persons ORDER BY household_id, id_number").fetchall()
    assert rows == [
        ("H1", "T1", "V1", "110105194912310021", "甲", "户主", "11010519491231002", "1949-12-31", 2),
        ("H1", "T1", "V1", "11010519800101002X", "丙", "之女", "11010519800101002", "1980-01-01", 1),
        ("H1", "T1", "V1", "110105491231002", "甲甲", "之子", "11010519491231002", "1949-12-31", 2),
        ("H2", "T1", "V1", "110105194912310021", "甲", "之父", "11010519491231002", "1949-12-31", 2),
        ("H2", "T1", "V1", "110105195001010015", "乙", "户主", "11010519500101001", "1950-01-01", 1),
        ("H3", "T1", "V1", "110105196001010012", "丁", "户主", "11010519600101001", "1960-01-01", 1),
        ("H3", "T1", "V1", "110105600101001", "丁丁", "户主", "11010519600101001", "1960-01-01", 1),
        ("H4", "T1", "V1", "110105197001010013", "戊", "户主", "11010519700101001", "1970-01-01", 1),
        ("H4", "T1", "V1", "110105197502020014", "己", "之母", "11010519750202001", "1975-02-02", 2),
        ("H5", "T1", "V1", "110105197502020014", "己", "户主", "11010519750202001", "1975-02-02", 2),
        ("H6", "T1", "V1", "110105198003030015", "庚", "户主", "11010519800303001", "1980-03-03", 1),
        ("H7", "T1", "V1", "110105198504040016", "壬", "户主", "11010519850404001", "1985-04-04", 1),
    ]


@pytest.mark.parametrize("derived_sql", [DERIVED_SQL, REFERENCE], ids=["derived.sql", "reference"])
def test_household_spans_of_a_hand_made_county(derived_sql):
    """Same-day events (纳入 and 脱贫; 脱贫 and 清退; 清退 and a re-enrolment 纳入), listed out of order: a span per
    day from that day's last event in the order 纳入, 脱贫, 返贫, 清退, until the next day with an event; worked
    out by hand, and the reference derived.sql gives the same."""
    tables, _ = schema_parts()
    con = duckdb.connect(":memory:")
    con.execute(tables)
    con.execute("INSERT INTO townships (township_code, township_name) VALUES ('T1', '甲镇'), ('T2', '乙镇')")
    con.execute("INSERT INTO villages (village_code, village_name, township_code, is_poor_village, rural_population)"
                " VALUES ('V2', '乙村', 'T2', true, 100), ('V1', '甲村', 'T1', true, 100)")
    con.execute("INSERT INTO households (household_id, head_name, head_id_number, village_code, size, attribute, "
                "main_cause, labor_count) VALUES "
                "('H1', '甲', '110105194912310021', 'V2', 3, '一般贫困户', '缺资金', 1), "
                "('H2', '乙', '110105195001010015', 'V1', 2, '低保贫困户', '因病', 1), "
                "('H3', '丁', '110105196001010012', 'V1', 1, '一般贫困户', '缺技术', 1)")
    events = [("H1", "2022-03-01", "清退", 4), ("H1", "2020-01-01", "脱贫", 2), ("H1", "2021-05-01", "返贫", 3),
              ("H1", "2020-01-01", "纳入", 1), ("H1", "2022-03-01", "脱贫", 2), ("H2", "2020-06-01", "纳入", 1),
              ("H3", "2019-06-01", "清退", 4), ("H3", "2020-01-01", "纳入", 1), ("H3", "2019-06-01", "纳入", 1),
              ("H3", "2019-01-01", "纳入", 1)]
    con.executemany("INSERT INTO household_events VALUES (?, ?, ?, ?)", events)
    if "CREATE OR REPLACE TEMP TABLE homes" in derived_sql.read_text(encoding="utf-8"):
        con.execute(_statement(derived_sql, "homes", temp=True))
    con.execute(_statement(derived_sql, "household_spans"))
    rows = con.execute("SELECT household_id, township_code, village_code, size, main_cause, attribute, event, "
                       "CAST(valid_from AS VARCHAR), CAST(valid_to AS VARCHAR) FROM household_spans "
                       "ORDER BY household_id, valid_from").fetchall()
    assert rows == [
        ("H1", "T2", "V2", 3, "缺资金", "一般贫困户", "脱贫", "2020-01-01", "2021-05-01"),
        ("H1", "T2", "V2", 3, "缺资金", "一般贫困户", "返贫", "2021-05-01", "2022-03-01"),
        ("H1", "T2", "V2", 3, "缺资金", "一般贫困户", "清退", "2022-03-01", "9999-12-31"),
        ("H2", "T1", "V1", 2, "因病", "低保贫困户", "纳入", "2020-06-01", "9999-12-31"),
        ("H3", "T1", "V1", 1, "缺技术", "一般贫困户", "纳入", "2019-01-01", "2019-06-01"),
        ("H3", "T1", "V1", 1, "缺技术", "一般贫困户", "清退", "2019-06-01", "2020-01-01"),
        ("H3", "T1", "V1", 1, "缺技术", "一般贫困户", "纳入", "2020-01-01", "9999-12-31"),
    ]
    # stored by township and village: T1's rows (H2, H3) before T2's (H1)
    assert [r[0] for r in con.execute("SELECT township_code FROM household_spans").fetchall()] == ["T1"] * 4 + ["T2"] * 3


def test_the_contract_tables_hold_what_the_validated_frames_hold(tmp_path):
    """The build hands each sheet's rows to DuckDB as Arrow string views (ingest/load.py `_build`): every contract
    table of the published tiny county equals its validated frame inserted as a Polars frame is by default (large
    strings), Chinese text, 18-character numbers, blanks, dates and exact amounts alike."""
    from ingest.load import _exact_numbers, check
    from ingest.sheets import SHEETS

    tiny = ROOT / "tests" / "fixtures" / "tiny"
    db = tmp_path / "county.duckdb"
    run_cli("ingest", "load", str(tiny), "--db", str(db))
    _, _, validated = check(tiny)
    con = duckdb.connect(":memory:")
    con.execute(schema_parts()[0])
    con.execute("ATTACH ? AS published (READ_ONLY)", [str(publish.current(db))])
    compared = 0
    for sheet in SHEETS:
        frame = validated.tables.get(sheet.table)
        if frame is None:
            continue
        columns = [c.name for c in sheet.columns] + (["event_order"] if sheet.table == "household_events" else [])
        rows = _exact_numbers(frame.select(columns), sheet)
        con.register("plain", rows)
        con.execute(f"INSERT INTO {sheet.table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM plain")
        con.unregister("plain")
        for a, b in ((f"memory.main.{sheet.table}", f"published.main.{sheet.table}"),
                     (f"published.main.{sheet.table}", f"memory.main.{sheet.table}")):
            assert con.execute(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})").fetchall() == [(0,)], sheet.table
        compared += rows.height
    assert compared > 100  # every sheet of the tiny county
