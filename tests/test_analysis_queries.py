"""Hand-worked values for the analysis pages' queries on a tiny county built here from CSV text and loaded
through `python -m ingest load` (the same import path as a county export).

The county (农业户籍人口: V1 100 + V2 100 in 甲乡 A01, V3 200 in 乙镇 A02; 全县 400):
  H1 V1 4人: 纳入 2014-03-10, 脱贫 2014-05-20, 返贫 2015-02-01, 脱贫 2020-03-15
  H2 V1 2人: 纳入 2014-04-01, 清退 2014-06-30            (poor -> removed: leaves the count)
  H3 V2 3人: 纳入 2014-05-31, 脱贫 2014-06-15, 清退 2014-07-01 (exited -> removed: no change)
  H4 V3 5人: 纳入 2013-12-01 (before the calendar: counts from its first point), never exits
  H5 V3 1人: 纳入 and 脱贫 on 2014-02-28 (same day: 纳入 applies first -> exited, never poor at a month end)
Projects (D = 2020-06-30, so Y = 2020, time progress 182/366; idle cut-off 90 days -> allocations before 2020-04-01):
  P1 A01 产业发展 2020, plan 02-01..05-31: 社会帮扶 20 on 2019-12-20, 中央 100 on 01-10, 省级 50 on 05-01;
     paid 10 on 06-01; 在建 10% on 03-01 (已完工 on 07-10 is after D)
  P2 A01 基础设施 2020, plan 02-01..06-30: 县级 50 on 02-01; paid 10 on 03-01; no report
  P3 A02 产业发展 2020, plan 05-01..10-31: 中央 80 on 05-15; 未开工 on 06-20
  P5 A01 其他 2020, plan 04-01..06-15: 县级 30 on 04-01 (exactly 90 days before D); 已完工 100% on 06-10
  P4 A02 其他 2019, plan 2019-03-01..2019-12-31: 市级 40 on 2019-03-01, never paid
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import run_cli

CSV = {
    "乡镇": """乡镇代码,乡镇名称,联系县领导
A01,甲乡,李县长
A02,乙镇,
""",
    "村": """村代码,村名称,乡镇代码,是否贫困村,出列年份,农业户籍人口,第一书记
V1,一村,A01,是,,100,王书记
V2,二村,A01,否,,100,
V3,三村,A02,否,,200,
""",
    "农户": """户编号,户主姓名,户主身份证号,村代码,家庭人口数,贫困户属性,主要致贫原因,劳动力人数,帮扶责任人,吃穿不愁,义务教育有保障,基本医疗有保障,住房安全有保障,饮水安全有保障
H1,赵一明,522327197803120017,V1,4,一般贫困户,因病,2,王芳,是,是,是,是,是
H2,钱二,522327198211050021,V1,2,一般贫困户,缺资金,1,,是,是,是,是,是
H3,孙三,522327196507230030,V2,3,一般贫困户,缺技术,1,,是,是,是,否,是
H4,李四,522327199001150045,V3,5,低保贫困户,因病,2,,是,是,是,是,是
H5,周五,522327197210300055,V3,1,一般贫困户,缺资金,1,,是,是,是,是,是
""",
    "农户状态": """户编号,日期,事件
H1,2014-03-10,纳入
H1,2014-05-20,脱贫
H1,2015-02-01,返贫
H1,2020-03-15,脱贫
H2,2014-04-01,纳入
H2,2014-06-30,清退
H3,2014-05-31,纳入
H3,2014-06-15,脱贫
H3,2014-07-01,清退
H4,2013-12-01,纳入
H5,2014-02-28,脱贫
H5,2014-02-28,纳入
""",
    "收入": """户编号,年度,人均纯收入
H1,2019,3000
H1,2020,3600
""",
    "项目": """项目编号,项目名称,乡镇代码,村代码,项目类别,年度,计划投资,计划开工日期,计划完工日期,受益贫困户数
P1,一村产业基地,A01,V1,产业发展,2020,170,2020-02-01,2020-05-31,3
P2,二村道路,A01,V2,基础设施,2020,50,2020-02-01,2020-06-30,
P3,三村果园,A02,V3,产业发展,2020,80,2020-05-01,2020-10-31,
P5,甲乡其他,A01,,其他,2020,30,2020-04-01,2020-06-15,
P4,三村旧项目,A02,V3,其他,2019,40,2019-03-01,2019-12-31,
""",
    "项目进度": """项目编号,填报日期,形象进度,状态
P1,2020-03-01,10,在建
P1,2020-07-10,100,已完工
P3,2020-06-20,0,未开工
P5,2020-06-10,100,已完工
""",
    "资金下达": """文号,项目编号,资金来源,下达日期,金额
,P1,社会帮扶,2019-12-20,20
X1,P1,中央,2020-01-10,100
X2,P1,省级,2020-05-01,50
X3,P2,县级,2020-02-01,50
X4,P3,中央,2020-05-15,80
X5,P5,县级,2020-04-01,30
X6,P4,市级,2019-03-01,40
""",
    "资金支出": """项目编号,支付日期,金额
P1,2020-06-01,10
P2,2020-03-01,10
""",
    "年度计划": """年度,乡镇代码,计划脱贫人数,计划出列村数
2020,A01,4,0
""",
    "村集体经济": """村代码,年度,集体经济收入
V1,2020,5
""",
}
TOL = 1e-6


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from queries.runner import Database

    folder = tmp_path_factory.mktemp("analysis-csv")
    for sheet, text in CSV.items():
        (folder / f"{sheet}.csv").write_text(text, encoding="utf-8")
    target = tmp_path_factory.mktemp("analysis-db") / "county.duckdb"
    run_cli("ingest", "load", str(folder), "--db", str(target))
    with Database.open(target) as database:
        yield database


def rows(frame, *columns):
    return [tuple(r[c] for c in columns) for r in frame.iter_rows(named=True)]


# --- 一升一降: monthly trend -------------------------------------------------------------------------

def test_monthly_trend_county_books_every_change_at_the_next_month_end(db):
    trend = db.run("poverty_monthly_trend", as_of=dt.date(2014, 7, 15), township="ALL")
    assert trend["as_of"].to_list() == [dt.date(2014, 1, 31), dt.date(2014, 2, 28), dt.date(2014, 3, 31),
                                        dt.date(2014, 4, 30), dt.date(2014, 5, 31), dt.date(2014, 6, 30),
                                        dt.date(2014, 7, 15)]
    # Jan: H4 (from 2013) 5; Feb: H5 in and out the same day; Mar: +H1 4; Apr: +H2 2; May: −H1 4 +H3 3;
    # Jun: −H3 3 (脱贫) −H2 2 (清退 while poor); Jul 15: H3 清退 after 脱贫 changes nothing.
    assert trend["poor_persons"].to_list() == [5, 5, 9, 11, 10, 5, 5]
    expected_pct = [100 * p / 400 for p in (5, 5, 9, 11, 10, 5, 5)]
    assert trend["incidence_pct"].to_list() == pytest.approx(expected_pct, abs=TOL)


def test_monthly_trend_of_a_township_uses_its_own_population(db):
    trend = db.run("poverty_monthly_trend", as_of=dt.date(2014, 7, 15), township="A01")
    assert trend["poor_persons"].to_list() == [0, 0, 4, 6, 5, 0, 0]
    assert trend["incidence_pct"].to_list() == pytest.approx([0, 0, 2.0, 3.0, 2.5, 0, 0], abs=TOL)


def test_monthly_trend_counts_a_return_to_poverty(db):
    trend = db.run("poverty_monthly_trend", as_of=dt.date(2020, 11, 16), township="A01")
    by_month = dict(zip(trend["as_of"], trend["poor_persons"]))
    assert by_month[dt.date(2015, 1, 31)] == 0
    assert by_month[dt.date(2015, 2, 28)] == 4  # H1 返贫 2015-02-01
    assert by_month[dt.date(2020, 2, 29)] == 4
    assert by_month[dt.date(2020, 3, 31)] == 0  # H1 脱贫 2020-03-15
    assert trend["as_of"][-1] == dt.date(2020, 11, 16)
    assert trend.height == 12 * 6 + 11  # 2014-01 .. 2020-11


# --- 一升一降: villages and structure ----------------------------------------------------------------

def test_villages_show_incidence_now_and_at_the_previous_year_end(db):
    villages = db.run("poverty_by_village", as_of=dt.date(2014, 7, 15), township="ALL")
    got = {r["village_code"]: r for r in villages.iter_rows(named=True)}
    assert got["V3"]["poor_persons"] == 5 and got["V3"]["incidence_pct"] == pytest.approx(2.5)
    assert got["V3"]["incidence_prev_pct"] == pytest.approx(2.5)  # H4 was already poor on 2013-12-31
    assert got["V3"]["incidence_drop_pp"] == pytest.approx(0.0)
    assert got["V1"]["poor_persons"] == 0 and got["V1"]["exited_households"] == 1  # H1; H2 清退
    assert villages["village_code"][0] == "V3"  # highest incidence first


def test_breakdown_counts_registered_households_by_cause_and_attribute(db):
    frame = db.run("poverty_breakdown", as_of=dt.date(2014, 7, 15), township="ALL", village="ALL")
    columns = ("category", "poor_households", "poor_persons", "exited_households", "exited_persons")
    causes = sorted(rows(frame.filter(frame["dimension"] == "main_cause"), *columns))
    # On the register at D: H1 (exited, 因病, 4), H4 (poor, 因病, 5), H5 (exited, 缺资金, 1); H2, H3 清退.
    assert causes == sorted([("因病", 1, 5, 1, 4), ("缺资金", 0, 0, 1, 1)])
    attributes = sorted(rows(frame.filter(frame["dimension"] == "attribute"), *columns))
    assert attributes == sorted([("一般贫困户", 0, 0, 2, 5), ("低保贫困户", 1, 5, 0, 0)])


# --- 户情: search -----------------------------------------------------------------------------------

def search(db, **overrides):
    params = dict(as_of=dt.date(2014, 7, 15), township="ALL", village="ALL", status="ALL", cause="ALL", gap="ALL",
                  search="", limit=100, offset=0)
    return db.run("household_search", **{**params, **overrides})


def test_search_by_status_at_d(db):
    assert search(db, status="未脱贫")["household_id"].to_list() == ["H4"]
    assert search(db, status="已清退")["household_id"].to_list() == ["H2", "H3"]
    assert search(db, status="已脱贫")["household_id"].to_list() == ["H1", "H5"]
    assert search(db, status="未纳入", as_of=dt.date(2014, 3, 1))["household_id"].to_list() == ["H1", "H2", "H3"]


def test_search_by_name_gap_and_limit(db):
    assert search(db, search="明")["household_id"].to_list() == ["H1"]
    assert search(db, search="H")["household_id"].to_list() == ["H1", "H2", "H3", "H4", "H5"]
    gap = search(db, gap="住房安全")
    assert gap["household_id"].to_list() == ["H3"] and gap["gaps"][0] == "住房安全"
    assert search(db, gap="任一")["household_id"].to_list() == ["H3"]
    limited = search(db, limit=2)
    assert limited["household_id"].to_list() == ["H1", "H2"] and limited["total_matches"][0] == 5


def test_search_pages_through_every_match_with_and_without_a_status(db):
    """Pages of 2 over H1..H5 (no status filter) and over 已清退 H2, H3 (status filter): every match once."""
    pages = [search(db, limit=2, offset=o)["household_id"].to_list() for o in (0, 2, 4, 6)]
    assert pages == [["H1", "H2"], ["H3", "H4"], ["H5"], []]
    assert search(db, limit=2, offset=2)["total_matches"][0] == 5
    assert search(db, status="已清退", limit=1, offset=1)["household_id"].to_list() == ["H3"]
    assert search(db, status="已清退", limit=1, offset=1)["total_matches"][0] == 2


# --- 资金 -------------------------------------------------------------------------------------------

D = dt.date(2020, 6, 30)


def test_funds_by_source_shares_spending_in_proportion_to_allocations(db):
    frame = db.run("funds_by_source", as_of=D, township="ALL")
    got = {r["source"]: r for r in frame.iter_rows(named=True)}
    assert frame["source"].to_list() == ["中央", "省级", "市级", "县级", "整合涉农", "社会帮扶"]
    # P1 spent 10 of 170 allocated (中央 100, 省级 50, 社会帮扶 20 from 2019); P2 spent 10 of 县级 50.
    assert got["中央"]["allocated_wan"] == pytest.approx(180)
    assert got["中央"]["spent_wan"] == pytest.approx(10 * 100 / 170)
    assert got["省级"]["spent_wan"] == pytest.approx(10 * 50 / 170)
    assert got["社会帮扶"]["allocated_wan"] == pytest.approx(20)  # allocated in 2019 for a 2020 project
    assert got["县级"]["allocated_wan"] == pytest.approx(80) and got["县级"]["spent_wan"] == pytest.approx(10)
    assert got["县级"]["balance_rate_pct"] == pytest.approx(87.5)
    assert got["市级"]["allocated_wan"] == 0 and got["市级"]["balance_rate_pct"] is None  # P4 is a 2019 project
    assert sum(frame["spent_wan"]) == pytest.approx(20)


def test_cumulative_monthly_spend_against_time_progress(db):
    frame = db.run("funds_monthly", as_of=D, township="ALL")
    assert frame["as_of"].to_list() == [dt.date(2020, m, d) for m, d in
                                        ((1, 31), (2, 29), (3, 31), (4, 30), (5, 31), (6, 30))]
    assert frame["allocated_wan"].to_list() == pytest.approx([120, 170, 170, 200, 330, 330])
    assert frame["spent_wan"].to_list() == pytest.approx([0, 0, 10, 10, 10, 20])
    assert frame["spend_progress_pct"].to_list() == pytest.approx(
        [0, 0, 100 * 10 / 170, 100 * 10 / 200, 100 * 10 / 330, 100 * 20 / 330])
    assert frame["time_progress_pct"][-1] == pytest.approx(100 * 182 / 366)
    assert frame["time_progress_pct"][0] == pytest.approx(100 * 31 / 366)


def test_idle_funds_lists_old_allocations_that_are_hardly_spent(db):
    frame = db.run("funds_idle", as_of=D, township="ALL", idle_days=90, idle_ratio=0.2)
    # P1: 120 allocated before 2020-04-01, 10 spent (8.3% < 20%) -> idle 110. P4: 40, nothing spent -> 40.
    # P2: 10 of 50 spent = exactly 20%, not below. P3: allocated after the cut-off. P5: exactly 90 days ago.
    assert frame["project_id"].to_list() == ["P1", "P4"]
    p1 = frame.row(0, named=True)
    assert p1["allocated_before_cutoff_wan"] == pytest.approx(120)
    assert p1["allocated_wan"] == pytest.approx(170)
    assert p1["idle_wan"] == pytest.approx(110)
    assert p1["spend_ratio_pct"] == pytest.approx(100 * 10 / 120)
    assert p1["days_since_allocation"] == 11 + 182  # 2019-12-20 -> 2019-12-31 -> 2020-06-30
    assert p1["township_name"] == "甲乡" and p1["county_leader"] == "李县长"
    assert frame.row(1, named=True)["idle_wan"] == pytest.approx(40)
    assert db.run("funds_idle", as_of=D, township="A01", idle_days=90, idle_ratio=0.2)["project_id"].to_list() == ["P1"]


def test_funds_by_project_of_year_y(db):
    frame = db.run("funds_by_project", as_of=D, township="ALL")
    # 2020's projects (P4 is 2019's): P1 170 allocated (社会帮扶 20 dated 2019-12-20 counts in its 年度) and 10 spent,
    # 在建; P2 50 / 10, no report yet; P3 80 / 0, reported 未开工; P5 30 / 0, 已完工. 结余率 = (allocated − spent) / allocated.
    assert rows(frame, "project_id", "allocated_wan", "spent_wan", "status") == [
        ("P3", 80.0, 0.0, "未开工"), ("P5", 30.0, 0.0, "已完工"), ("P1", 170.0, 10.0, "在建"), ("P2", 50.0, 10.0, "未开工")]
    assert frame["balance_rate_pct"].to_list() == pytest.approx([100, 100, 100 * 160 / 170, 80])
    early = db.run("funds_by_project", as_of=dt.date(2020, 1, 5), township="A01")
    assert rows(early, "project_id", "allocated_wan", "balance_rate_pct") == [("P1", 20.0, 100.0), ("P2", 0.0, None),
                                                                              ("P5", 0.0, None)]


def test_funds_by_category_of_a_township(db):
    frame = db.run("funds_by_category", as_of=D, township="A01")
    got = {r["category"]: r for r in frame.iter_rows(named=True)}
    assert set(got) == {"产业发展", "基础设施", "其他"}
    assert got["产业发展"]["allocated_wan"] == pytest.approx(170)
    assert got["产业发展"]["share_pct"] == pytest.approx(100 * 170 / 250)
    assert got["基础设施"]["spend_progress_pct"] == pytest.approx(20)


# --- 项目 -------------------------------------------------------------------------------------------

def test_project_summary_rates(db):
    from components.project_charts import rates

    totals = rates(db.run("projects_summary", as_of=D, township="ALL"))
    # P1 在建 10, P2 未开工 (no report), P3 未开工 0, P5 已完工 100; the 07-10 report is after D.
    assert totals == {"projects": 4, "started": 2, "completed": 1, "overdue": 1, "start_pct": 50.0,
                      "completion_pct": 25.0, "avg_progress_pct": 27.5}


def test_overdue_list_has_days_overdue_and_the_responsible_township(db):
    frame = db.run("projects_overdue", as_of=D, township="ALL")
    assert rows(frame, "project_id", "days_overdue", "township_name", "county_leader", "status") == [
        ("P1", 30, "甲乡", "李县长", "在建")]
    assert db.run("projects_overdue", as_of=D, township="A02").height == 0


def test_projects_of_year_actual_dates(db):
    frame = db.run("projects_of_year", as_of=D, township="A01")
    got = {r["project_id"]: r for r in frame.iter_rows(named=True)}
    assert set(got) == {"P1", "P2", "P5"}
    assert got["P1"]["actual_start"] == dt.date(2020, 3, 1) and got["P1"]["actual_end"] is None
    assert got["P5"]["actual_end"] == dt.date(2020, 6, 10) and got["P5"]["completed"]
    assert got["P2"]["status"] == "未开工" and not got["P2"]["overdue"]  # planned end = D is not overdue yet
    # status, 形象进度 and last report at D; funds to D of the project, an allocation of the year before included
    assert rows(frame.sort("project_id"), "project_id", "status", "progress_pct", "last_report", "allocated_wan",
                "spent_wan") == [("P1", "在建", 10.0, dt.date(2020, 3, 1), 170.0, 10.0),
                                 ("P2", "未开工", 0.0, None, 50.0, 10.0),
                                 ("P5", "已完工", 100.0, dt.date(2020, 6, 10), 30.0, 0.0)]
    later = db.run("projects_of_year", as_of=dt.date(2020, 7, 10), township="ALL").sort("project_id")
    assert rows(later, "project_id", "status", "actual_end", "allocated_wan") == [
        ("P1", "已完工", dt.date(2020, 7, 10), 170.0), ("P2", "未开工", None, 50.0), ("P3", "未开工", None, 80.0),
        ("P5", "已完工", dt.date(2020, 6, 10), 30.0)]
    assert db.run("projects_of_year", as_of=dt.date(2019, 12, 31), township="ALL")["project_id"].to_list() == ["P4"]
    before = db.run("projects_of_year", as_of=dt.date(2020, 1, 5), township="A01").sort("project_id")
    assert rows(before, "project_id", "allocated_wan") == [("P1", 20.0), ("P2", 0.0), ("P5", 0.0)]


def test_project_payments_running_total(db):
    frame = db.run("projects_payments", project_id="P1", as_of=D)
    assert rows(frame, "amount_wan", "spent_cum_wan") == [(10.0, 10.0)]
    assert db.run("projects_allocations", project_id="P1", as_of=dt.date(2020, 4, 30)).height == 2
