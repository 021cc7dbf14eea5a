"""数据核查 at any 数据截止日期 (issue 18): the page's trend is one query over D, D−7, … (the rules run at each date by a
lateral join, or the counts prepared at publish at the data date and the week before) and its 数据质量 is divided
out of the counts it already has. Both must give exactly what today's per-date queries give: the counts of
queries/checks_counts_by_township.sql at each trend date, and the rows of queries/checks_quality_by_township.sql,
on the demo county and the hand-worked county, at dates spread over the data (year ends and starts, the data date,
the dates the load test opens, dates before any record)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from checks_county import loaded, write_county
from components import check_views, long_lists
from queries import checks_registry as registry
from queries.runner import Database, sql_text

WEEKS = "checks_counts_by_township_weeks"


@pytest.fixture(scope="module")
def hand_county(tmp_path_factory) -> Path:
    return loaded(write_county(tmp_path_factory.mktemp("checks_weeks") / "export"))


def _dates(d0: dt.date) -> list[dt.date]:
    """The load test's dates (D0, D0−7, D0−30, June 30, last Dec 31), year starts, and dates before the data."""
    return sorted({d0, d0 - dt.timedelta(days=7), d0 - dt.timedelta(days=30), dt.date(d0.year, 6, 30),
                   dt.date(d0.year - 1, 12, 31), dt.date(d0.year, 1, 1), dt.date(d0.year - 1, 1, 1),
                   d0 + dt.timedelta(days=40), dt.date(d0.year - 3, 3, 15), dt.date(2000, 1, 1)})


def _assert_weeks_equal_the_counts_at_each_date(db: Path) -> int:
    slow = Database(Database.open(db).version, use_prepared=False)
    fast = Database.open(db)
    params = registry.rule_params()
    weeks = registry.load_config().trend_weeks
    rows, expected = 0, {}
    try:
        d0 = slow.run("data_as_of")["as_of"][0]
        for day in _dates(d0):
            trend = registry.trend_dates(day, weeks)
            for db_ in (slow, fast):  # the lateral query itself, and the prepared lookup where it answers
                by_date = check_views.counts_by_date(db_.run(WEEKS, as_of=day, weeks=weeks, **params), trend)
                assert list(by_date) == trend
                for d in trend:
                    if d not in expected:
                        expected[d] = slow.run("checks_counts_by_township", as_of=d, **params)
                    assert_frame_equal(by_date[d], expected[d], check_dtypes=True)
                    rows += expected[d].height
    finally:
        slow.close(), fast.close()
    return rows


def test_demo_trend_in_one_query_equals_the_counts_at_each_date(demo_db):
    assert _assert_weeks_equal_the_counts_at_each_date(demo_db) > 1000  # the demo flags hundreds at most dates


def test_hand_county_trend_in_one_query_equals_the_counts_at_each_date(hand_county):
    assert _assert_weeks_equal_the_counts_at_each_date(hand_county) > 10


def test_trend_answered_from_the_publish_at_every_date_with_the_parameters_prepared(demo_db):
    fast = Database.open(demo_db)
    try:
        d0 = fast.run("data_as_of")["as_of"][0]
        weeks = registry.load_config().trend_weeks
        bound = {k: v for k, v in {**registry.rule_params(), "weeks": weeks}.items() if k in sql_text(WEEKS)[1]}
        answered = [d for d in _dates(d0) if fast.is_prepared(WEEKS, {**bound, "as_of": d})]
        assert answered == _dates(d0)
        assert fast.is_prepared(WEEKS, {**bound, "weeks": weeks + 1, "as_of": d0})  # any trend length
        assert not fast.is_prepared(WEEKS, {**bound, "max_age_years": 99, "as_of": d0})  # another threshold
    finally:
        fast.close()


def _assert_quality_from_counts_equals_the_query(db: Path) -> None:
    slow = Database(Database.open(db).version, use_prepared=False)
    params = registry.rule_params()
    try:
        townships = slow.run("townships")
        for day in _dates(slow.run("data_as_of")["as_of"][0]):
            counts = slow.run("checks_counts_by_township", as_of=day, **params)
            quality = check_views.quality_from_counts(
                counts, slow.run("checks_registered_households", as_of=day), townships)
            expected = slow.run("checks_quality_by_township", as_of=day, **params)
            assert_frame_equal(quality, expected, check_dtypes=False, rtol=1e-12, atol=0)
    finally:
        slow.close()


def test_demo_quality_from_the_counts_equals_the_query(demo_db):
    _assert_quality_from_counts_equals_the_query(demo_db)


def test_hand_county_quality_from_the_counts_equals_the_query(hand_county):
    _assert_quality_from_counts_equals_the_query(hand_county)


def _matrix(n: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rules = pl.DataFrame({"rule_id": ["r1", "r2"], "short": ["一", "二"], "severity": ["高", "低"],
                          "title": ["规则一", "规则二"]})
    codes = [f"T{i:04d}" for i in range(n)]
    return pl.DataFrame({"township_code": codes, "township_name": [f"{c}乡" for c in codes],
                         "r1": [i % 7 for i in range(n)], "r2": [(3 * i) % 5 for i in range(n)]}), rules


def test_heatmap_of_a_county_draws_every_township_in_code_order():
    matrix, rules = _matrix(long_lists.DRAWN_MAX)
    assert check_views.heat_drawn(matrix, rules, mark="T0003乡").equals(matrix)


def test_heatmap_of_a_province_draws_both_ends_by_issues_and_the_viewers_own():
    matrix, rules = _matrix(2273)
    drawn = check_views.heat_drawn(matrix, rules, mark="T1000乡")  # T1000: r1 = 1000 % 7 = 6, r2 = 3000 % 5 = 0
    totals = (drawn["r1"] + drawn["r2"]).to_list()
    assert drawn.height == 2 * long_lists.DRAWN_ENDS + 1 and "T1000乡" in drawn["township_name"].to_list()
    # hand-worked: the largest total is 6 + 4 = 10 (i % 7 == 6 and 3i % 5 == 4, i.e. i ≡ 6 mod 7 and i ≡ 3 mod 5:
    # i = 13, 48, 83, …), the smallest 0 (i ≡ 0 mod 35: i = 0, 35, 70, …); equal totals in code order
    assert totals[:3] == [10, 10, 10] and drawn["township_code"][:3].to_list() == ["T0013", "T0048", "T0083"]
    assert totals[-1] == 0 and drawn["township_code"][-1] == "T2240"
    from components.check_charts import issue_heatmap

    column_max = matrix.select(pl.col("r1", "r2").max()).row(0)
    fig = issue_heatmap(drawn, rules, mark="T1000乡", column_max=column_max)
    heat = fig.data[0]
    assert len(heat.y) == 31 and heat.z.max() == 1.0
    row = list(heat.y).index("T1000乡")  # shaded against the whole province's worst, not the drawn rows
    assert list(heat.z[row]) == [1.0, 0.0] and list(heat.text[row]) == ["6", ""]
    assert list(heat.z[0]) == [1.0, 1.0] and list(heat.customdata[0][0]) == ["规则一", 6]
