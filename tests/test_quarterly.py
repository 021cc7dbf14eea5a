"""季讲评: the quarter calendar, the slide show (AppTest and a real browser driven by the keyboard)."""

from __future__ import annotations

import datetime as dt

import pytest

from components import presentation as pres


def test_quarter_dates_and_labels():
    q = pres.Quarter(2020, 4)
    assert (q.label, q.key, q.end, q.previous.end) == ("2020年第四季度", "2020Q4", dt.date(2020, 12, 31),
                                                       dt.date(2020, 9, 30))
    assert pres.Quarter(2020, 1).previous == pres.Quarter(2019, 4)
    assert pres.Quarter(2020, 1).end == dt.date(2020, 3, 31)
    assert q.as_of(dt.date(2020, 11, 16)) == dt.date(2020, 11, 16)  # still running: the data cut-off
    assert pres.Quarter.parse("2019Q2") == pres.Quarter(2019, 2)


def test_quarters_run_up_to_the_one_holding_the_cut_off_newest_first():
    keys = [q.key for q in pres.quarters(dt.date(2020, 11, 16), 2019)]
    assert keys == ["2020Q4", "2020Q3", "2020Q2", "2020Q1", "2019Q4", "2019Q3", "2019Q2", "2019Q1"]


def test_county_kpis_change_since_quarter_start():
    import polars as pl

    def frame(poor, incidence):
        return pl.DataFrame({"township_code": ["ALL"], "poor_persons": [poor], "incidence_pct": [incidence],
                             "income_growth_pct": [None], "target_progress_pct": [50.0],
                             "balance_rate_pct": [40.0], "completion_pct": [30.0]})

    tiles = {t["key"]: t for t in pres.county_kpis(frame(400, 0.50), frame(600, 0.75))}
    assert tiles["poor_persons"]["value"] == "400 人" and tiles["poor_persons"]["delta"] == "本季 -200 人"
    assert tiles["poor_persons"]["colour"] == pres.GOOD  # fewer poor people is good
    assert tiles["incidence_pct"]["delta"] == "本季 -0.25 个百分点"
    assert tiles["income_growth_pct"]["value"] == "—" and tiles["income_growth_pct"]["delta"] == "—"
    assert "kpi-tile" in pres.kpi_tiles_html(list(tiles.values()))


def test_an_annual_figure_is_not_a_quarter_on_quarter_change():
    import polars as pl

    def frame(growth, year):
        return pl.DataFrame({"township_code": ["ALL"], "poor_persons": [400], "incidence_pct": [0.5],
                             "income_growth_pct": [growth], "income_year": [year], "target_progress_pct": [50.0],
                             "balance_rate_pct": [40.0], "completion_pct": [30.0]})

    same = {t["key"]: t for t in pres.county_kpis(frame(15.8, 2020), frame(15.8, 2020))}
    assert same["income_growth_pct"]["delta"] == "年度指标（2020年）"
    assert same["income_growth_pct"]["colour"] == pres.NEUTRAL
    assert same["poor_persons"]["delta"] == "本季 持平"
    new_year = {t["key"]: t for t in pres.county_kpis(frame(15.8, 2020), frame(12.3, 2019))}
    assert new_year["income_growth_pct"]["delta"] == "本季 +3.5 个百分点"


def test_quarterly_page_defaults_to_the_current_quarter_and_walks_slides(app_page):
    at = app_page("pages/quarterly.py")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "季讲评"
    assert at.selectbox(key="quarter").value == "2020Q4"
    assert [s.value for s in at.subheader] == ["讲评 PowerPoint", "幻灯片预览"]
    at.button(key="start-presenting").click().run()
    assert not at.exception
    assert "全县主要指标" in at.markdown[0].value and "第 1 / 6 页" in at.markdown[0].value
    at.button(key="slide-next").click().run()
    assert "挂图作战" in at.markdown[0].value
    at.button(key="slide-prev").click().run()
    at.button(key="slide-prev").click().run()  # stays on the first slide
    assert "全县主要指标" in at.markdown[0].value
    at.button(key="slide-end").click().run()
    assert "综合排名" in at.markdown[0].value and "第 6 / 6 页" in at.markdown[0].value
    at.button(key="slide-next").click().run()  # → on the last slide stays there
    assert "综合排名" in at.markdown[0].value
    at.button(key="slide-home").click().run()
    assert "全县主要指标" in at.markdown[0].value
    at.button(key="slide-space").click().run()
    assert "挂图作战：各乡镇贫困发生率" in at.markdown[0].value
    at.button(key="slide-exit").click().run()
    assert at.title[0].value == "季讲评"


def test_quarterly_page_for_an_earlier_quarter(app_page):
    at = app_page("pages/quarterly.py")
    at.selectbox(key="quarter").set_value("2020Q2").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("2020年06月30日" in c.value for c in at.caption)


@pytest.mark.browser
@pytest.mark.parametrize("width,height", [(1920, 1080), (1024, 768)])
def test_presentation_mode_in_a_browser_with_the_keyboard(server, browser, width, height):
    from conftest import OfflinePage, open_signed_in

    tab = OfflinePage(browser, width=width, height=height)
    try:
        page = open_signed_in(tab, f"{server}/quarterly", "季讲评")
        assert not tab.error_boxes()
        page.get_by_role("button", name="进入演示模式").click()
        tab.wait_idle()
        title = page.locator(".slide-title")
        assert title.inner_text() == "全县主要指标"
        assert not page.locator("[data-testid=stSidebar]").is_visible()
        # the control bar is out of the picture until the mouse goes to it
        controls = page.locator(".st-key-slide-controls")
        assert controls.evaluate("e => getComputedStyle(e).opacity") == "0"
        if width == 1920:  # numbers readable from the back of the room
            for selector in (".kpi-value", ".kpi-delta"):
                px = page.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
                assert px >= 28, selector
        tab.screenshot(f"quarterly_present_kpis_{width}")
        steps = [("ArrowRight", "挂图作战：各乡镇贫困发生率"), ("PageDown", "一升一降"), ("ArrowRight", "资金"),
                 ("ArrowLeft", "一升一降"), ("PageUp", "挂图作战：各乡镇贫困发生率")]
        for key, expected in steps:
            page.keyboard.press(key)
            tab.wait_idle(800)
            assert title.inner_text() == expected, key
        tab.wait_idle(2500)
        assert page.locator(".js-plotly-plot .maplibregl-canvas, .js-plotly-plot canvas").count() >= 1, \
            "the map slide shows the map (the demo county has boundaries)"
        tab.screenshot(f"quarterly_present_map_{width}")
        page.keyboard.press("Space")
        tab.wait_idle(800)
        assert title.inner_text() == "一升一降"
        if width == 1920:
            sizes = page.locator(".js-plotly-plot text.bartext").evaluate_all(
                "els => els.map(e => parseFloat(e.style.fontSize || getComputedStyle(e).fontSize))")
            assert sizes and min(sizes) >= 28, sizes
        tab.screenshot(f"quarterly_present_rise_fall_{width}")
        page.keyboard.press("End")
        tab.wait_idle(800)
        assert title.inner_text() == "综合排名"
        page.keyboard.press("ArrowRight")
        tab.wait_idle(800)
        assert title.inner_text() == "综合排名"  # → on the last slide stays
        page.keyboard.press("Home")
        tab.wait_idle(800)
        assert title.inner_text() == "全县主要指标"
        assert not tab.error_boxes()
        page.keyboard.press("Escape")
        tab.wait_idle()
        assert page.get_by_role("heading", name="季讲评").count() == 1
        tab.screenshot(f"quarterly_{width}")
    finally:
        tab.close()
    assert not tab.foreign, tab.foreign[:5]
