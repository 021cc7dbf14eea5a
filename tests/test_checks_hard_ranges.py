"""Flagged date ranges of the five interval-form rules whose range is not one span (issue 18): a shared
身份证号 flagged only while two of its households are registered, a village's incidence that changes with each
household's status, the collective income of the latest year, a completed project's report, and the allocated
amount of an unpaid completed project. A hand-made county; every range and detail below is worked out by hand.

Written as the import format's CSV folder and loaded with `python -m ingest load`, like a county export.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from checks_county import _write, id_number, published, rule_rows, write_project_sheets
from queries import checks_registry as registry
from queries.runner import Database, sql_text

PARAMS = {"exit_incidence_max_pct": 2.0, "collective_income_min_wan": 4.0}  # by hand, not data/*.toml
D = dt.date
SHARED = id_number("20100301", 7)  # 赵小明, listed by H01 (东山镇) and H02 (西河乡)

# household: (village, size, events); every head is a different person, born 1970
HOUSEHOLDS = {
    # V01 东山村 (东山镇, exited 2019, 200 people): H01 2 + H03 3 poor = 5 = 2.5% from 2019-01-01 (exit year)
    # until H01 exits on 2019-01-10 (3 = 1.5%); H04 returns on 2019-04-01 (7 = 3.5%) until H03 exits on
    # 2019-07-01 (4 = 2.0%, not above the standard).
    "H01": ("V01", 2, [("2015-03-01", "纳入"), ("2019-01-10", "脱贫")]),
    "H03": ("V01", 3, [("2015-03-01", "纳入"), ("2019-07-01", "脱贫")]),
    "H04": ("V01", 4, [("2015-03-01", "纳入"), ("2018-05-01", "脱贫"), ("2019-04-01", "返贫")]),
    # V02 石桥村 (西河乡): H02 lists H01's son from its 纳入 on 2018-06-01 until it is cleared on 2019-09-01
    "H02": ("V02", 2, [("2018-06-01", "纳入"), ("2019-09-01", "清退")]),
}
VILLAGES = [
    ("V01", "东山村", "T01", "是", "2019", 200, "刘洋"),
    ("V02", "石桥村", "T02", "否", "", 1000, ""),
    ("V03", "北岭村", "T01", "是", "2018", 1000, "马丽"),  # income 2017: 3, 2019: 5, 2020: 2.5 万元
    ("V04", "柳坪村", "T02", "是", "2020", 100, "周杰"),  # no collective income at all
    ("V05", "南坡村", "T02", "是", "2018", 100, "周杰"),  # none until 2020's 6 万元
]
COLLECTIVE = [("V01", 2019, 6), ("V03", 2017, 3), ("V03", 2019, 5), ("V03", 2020, 2.5), ("V05", 2020, 6)]  # V01 meets the 4 万元
# project: (township, village, reports [(date, pct, status)], allocations [(date, 万元)], payments [(date, 万元)])
PROJECTS = {
    # 已完工 at 90% from 2020-08-01 until the 100% report of 2020-09-15
    "P1": ("T01", "V01", [("2020-05-01", 40, "在建"), ("2020-08-01", 90, "已完工"), ("2020-09-15", 100, "已完工")],
           [("2020-03-01", 50)], [("2020-06-01", 10)]),
    # 已完工 on 2020-07-01, unpaid until 2020-10-10; 50 万元 allocated, 80 from 2020-09-01
    "P2": ("T02", "V04", [("2020-07-01", 100, "已完工")], [("2020-03-01", 50), ("2020-09-01", 30)],
           [("2020-10-10", 20)]),
}


def write_ranges_county(folder):
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, "乡镇", ["乡镇代码", "乡镇名称", "联系县领导"], [("T01", "东山镇", "张伟"), ("T02", "西河乡", "")])
    _write(folder, "村", ["村代码", "村名称", "乡镇代码", "是否贫困村", "出列年份", "农业户籍人口", "第一书记"], VILLAGES)
    households, members, events = [], [], []
    for n, (hid, (village, size, evs)) in enumerate(HOUSEHOLDS.items()):
        head = id_number("19700101", n + 1)
        households.append((hid, f"户主{hid}", head, village, size, "一般贫困户", "缺资金", 1, "王芳",
                           "是", "是", "是", "是", "是"))
        members.append((hid, f"户主{hid}", head, "户主", "健康", "普通劳动力", "非在校生"))
        for k in range(size - 1):
            number = SHARED if hid in ("H01", "H02") and k == 0 else id_number("19900101", 100 + 10 * n + k)
            name = "赵小明" if number == SHARED else f"家人{hid}{k}"
            members.append((hid, name, number, "之子", "健康", "普通劳动力", "非在校生"))
        events += [(hid, d, e) for d, e in evs]
    _write(folder, "农户", ["户编号", "户主姓名", "户主身份证号", "村代码", "家庭人口数", "贫困户属性", "主要致贫原因",
                          "劳动力人数", "帮扶责任人", "吃穿不愁", "义务教育有保障", "基本医疗有保障", "住房安全有保障",
                          "饮水安全有保障"], households)
    _write(folder, "家庭成员", ["户编号", "姓名", "身份证号", "与户主关系", "健康状况", "劳动技能", "在校生状况"], members)
    _write(folder, "农户状态", ["户编号", "日期", "事件"], events)
    _write(folder, "收入", ["户编号", "年度", "人均纯收入"], [(h, 2020, 5000) for h in HOUSEHOLDS])
    _write(folder, "村集体经济", ["村代码", "年度", "集体经济收入"], COLLECTIVE)
    projects, progress, allocations, payments = [], [], [], []
    for pid, (town, village, reports, allocated, paid) in PROJECTS.items():
        projects.append((pid, f"项目{pid}", town, village, "基础设施", 2020, 80, "2020-03-01", "2020-10-31", ""))
        progress += [(pid, d, pct, status) for d, pct, status in reports]
        allocations += [(f"文{pid}{k}", pid, "县级", d, amount) for k, (d, amount) in enumerate(allocated)]
        payments += [(pid, d, amount) for d, amount in paid]
    write_project_sheets(folder, projects, progress, allocations, payments)
    return folder


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Database:
    yield from published(write_ranges_county(tmp_path_factory.mktemp("ranges") / "export"))


def interval_rows(db: Database, rule: str) -> list[dict]:
    """Every row of the interval-form rule file, its open ends as "infinity" / "-infinity" (DuckDB's infinite
    dates are beyond what Python's dates hold)."""
    rows = db.run(f"checks/{rule}", **PARAMS)
    days = rows.select(pl.col("flagged_from", "flagged_to").cast(pl.Int32))
    out = []
    for row, (start, end) in zip(rows.drop("flagged_from", "flagged_to").iter_rows(named=True), days.iter_rows()):
        out.append({**row, "flagged_from": _day(start), "flagged_to": _day(end)})
    return out


def _day(days: int):
    if abs(days) > 3_000_000:  # beyond year 9999
        return "infinity" if days > 0 else "-infinity"
    return dt.date(1970, 1, 1) + dt.timedelta(days=days)


def ranges(db: Database, rule: str) -> list[tuple]:
    """(record_id, flagged_from, flagged_to, detail) of every row of the rule, in order."""
    return sorted((r["record_id"], r["flagged_from"], r["flagged_to"], r["detail"]) for r in interval_rows(db, rule))


def test_rule_files_are_interval_form(county):
    for rule in ("duplicate_id_number", "village_exit_incidence", "village_exit_collective_income",
                 "completed_project_progress", "completed_project_unpaid"):
        rows = county.run(f"checks/{rule}", **PARAMS)
        assert set(registry.ROW_COLUMNS) | {"flagged_from", "flagged_to"} <= set(rows.columns), rule
        days = rows.select(pl.col("flagged_from", "flagged_to").cast(pl.Int32))
        assert (days["flagged_from"] < days["flagged_to"]).all(), rule


def test_incidence_from_the_exit_year_and_with_each_status_change(county):
    assert ranges(county, "village_exit_incidence") == [
        ("V01", D(2019, 1, 1), D(2019, 1, 10), "2019 年出列；截止日期贫困人口 5 人，贫困发生率 2.50%，高于出列标准 2.0%"),
        ("V01", D(2019, 4, 1), D(2019, 7, 1), "2019 年出列；截止日期贫困人口 7 人，贫困发生率 3.50%，高于出列标准 2.0%"),
    ]


def test_collective_income_of_the_latest_year(county):
    forever = "infinity"
    assert ranges(county, "village_exit_collective_income") == [
        ("V03", D(2018, 1, 1), D(2019, 1, 1), "2018 年出列；2017 年集体经济收入 3.00 万元，低于标准 4.0 万元"),
        ("V03", D(2020, 1, 1), forever, "2018 年出列；2020 年集体经济收入 2.50 万元，低于标准 4.0 万元"),
        ("V04", D(2020, 1, 1), forever, "2020 年出列，但没有村集体经济收入记录"),
        ("V05", D(2018, 1, 1), D(2020, 1, 1), "2018 年出列，但没有村集体经济收入记录"),
    ]


def test_completed_project_below_100_until_its_next_report(county):
    assert ranges(county, "completed_project_progress") == [
        ("P1", D(2020, 8, 1), D(2020, 9, 15), "2020 年度项目；2020-08-01 填报状态「已完工」，形象进度仅 90%"),
    ]


def test_unpaid_project_until_its_first_payment_with_the_amount_allocated_so_far(county):
    assert ranges(county, "completed_project_unpaid") == [
        ("P2", D(2020, 7, 1), D(2020, 9, 1), "2020 年度项目；2020-07-01 填报「已完工」，已下达 50.00 万元，截至截止日期没有支出记录"),
        ("P2", D(2020, 9, 1), D(2020, 10, 10), "2020 年度项目；2020-07-01 填报「已完工」，已下达 80.00 万元，截至截止日期没有支出记录"),
    ]


def test_shared_number_while_both_households_are_registered(county):
    got = sorted((r["record_id"], r["township_code"], r["person_name"], r["id_number"], r["flagged_from"],
                  r["flagged_to"]) for r in interval_rows(county, "duplicate_id_number"))
    # from H02's 纳入 until its 清退; H01's 脱贫 on 2019-01-10 in between changes nothing (still registered)
    assert got == [("H01", "T01", "赵小明", SHARED, D(2018, 6, 1), D(2019, 9, 1)),
                   ("H02", "T02", "赵小明", SHARED, D(2018, 6, 1), D(2019, 9, 1))]


def test_shared_number_names_other_townships_households_only_county_wide(county):
    rows = {r["record_id"]: r for r in interval_rows(county, "duplicate_id_number")}
    for hid in ("H01", "H02"):
        assert rows[hid]["detail_all"] == "该户「之子」的身份证号同时登记在 2 个户：H01、H02"
    # what a 乡镇 view shows: its own household, the other township's only as a count
    assert rows["H01"]["detail"] == "该户「之子」的身份证号同时登记在 2 个户：H01（另有 1 户在其他乡镇）"
    assert rows["H02"]["detail"] == "该户「之子」的身份证号同时登记在 2 个户：H02（另有 1 户在其他乡镇）"


def listed(db: Database, rule: str, day: dt.date, township: str = "ALL") -> list[tuple[str, str]]:
    """(record_id, detail) as the page lists the rule at D (checks_registry.rows_query), with the parameters in
    force (the 4 万元 and 2% of data/indicators.toml are those of PARAMS): the table prepared at publish answers."""
    rows = rule_rows(db, rule, as_of=day, township=township, **{**registry.rule_params(), **PARAMS})
    return sorted(rows.select("record_id", "detail").iter_rows())


def test_lists_follow_the_ranges_day_by_day(county):
    five = "2019 年出列；截止日期贫困人口 5 人，贫困发生率 2.50%，高于出列标准 2.0%"
    assert listed(county, "village_exit_incidence", D(2018, 12, 31)) == []  # not yet 出列
    assert listed(county, "village_exit_incidence", D(2019, 1, 1)) == [("V01", five)]
    assert listed(county, "village_exit_incidence", D(2019, 1, 9), "T01") == [("V01", five)]
    assert listed(county, "village_exit_incidence", D(2019, 1, 9), "T02") == []
    assert listed(county, "village_exit_incidence", D(2019, 1, 10)) == []  # H01 exited
    assert [r for r, _ in listed(county, "village_exit_incidence", D(2019, 6, 30))] == ["V01"]
    assert listed(county, "village_exit_incidence", D(2019, 7, 1)) == []  # 4 人 = 2.00%
    income = "village_exit_collective_income"
    assert [d for _, d in listed(county, income, D(2018, 12, 31), "T01")] == ["2018 年出列；2017 年集体经济收入 3.00 万元，低于标准 4.0 万元"]
    assert listed(county, income, D(2019, 12, 31), "T01") == []  # 2019: 5 万元
    assert listed(county, income, D(2020, 1, 1), "T02") == [("V04", "2020 年出列，但没有村集体经济收入记录")]
    assert listed(county, "completed_project_progress", D(2020, 7, 31)) == []
    assert [r for r, _ in listed(county, "completed_project_progress", D(2020, 9, 14))] == ["P1"]
    assert listed(county, "completed_project_progress", D(2020, 9, 15)) == []
    unpaid = "completed_project_unpaid"
    assert listed(county, unpaid, D(2020, 6, 30)) == []
    assert "已下达 50.00 万元" in listed(county, unpaid, D(2020, 8, 31))[0][1]
    assert "已下达 80.00 万元" in listed(county, unpaid, D(2020, 10, 9), "T02")[0][1]
    assert listed(county, unpaid, D(2020, 10, 10)) == []  # paid


@pytest.mark.parametrize("prepared", [True, False], ids=["prepared", "live"])
def test_shared_number_as_the_page_lists_it(county, prepared):
    """The county names both households; a township names its own and counts the other (privacy: a 乡镇 user must
    not read another township's 户编号); flagged from H02's 纳入 to the day before its 清退. Both paths: the table
    prepared at publish and the rule file run live."""
    db = county if prepared else Database(county.version, use_prepared=False)
    both = "该户「之子」的身份证号同时登记在 2 个户：H01、H02"
    own = "该户「之子」的身份证号同时登记在 2 个户：{}（另有 1 户在其他乡镇）"
    try:
        name, extra = registry.rows_query(registry.RULES_BY_ID["duplicate_id_number"])
        given = {**registry.rule_params(), **PARAMS, **extra, "as_of": D(2018, 6, 1), "township": "T01"}
        bound = {k: v for k, v in given.items() if k in sql_text(name)[1]}
        assert db.is_prepared(name, bound) == prepared
        assert listed(db, "duplicate_id_number", D(2018, 5, 31)) == []
        assert listed(db, "duplicate_id_number", D(2018, 6, 1)) == [("H01", both), ("H02", both)]
        assert listed(db, "duplicate_id_number", D(2019, 1, 10)) == [("H01", both), ("H02", both)]  # H01 脱贫
        assert listed(db, "duplicate_id_number", D(2019, 8, 31), "T01") == [("H01", own.format("H01"))]
        assert listed(db, "duplicate_id_number", D(2019, 8, 31), "T02") == [("H02", own.format("H02"))]
        assert listed(db, "duplicate_id_number", D(2019, 9, 1)) == []  # H02 cleared
        assert listed(db, "duplicate_id_number", D(2019, 9, 1), "T01") == []
    finally:
        if not prepared:
            db.close()


def test_data_check_page_never_shows_a_township_user_another_townships_household(app_page, demo_db):
    """身份证重号 on the page of the demo county: the county leader reads both households of a number shared across
    townships; the user of one of those townships reads their own household and a count, never the other 户编号."""
    from conftest import demo_user

    with Database.open(demo_db) as db:
        d0 = db.run("data_as_of")["as_of"][0]
        rows = rule_rows(db, "duplicate_id_number", as_of=d0, township="ALL", **registry.rule_params())
    town = dict(zip(rows["record_id"], rows["township_code"]))
    mine, other = next((a, b) for a in town for b in town if town[a] != town[b] and
                       any(a in d and b in d for d in rows["detail"]))
    at = app_page("pages/data_check.py", timeout=180)
    at.selectbox(key="rule").set_value("duplicate_id_number").run()
    details = [d for f in at.dataframe if "问题说明" in f.value.columns for d in f.value["问题说明"]]
    assert any(f"{min(mine, other)}、{max(mine, other)}" in d for d in details)
    at = app_page("pages/data_check.py", timeout=180, user=demo_user("乡镇", town[mine]))
    at.selectbox(key="rule").set_value("duplicate_id_number").run()
    assert not at.exception
    details = [d for f in at.dataframe if "问题说明" in f.value.columns for d in f.value["问题说明"]]
    assert f"：{mine}（另有 1 户在其他乡镇）" in "".join(details)
    shown = [str(v) for f in at.dataframe for c in f.value.columns for v in f.value[c]]
    assert shown and not any(other in v for v in shown)
