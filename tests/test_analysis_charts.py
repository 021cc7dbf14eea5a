"""Figure builders of the analysis pages, called with small frames (no Streamlit, no database)."""

import datetime as dt

import polars as pl

from components import funds_charts, household_views, poverty_charts, project_charts
from queries.metrics import BAD, GOOD


def indicators(**extra):
    base = {
        "township_code": ["T1", "T2", "T3", "ALL"], "township_name": ["甲乡", "乙镇", "丙乡", "全县"],
        "incidence_drop_pp": [3.0, 1.0, None, 2.0], "incidence_prev_pct": [5.0, 3.0, None, 4.0],
        "incidence_pct": [2.0, 2.0, None, 2.0], "poor_persons": [10, 20, 0, 30],
        "income_growth_pct": [12.0, 5.0, None, 8.0], "income_pc": [4000.0, 3000.0, None, 3500.0],
        "income_pc_prev": [3570.0, 2857.0, None, 3240.0], "income_year": [2019] * 4,
        "balance_rate_pct": [10.0, 80.0, None, 40.0], "allocated_wan": [100.0, 50.0, 0.0, 150.0],
        "spent_wan": [90.0, 10.0, 0.0, 100.0], "time_progress_pct": [50.0] * 4,
        "industry_share_pct": [70.0, 40.0, None, 60.0],
    }
    base.update(extra)
    return pl.DataFrame(base)


def test_drop_bars_are_red_below_the_county():
    fig = poverty_charts.incidence_drop_by_township(indicators())
    bar = fig.data[0]
    assert list(bar.x) == ["甲乡", "乙镇", "丙乡"]  # largest drop first, blank last, no 全县 bar
    assert list(bar.marker.color)[:2] == [GOOD, BAD]
    assert fig.layout.shapes[0].y0 == 2.0
    assert [a.text for a in fig.layout.annotations] == ["全县 2.00 个百分点"]


def test_income_growth_red_below_benchmark():
    fig = poverty_charts.income_growth_by_township(indicators(), benchmark_pct=9.0)
    assert list(fig.data[0].marker.color)[:2] == [GOOD, BAD]
    texts = [a.text for a in fig.layout.annotations]
    assert "对照线 9%" in texts and "全县 8.0%" in texts


def test_quadrant_colours_good_on_both_green_and_bad_on_both_red():
    frame = indicators(incidence_drop_pp=[3.0, 1.0, 2.5, 2.0], income_growth_pct=[12.0, 5.0, 4.0, 8.0])
    fig = poverty_charts.quadrant(frame, benchmark_pct=9.0)
    colours = dict(zip(fig.data[0].text, fig.data[0].marker.color))
    assert colours["甲乡"] == GOOD  # 3.0 ≥ 2.0 and 12 ≥ 9
    assert colours["乙镇"] == BAD  # 1.0 < 2.0 and 5 < 9
    assert colours["丙乡"] not in (GOOD, BAD)  # good on the drop only


def test_monthly_trend_has_persons_and_rate_on_two_axes():
    frame = pl.DataFrame({"as_of": [dt.date(2014, 1, 31), dt.date(2014, 2, 28)], "poor_persons": [10, 8],
                          "incidence_pct": [1.0, 0.8]})
    fig = poverty_charts.monthly_trend(frame)
    assert list(fig.data[0].y) == [10, 8] and fig.data[1].yaxis == "y2"


def test_spend_progress_red_when_behind_time():
    fig = funds_charts.township_spend_progress(indicators())
    bar = fig.data[0]
    assert list(bar.x)[:2] == ["甲乡", "乙镇"]
    assert list(bar.y)[:2] == [90.0, 20.0]
    assert list(bar.marker.color)[:2] == [GOOD, BAD]


def test_industry_share_red_below_policy_line():
    fig = funds_charts.industry_share(indicators(), 60.0)
    assert list(fig.data[0].marker.color)[:2] == [GOOD, BAD]
    assert any("60%" in a.text for a in fig.layout.annotations)


def test_cumulative_spend_marks_points_behind_time():
    frame = pl.DataFrame({"as_of": [dt.date(2020, 1, 31), dt.date(2020, 2, 29)], "allocated_wan": [10.0, 10.0],
                          "spent_wan": [5.0, 1.0], "spend_progress_pct": [50.0, 10.0], "time_progress_pct": [8.5, 16.4]})
    fig = funds_charts.cumulative_spend(frame)
    assert list(fig.data[1].marker.color) == [GOOD, BAD]


def test_project_status_donut_keeps_status_order():
    summary = pl.DataFrame({"township_name": ["甲乡", "甲乡"], "category": ["产业发展", "其他"],
                            "status": ["已验收", "未开工"], "projects": [2, 1], "started": [2, 0], "completed": [2, 0],
                            "overdue": [0, 1], "progress_sum": [200.0, 0.0]})
    fig = project_charts.by_status(summary)
    assert list(fig.data[0].labels) == ["未开工", "在建", "已完工", "已验收"]
    assert list(fig.data[0].values) == [1, 0, 0, 2]
    fig = project_charts.by_township(summary)
    assert fig.data[0].y[0] == "甲乡（完工 67%，逾期 1）"


def test_timeline_actual_bar_runs_to_d_and_is_red_when_overdue():
    frame = pl.DataFrame({"project_id": ["P1"], "project_name": ["一村产业基地"],
                          "planned_start": [dt.date(2020, 2, 1)], "planned_end": [dt.date(2020, 5, 31)],
                          "actual_start": [dt.date(2020, 3, 1)], "actual_end": [None], "status": ["在建"],
                          "overdue": [True], "progress_pct": [10.0]},
                         schema_overrides={"actual_end": pl.Date})
    fig = project_charts.timeline(frame, dt.date(2020, 6, 30))
    planned, actual = fig.data
    assert planned.x[0] == 121 * project_charts.DAY_MS  # 02-01..05-31 inclusive
    assert actual.x[0] == 122 * project_charts.DAY_MS  # 03-01..06-30 inclusive
    assert list(actual.marker.color) == [BAD]


def test_income_bars_red_below_that_years_poverty_line():
    income = pl.DataFrame({"year": [2018, 2019], "income_per_capita": [3400.0, 3800.0]})
    fig = household_views.income_vs_poverty_line(income, {2018: 3535, 2019: 3747})
    assert list(fig.data[0].marker.color) == [BAD, GOOD]
    assert list(fig.data[1].y) == [3535, 3747]


def test_guarantee_flags_show_the_gap():
    flags = household_views.guarantee_flags({"food_clothing": True, "education": True, "medical": True,
                                             "housing": False, "water": True})
    assert flags.filter(pl.col("是否达标") == "未达标")["项目"].to_list() == ["住房安全有保障"]
