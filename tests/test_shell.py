"""The app shell and 总览: navigation, URL-bound filters, KPIs, and the page in a real browser."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from queries.indicators import township_indicators
from queries.runner import Database
from tests.conftest import demo_user

PAGES = [
    "pages/overview.py", "pages/poverty.py", "pages/households.py", "pages/funds.py", "pages/projects.py",
    "pages/battle_map.py", "pages/ranking.py", "pages/weekly.py", "pages/quarterly.py", "pages/data_import.py",
    "pages/data_check.py", "pages/audit_log.py",
]


@pytest.fixture(scope="module")
def demo_indicators(demo_db):
    with Database.open(demo_db) as db:
        as_of = db.data_as_of()
        return as_of, township_indicators(db, as_of)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_exception(app_page, page):
    # 数据导入 is the data office's page; everything else opens for the county leadership.
    at = app_page(page, user=demo_user("数据管理员") if page == "pages/data_import.py" else "default")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_filters_default_to_latest_date_and_whole_county(app_page, demo_indicators):
    as_of, _ = demo_indicators
    at = app_page("pages/overview.py")
    assert at.date_input(key="as_of").value == as_of
    assert at.selectbox(key="township").value == "ALL"
    assert at.title[0].value == "总览 · 全县"


def test_overview_kpis_show_county_values(app_page, demo_indicators):
    _, frame = demo_indicators
    county = frame.filter(pl.col("township_code") == "ALL").row(0, named=True)
    at = app_page("pages/overview.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["贫困人口"] == f"{county['poor_persons']:,} 人"
    assert metrics["贫困发生率"] == f"{county['incidence_pct']:.2f}%"
    assert metrics["项目完工率"] == f"{county['completion_pct']:.1f}%"


def test_township_in_url_scopes_overview(app_page, demo_indicators):
    _, frame = demo_indicators
    row = frame.filter(pl.col("township_code") != "ALL").row(0, named=True)
    at = app_page("pages/overview.py", query={"township": row["township_code"]})
    assert at.title[0].value == f"总览 · {row['township_name']}"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["贫困人口"] == f"{row['poor_persons']:,} 人"


def test_as_of_in_url_changes_the_date(app_page):
    at = app_page("pages/overview.py", query={"as_of": "2019-12-31"})
    assert at.date_input(key="as_of").value == dt.date(2019, 12, 31)
    assert "2019年12月31日" in at.caption[0].value


def test_lagging_townships_are_named(app_page, demo_indicators):
    _, frame = demo_indicators
    lagging = frame.filter((pl.col("township_code") != "ALL") & pl.col("lagging"))["township_name"].to_list()
    at = app_page("pages/overview.py")
    warnings = " ".join(w.value for w in at.warning)
    assert lagging, "the demo county should have lagging townships"
    for name in lagging:
        assert name in warnings


@pytest.mark.browser
def test_overview_in_browser_has_no_error_and_fetches_nothing_remote(server, offline_page):
    page = offline_page.open(f"{server}/")
    offline_page.screenshot("overview")
    assert offline_page.error_boxes() == []
    assert page.get_by_text("乡镇指标一览").count() == 1
    assert page.locator("[data-testid=stMetric]").count() == 8
    assert page.locator(".js-plotly-plot").count() >= 1
    offline_page.screenshot("overview")


@pytest.mark.browser
def test_deep_link_keeps_township_and_date(server, offline_page, demo_indicators):
    _, frame = demo_indicators
    row = frame.filter(pl.col("township_code") != "ALL").row(1, named=True)
    page = offline_page.open(f"{server}/?township={row['township_code']}&as_of=2020-06-30")
    assert page.get_by_text(f"总览 · {row['township_name']}").count() == 1
    assert page.get_by_text("2020年06月30日", exact=False).count() >= 1
    assert offline_page.error_boxes() == []


def test_first_start_without_a_database_builds_and_serves_the_demo(tmp_path, monkeypatch):
    """No WARROOM_DB and no --db: the shell builds the demo county (with progress) and serves it."""
    from streamlit.testing.v1 import AppTest

    import app_data
    from ingest import publish
    from tests.conftest import ROOT

    demo = tmp_path / "demo" / "county.duckdb"
    monkeypatch.delenv("WARROOM_DB", raising=False)
    monkeypatch.setattr(app_data, "DEMO_DB", demo)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    assert not at.exception
    assert publish.current(demo) is not None, "the demo county was not published"
    assert "secretary" in " ".join(i.value for i in at.info), "demo accounts are offered on the demo county"
