"""数据核查 rules on a hand-made county (tests/checks_county.py): each rule flags exactly the records written
to trip it, and none of those written to look similar but be fine. Expected sets are worked out by hand."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import polars as pl
import pytest

from checks_county import published, rule_rows, write_county
from conftest import run_cli
from queries import checks_registry as registry
from queries.runner import Database

D = dt.date(2020, 11, 16)
PARAMS = {  # by hand, independent of data/*.toml
    "line_years": [2019, 2020], "line_yuan": [3747.0, 4000.0], "income_jump_factor": 3.0, "max_age_years": 110,
    "school_age_min": 6, "school_age_max": 16, "vague_causes": ["其他", "无", "不详"],
    "exit_incidence_max_pct": 2.0, "collective_income_min_wan": 4.0,
}


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Database:
    yield from published(write_county(tmp_path_factory.mktemp("checks") / "export"))


def flagged(db: Database, rule: str, as_of: dt.date = D, township: str = "ALL") -> set[str]:
    return set(rule_rows(db, rule, as_of=as_of, township=township, **PARAMS)["record_id"])


EXPECTED = {
    "digital_exit": {"H01", "H04"},  # H02 exactly on the line, H03 not exited
    "exit_without_guarantees": {"H06", "R1"},  # H07 has a gap but is still poor
    "missing_cause": {"H08"},
    "missing_helper": {"H10"},  # H11 has no helper but was cleared (清退)
    "labor_exceeds_size": set(),  # the loader refuses it; see test_labor_rule_on_data_loaded_before_validation
    "duplicate_id_number": {"H12", "H13"},  # every head also appears in 家庭成员: not a duplicate
    "implausible_birth_date": {"H17"},  # 115 years old; H18's 105 is plausible
    "income_jump": {"H19", "H21"},  # ×10 and ÷3.6; H20's ×2.67 and R4's ÷2 are under the factor 3
    "village_exit_incidence": {"V01"},  # 5/200 = 2.5%; V02 7/1000 = 0.7%; V04 not exited
    "village_exit_collective_income": {"V01"},  # 3 万元; V02's latest year (2020) is 6 万元
    "completed_project_progress": {"P1"},  # P3's latest report is 已验收 at 100
    "completed_project_unpaid": {"P2", "P5"},  # P5 was paid only after D; P4 is not completed
    "member_count_mismatch": {"H24"},
    "dropout_with_education_ok": {"H25"},  # H26 says 教育 否; H27's dropout is 30
    "cause_health_mismatch": {"H28", "H30"},  # H29, R1 have an ill member; R3 a disabled one
}


def test_every_rule_has_an_expectation():
    assert set(EXPECTED) == {r.id for r in registry.RULES}


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_rule_flags_exactly_the_records_written_to_trip_it(county, rule):
    assert flagged(county, rule) == EXPECTED[rule]


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_rule_rows_have_the_common_columns_and_a_chinese_detail(county, rule):
    rows = rule_rows(county, rule, as_of=D, township="ALL", **PARAMS)
    assert tuple(rows.columns) == registry.ROW_COLUMNS
    assert rows["detail"].null_count() == 0 and rows["township_name"].null_count() == 0


def test_digital_exit_detail_names_income_line_and_missing_year(county):
    rows = rule_rows(county, "digital_exit", as_of=D, township="ALL", **PARAMS)
    detail = dict(zip(rows["record_id"], rows["detail"]))
    assert detail["H01"] == "2019-07-01 脱贫；2020 年人均纯收入 3,500 元，低于当年扶贫标准 4,000 元"
    assert "2020 年无收入记录" in detail["H04"] and "3,700 元" in detail["H04"] and "3,747 元" in detail["H04"]


def test_rules_follow_the_as_of_date(county):
    # P5 reported 已完工 on 2020-11-01: before that it is not a completed project at all.
    assert flagged(county, "completed_project_unpaid", dt.date(2020, 10, 25)) == {"P2"}
    # H04 exited on 2020-06-01: on 2020-05-31 it was still poor. R4 returned only on 2020-09-10: on 2020-05-31
    # it was 已脱贫 with a 2020 income of 3,000 元.
    assert flagged(county, "digital_exit", dt.date(2020, 5, 31)) == {"H01", "R4"}
    # In 2019 R4 had not returned yet and V01 had just exited: H22 alone, still 2.5%.
    assert flagged(county, "village_exit_incidence", dt.date(2019, 12, 31)) == {"V01"}
    # In 2018 V01 (exit 2019) was not yet marked 出列.
    assert flagged(county, "village_exit_incidence", dt.date(2018, 12, 31)) == set()


def _details(db, rule: str, day: dt.date, township: str = "ALL") -> dict[str, list[str]]:
    rows = rule_rows(db, rule, as_of=day, township=township, **PARAMS)
    out: dict[str, list[str]] = {}
    for record, detail in rows.select("record_id", "detail").iter_rows():
        out.setdefault(record, []).append(detail)
    return out


def test_missing_helper_is_flagged_while_registered_with_the_status_of_the_day(county):
    # H10 (no helper): 纳入 2015-03-01, 脱贫 2018-05-01. H11 (no helper): 纳入 2015-03-01, 清退 2016-05-01.
    day = dt.date
    assert _details(county, "missing_helper", day(2015, 2, 28)) == {}
    poor, exited = ["未脱贫户未填写帮扶责任人"], ["已脱贫户未填写帮扶责任人"]
    assert _details(county, "missing_helper", day(2015, 3, 1)) == {"H10": poor, "H11": poor}
    assert _details(county, "missing_helper", day(2016, 4, 30)) == {"H10": poor, "H11": poor}
    assert _details(county, "missing_helper", day(2016, 5, 1)) == {"H10": poor}
    assert _details(county, "missing_helper", day(2018, 4, 30)) == {"H10": poor}
    assert _details(county, "missing_helper", day(2018, 5, 1)) == {"H10": exited}
    assert _details(county, "missing_helper", day(2018, 5, 1), township="T01") == {}


def test_digital_exit_detail_follows_the_year_of_the_date(county):
    day = dt.date
    # H01 exited 2019-07-01: 2019 income 3,600 < 3,747, then 2020 income 3,500 < 4,000 (a record of its own year).
    assert "H01" not in _details(county, "digital_exit", day(2019, 6, 30))
    assert _details(county, "digital_exit", day(2019, 7, 1))["H01"] == [
        "2019-07-01 脱贫；2019 年人均纯收入 3,600 元，低于当年扶贫标准 3,747 元"]
    assert _details(county, "digital_exit", day(2020, 1, 1))["H01"] == [
        "2019-07-01 脱贫；2020 年人均纯收入 3,500 元，低于当年扶贫标准 4,000 元"]
    # H04 exited 2020-06-01 with its 2019 income only: from 2021 the text names 2021 as the year without a record.
    assert "H04" not in _details(county, "digital_exit", day(2020, 5, 31))
    assert _details(county, "digital_exit", day(2020, 6, 1))["H04"] == [
        "2020-06-01 脱贫；2020 年无收入记录，2019 年人均纯收入 3,700 元，低于当年扶贫标准 3,747 元"]
    assert _details(county, "digital_exit", day(2021, 1, 1))["H04"] == [
        "2020-06-01 脱贫；2021 年无收入记录，2019 年人均纯收入 3,700 元，低于当年扶贫标准 3,747 元"]


def test_age_in_the_detail_changes_on_birthdays(county):
    day = dt.date
    # H25's 李小 (born 2008-03-01, 失学辍学, 教育 是), registered from 2015-03-01; school age 6–16.
    assert "H25" not in _details(county, "dropout_with_education_ok", day(2015, 2, 28))
    assert _details(county, "dropout_with_education_ok", day(2015, 3, 1))["H25"] == [
        '之子（7 岁）失学辍学，但户"义务教育有保障"为"是"']
    assert _details(county, "dropout_with_education_ok", day(2020, 2, 29))["H25"] == [
        '之子（11 岁）失学辍学，但户"义务教育有保障"为"是"']
    assert _details(county, "dropout_with_education_ok", day(2020, 3, 1))["H25"] == [
        '之子（12 岁）失学辍学，但户"义务教育有保障"为"是"']
    assert "H25" in _details(county, "dropout_with_education_ok", day(2025, 2, 28))
    assert "H25" not in _details(county, "dropout_with_education_ok", day(2025, 3, 1))  # 17
    # H17's 孙老太 (born 1905-03-01) is over 110 from her 111th birthday.
    assert "H17" not in _details(county, "implausible_birth_date", day(2016, 2, 29))
    assert _details(county, "implausible_birth_date", day(2016, 3, 1))["H17"] == [
        "之母：出生日期 1905-03-01，截止日期时 111 岁，超过 110 岁"]
    assert _details(county, "implausible_birth_date", D)["H17"] == [
        "之母：出生日期 1905-03-01，截止日期时 115 岁，超过 110 岁"]


def test_income_jump_is_flagged_from_the_year_of_the_record(county):
    # H19: 3,000 元 in 2019, 30,000 元 in 2020 — the 2020 record is the latest from 2020-01-01.
    assert "H19" not in _details(county, "income_jump", dt.date(2019, 12, 31))
    assert _details(county, "income_jump", dt.date(2020, 1, 1))["H19"] == [
        "人均纯收入 2019 年 3,000 元 → 2020 年 30,000 元（增至 10.0 倍）"]


def test_township_parameter_keeps_the_rows_of_that_township(county):
    assert flagged(county, "missing_cause", township="T01") == set()
    assert flagged(county, "missing_cause", township="T02") == {"H08"}
    assert flagged(county, "duplicate_id_number", township="T01") == {"H13"}


def test_duplicate_detail_lists_both_households(county):
    rows = rule_rows(county, "duplicate_id_number", as_of=D, township="ALL", **PARAMS)
    assert set(rows["detail"]) == {"该户「之子」的身份证号同时登记在 2 个户：H12、H13"}


def test_counts_by_township_match_the_rules(county):
    counts = county.run("checks_counts_by_township", as_of=D, **PARAMS)
    by_rule = counts.group_by("rule_id").agg(pl.col("issues").sum())
    assert dict(by_rule.iter_rows()) == {r: len(ids) for r, ids in EXPECTED.items() if ids}
    # V01 (T01) trips two village rules; P2 is in T01, P5 in T02.
    unpaid = counts.filter(pl.col("rule_id") == "completed_project_unpaid")
    assert dict(zip(unpaid["township_code"], unpaid["issues"])) == {"T01": 1, "T02": 1}


def test_quality_per_100_households(county):
    quality = county.run("checks_quality_by_township", as_of=D, **PARAMS)
    rows = {r["township_code"]: r for r in quality.iter_rows(named=True)}
    # T01 (V01, V02): H01 H02 H13 H22 H23 R1 R2 R3 R4 registered = 9 households; issues: H01, R1, H13,
    # V01 ×2, P1, P2 = 7 -> 77.78 per 100. County: 29 registered (30 minus cleared H11), 20 issues.
    assert rows["T01"]["households"] == 9 and rows["T01"]["issues"] == 7
    assert rows["T01"]["issues_per_100_households"] == pytest.approx(700 / 9)
    assert rows["ALL"]["households"] == 29 and rows["ALL"]["issues"] == 20
    assert quality["township_code"].to_list()[-1] == "ALL"


def test_labor_rule_on_data_loaded_before_validation(tmp_path):
    """The loader refuses 劳动力人数 > 家庭人口数, so build a version the old way, straight into the schema."""
    version = tmp_path / "old.duckdb"
    con = duckdb.connect(str(version))
    con.execute((Path(__file__).parents[1] / "ingest" / "schema.sql").read_text(encoding="utf-8"))
    con.execute("INSERT INTO townships VALUES ('T01', '东山镇', NULL)")
    con.execute("INSERT INTO villages VALUES ('V01', '东山村', 'T01', true, NULL, 100, NULL)")
    for hid, size, labor in (("A", 2, 3), ("B", 3, 3)):
        con.execute("INSERT INTO households VALUES (?, '户主', '431299197001010011', 'V01', ?, '一般贫困户', '缺资金', ?,"
                    " '王芳', true, true, true, true, true)", [hid, size, labor])
        con.execute("INSERT INTO household_events VALUES (?, DATE '2015-01-01', '纳入', 1)", [hid])
    con.close()
    with Database(version) as db:  # the rule file itself (a version without derived tables cannot compose the others)
        ranges = db.run("checks/labor_exceeds_size")
    rows = ranges.filter((pl.col("flagged_from") <= D) & (pl.col("flagged_to") > D))
    assert rows["record_id"].to_list() == ["A"]
    assert rows["detail"][0] == "劳动力 3 人，家庭人口仅 2 人"
    # flagged from its 纳入 on, with no end (DATE 'infinity': compared, not converted to a Python date)
    assert ranges.select("flagged_from", pl.col("flagged_to") > dt.date(9999, 12, 30)).rows() == [(dt.date(2015, 1, 1), True)]


def test_loader_refuses_labor_above_size(tmp_path):
    folder = write_county(tmp_path / "export")
    lines = (folder / "农户.csv").read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("H08,"))
    cells = lines[row].split(",")
    cells[7] = "5"  # 劳动力人数 5 in a household of 2
    lines[row] = ",".join(cells)
    (folder / "农户.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("ingest", "check", str(folder), "--report", str(tmp_path / "r.xlsx"), check=False,
                     env={**os.environ, "POLARS_MAX_THREADS": "1"})
    assert result.returncode == 1 and "劳动力人数" in result.stdout
