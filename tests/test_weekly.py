"""周调度: D against D−7, 督办事项 on hand-made frames, the weekly SQL on the demo county, the page."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from components import weekly_views
from exports.supervision import supervision_items

D = dt.date(2020, 11, 16)
LEADERS = pl.DataFrame({"township_code": ["T1", "T2", "T3"], "township_name": ["龙潭乡", "青石镇", "白沙镇"],
                        "county_leader": ["李建国", "王志强", None]})


def indicators(**overrides) -> pl.DataFrame:
    base = {
        "township_code": ["T1", "T2", "T3", "ALL"], "township_name": ["龙潭乡", "青石镇", "白沙镇", "全县"],
        "balance_rate_pct": [30.0, 85.0, 40.0, 50.0], "allocated_wan": [100.0, 200.0, 50.0, 350.0],
        "spent_wan": [70.0, 30.0, 30.0, 130.0], "industry_share_pct": [70.0, 65.0, 45.0, 62.0],
        "lagging": [False, False, True, False], "target_progress_pct": [90.0, 88.0, 50.0, 80.0],
        "time_progress_pct": [87.7, 87.7, 87.7, 87.7], "exited_persons_ytd": [90, 88, 25, 203],
        "target_exit_persons": [100, 100, 50, 250],
    }
    base.update(overrides)
    return pl.DataFrame(base)


def overdue_frame(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"township_code": pl.String, "days_overdue": pl.Int64,
                                      "overdue_last_week": pl.Boolean}, orient="row")


IDLE_NONE = pl.DataFrame(schema={"township_code": pl.String, "idle_wan": pl.Float64})


def test_overdue_item_counts_only_projects_late_by_more_than_30_days():
    overdue = overdue_frame([("T1", 45, True), ("T1", 31, False), ("T1", 30, True), ("T1", 120, True),
                             ("T2", 10, False)])
    items = supervision_items(indicators(), overdue, IDLE_NONE, LEADERS)
    late = items.filter(pl.col("kind") == "逾期项目")
    assert late.height == 1  # T2's only project is 10 days late: no item
    row = late.row(0, named=True)
    assert row["text"] == "龙潭乡 3 个项目逾期超过30天，最长已逾期 120 天（本周新增逾期 1 个）"
    assert (row["township_name"], row["county_leader"]) == ("龙潭乡", "李建国")


def test_balance_item_when_above_county_by_margin():
    items = supervision_items(indicators(), overdue_frame([]), IDLE_NONE, LEADERS, balance_margin_pp=20)
    high = items.filter(pl.col("kind") == "资金结余")
    # county 50%: T2 at 85% is 35 above -> item; T3 at 40% and T1 at 30% are not
    assert high["township_code"].to_list() == ["T2"]
    assert high["text"][0].startswith("青石镇 资金结余率 85%，高于全县（50%）")


def test_lagging_item_states_the_gap_and_a_missing_leader_stays_blank():
    items = supervision_items(indicators(), overdue_frame([]), IDLE_NONE, LEADERS)
    lag = items.filter(pl.col("kind") == "任务滞后").row(0, named=True)
    assert lag["text"] == "白沙镇 年度减贫任务进度 50.0%，落后时间进度 37.7 个百分点（已脱贫 25 / 计划 50 人）"
    assert lag["county_leader"] is None


def test_idle_funds_and_industry_share_items_and_the_order_of_kinds():
    idle = pl.DataFrame({"township_code": ["T2", "T2", "T1"], "idle_wan": [100.0, 50.5, 20.0]})
    overdue = overdue_frame([("T3", 40, True)])
    items = supervision_items(indicators(), overdue, idle, LEADERS, industry_share_min_pct=60)
    assert items["kind"].to_list() == ["逾期项目", "任务滞后", "资金结余", "沉淀资金", "沉淀资金", "产业资金"]
    idle_items = items.filter(pl.col("kind") == "沉淀资金")
    assert idle_items["township_code"].to_list() == ["T2", "T1"]  # the bigger sum first
    assert idle_items["text"][0] == "青石镇 2 个项目资金沉淀 150.5 万元（下达超过90天、支出不足20%）"
    assert items.filter(pl.col("kind") == "产业资金")["text"][0] == "白沙镇 产业发展资金占比 45%，低于 60% 的政策要求"


def test_no_problems_gives_an_empty_list_with_columns():
    calm = indicators(lagging=[False] * 4, balance_rate_pct=[50.0] * 4, industry_share_pct=[80.0] * 4)
    items = supervision_items(calm, overdue_frame([]), IDLE_NONE, LEADERS)
    assert items.height == 0 and "text" in items.columns


def test_year_end_pace_item_on_december_31_has_no_weekly_need():
    """At D = 12-31 no week is left: a township still short gets its item (还需 … 已到年底), not a crash on the
    blank 每周需 (the 周调度 page failed at the load test's date 'last Dec 31')."""
    from exports.pace import year_end_pace

    year_end = dt.date(2019, 12, 31)
    frame = indicators(exited_persons_ytd=[100, 100, 20, 220], target_exit_persons=[100, 100, 50, 250])
    window = pl.DataFrame({"township_code": ["T1", "T2", "T3", "ALL"], "exited_window": [8, 8, 4, 20],
                           "window_days": [28] * 4})
    pace = year_end_pace(frame, window, year_end)
    assert pace.filter(pl.col("township_code") == "T3")["needed_per_week"][0] is None
    items = supervision_items(frame, overdue_frame([]), IDLE_NONE, LEADERS, pace=pace)
    (text,) = items.filter(pl.col("kind") == "年底进度")["text"].to_list()
    # T3: 50 planned, 20 out, 30 to go; 4 in four weeks = 1.0 a week; nothing left of the year: 30 short
    assert text == "白沙镇 还需脱贫 30 人，已到年底，近四周每周 1.0 人，按当前进度年底差 30 人"


def row(**values) -> dict:
    return {"exited_persons_ytd": 100, "poor_persons": 500, "incidence_pct": 1.50, "target_progress_pct": 40.0,
            "spent_wan": 200.0, "balance_rate_pct": 60.0, "projects_completed": 3, "overdue_projects": 2,
            "idle_wan": 80.0, "_year": 2020, **values}


def test_week_comparison_changes_and_their_colours():
    before = row()
    now = row(exited_persons_ytd=130, poor_persons=470, incidence_pct=1.41, target_progress_pct=52.0,
              spent_wan=260.5, balance_rate_pct=48.0, projects_completed=5, overdue_projects=4, idle_wan=80.0)
    out = {r["key"]: r for r in weekly_views.week_comparison(now, before).iter_rows(named=True)}
    assert out["exited_persons_ytd"]["change"] == 30 and out["exited_persons_ytd"]["good"] is True
    assert out["exited_persons_ytd"]["change_text"] == "本周脱贫 +30 人"
    assert out["incidence_pct"]["delta_text"] == "-0.09 个百分点" and out["incidence_pct"]["good"] is True
    assert out["spent_wan"]["change_text"] == "本周支出 +60.5 万元"
    assert out["balance_rate_pct"]["good"] is True  # falling balance rate is good
    assert out["overdue_projects"]["good"] is False and out["overdue_projects"]["now_text"] == "4 个"
    assert out["idle_wan"]["change_text"] == "本周变化 持平" and out["idle_wan"]["good"] is None


def test_week_comparison_blanks_year_to_date_changes_across_new_year():
    before, now = row(_year=2019, exited_persons_ytd=900), row(_year=2020, exited_persons_ytd=10)
    out = {r["key"]: r for r in weekly_views.week_comparison(now, before).iter_rows(named=True)}
    assert out["exited_persons_ytd"]["change"] is None
    assert out["poor_persons"]["change"] == 0  # a stock, not year-to-date: still compared


def test_week_comparison_across_new_year_labels_last_years_figures_and_compares_none():
    # the case: 资金结余率 9.4% -> 100.0% "+90.6" and 逾期项目 4 -> 0 compared 2019's projects with 2020's
    before = row(_year=2019, balance_rate_pct=9.4, overdue_projects=4, spent_wan=5000.0, projects_completed=80)
    now = row(_year=2020, balance_rate_pct=100.0, overdue_projects=0, spent_wan=0.0, projects_completed=0)
    out = {r["key"]: r for r in weekly_views.week_comparison(now, before).iter_rows(named=True)}
    for key in ("balance_rate_pct", "overdue_projects", "spent_wan", "projects_completed", "target_progress_pct"):
        assert out[key]["change"] is None and out[key]["change_text"] == "跨年度不比较", key
        assert "2019年度" in out[key]["before_text"], key
    assert out["balance_rate_pct"]["before_text"] == "9.4%（2019年度）"
    assert "+90.6" not in "".join(r["change_text"] for r in out.values())


def test_week_comparison_change_agrees_with_the_printed_values():
    # the cases: 0.22% -> 0.14% printed "−0.07", 0.55% -> 0.54% printed "持平"
    out = {r["key"]: r for r in weekly_views.week_comparison(row(incidence_pct=0.1449),
                                                             row(incidence_pct=0.2151)).iter_rows(named=True)}
    assert (out["incidence_pct"]["before_text"], out["incidence_pct"]["now_text"]) == ("0.22%", "0.14%")
    assert out["incidence_pct"]["delta_text"] == "-0.08 个百分点"
    out = {r["key"]: r for r in weekly_views.week_comparison(row(incidence_pct=0.5351),
                                                             row(incidence_pct=0.5450)).iter_rows(named=True)}
    assert (out["incidence_pct"]["before_text"], out["incidence_pct"]["now_text"]) == ("0.55%", "0.54%")
    assert out["incidence_pct"]["delta_text"] == "-0.01 个百分点"


def test_township_week_table_moves():
    now = pl.DataFrame({"township_code": ["A", "B", "ALL"], "township_name": ["甲", "乙", "全县"],
                        "rank": [1, 2, None], "exited_persons_ytd": [50, 20, 70], "incidence_pct": [1.0, 2.0, 1.5],
                        "spent_wan": [10.0, 5.0, 15.0], "projects_completed": [2, 1, 3],
                        "overdue_projects": [0, 3, 3]})
    before = now.with_columns(rank=pl.Series([2, 1, None]), exited_persons_ytd=pl.Series([40, 20, 60]),
                              incidence_pct=pl.Series([1.2, 2.0, 1.6]), spent_wan=pl.Series([4.0, 5.0, 9.0]),
                              overdue_projects=pl.Series([0, 1, 1]))
    out = weekly_views.township_week_table(now, before)
    assert out["township_code"].to_list() == ["A", "B"]
    assert out["exited_week"].to_list() == [10, 0]
    assert out["incidence_change_pp"].to_list() == pytest.approx([-0.2, 0.0])
    assert out["spent_week_wan"].to_list() == pytest.approx([6.0, 0.0])
    assert out["overdue_change"].to_list() == [0, 2]
    assert out["rank_move"].to_list() == [1, -1]
    across = weekly_views.township_week_table(now, before, same_year=False)  # first week of January
    for column in ("exited_week", "spent_week_wan", "completed_week", "overdue_change"):
        assert across[column].null_count() == 2, column
    assert across["incidence_change_pp"].to_list() == pytest.approx([-0.2, 0.0])  # a stock: still compared


def test_weekly_sql_new_overdue_and_idle_funds_agree_with_indicators(demo_db):
    from queries.indicators import township_indicators
    from queries.runner import Database

    with Database.open(demo_db) as db:
        as_of = db.data_as_of()
        overdue = db.run("weekly_overdue_projects", as_of=as_of, township="ALL")
        week_ago = db.run("weekly_overdue_projects", as_of=as_of - dt.timedelta(days=7), township="ALL")
        now = township_indicators(db, as_of)
        idle = db.run("weekly_idle_funds", as_of=as_of, township="ALL", idle_days=90, idle_ratio=0.2)
        one = db.run("weekly_overdue_projects", as_of=as_of, township=overdue["township_code"][0])
    assert overdue.height == now.filter(pl.col("township_code") == "ALL")["overdue_projects"][0]
    # overdue_last_week is exactly "in last week's list"
    assert set(overdue.filter("overdue_last_week")["project_id"]) == \
        set(overdue["project_id"]) & set(week_ago["project_id"])
    assert (overdue["days_overdue"] > 0).all()
    assert set(one["township_code"]) == {overdue["township_code"][0]}
    assert ((idle["spent_wan"] < 0.2 * idle["allocated_old_wan"]) & (idle["first_allocation"]
                                                                     <= as_of - dt.timedelta(days=90))).all()


def test_weekly_page_lists_items_with_leaders(app_page):
    at = app_page("pages/weekly.py")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "周调度 · 全县"
    assert [s.value for s in at.subheader] == ["本周与上周", "督办事项", "任务进度滞后乡镇", "年底进度", "各乡镇本周变化"]
    labels = [m.label for m in at.metric]
    assert labels[:3] == ["本年累计脱贫人数", "贫困人口", "贫困发生率"] and "沉淀资金（万元）" in labels
    text = " ".join(m.value for m in at.markdown)
    assert "【逾期项目】" in text and "联系县领导：" in text
    assert "**全县**：还需脱贫" in text  # the county's pace to year-end


def test_weekly_page_for_one_township_keeps_its_own_items(app_page):
    at = app_page("pages/weekly.py", query={"township": "431299112"})
    assert not at.exception, [e.value for e in at.exception]
    items = [m.value for m in at.markdown if "【" in m.value]
    assert items and all("责任乡镇：大坪镇" in i for i in items)


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 1024])
def test_weekly_page_in_a_browser(server, browser, width):
    from conftest import OfflinePage, open_signed_in

    tab = OfflinePage(browser, width=width, height=900)
    try:
        page = open_signed_in(tab, f"{server}/weekly", "周调度 · 全县")
        assert not tab.error_boxes()
        assert page.get_by_text("【逾期项目】").count() >= 1
        assert page.get_by_role("button", name="周调度通报 PDF").count() == 1
        tab.screenshot(f"weekly_{width}")
    finally:
        tab.close()
    assert not tab.foreign, tab.foreign[:5]
