"""挂图作战 page: AppTest through the real shell, and the map in headless Chromium with no internet."""

from __future__ import annotations

import json
import re

import pytest

PAGE = "pages/battle_map.py"


def test_county_map_renders_with_the_indicator_picker_and_export_buttons(app_page):
    at = app_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "挂图作战 · 全县"
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["下载地图 PNG", "下载 A3 打印版 PDF"]
    assert "点击地图上的乡镇" in " ".join(c.value for c in at.caption)


def test_picking_an_indicator_recolours_the_map(app_page):
    at = app_page(PAGE)
    at.segmented_control(key="map_metric").set_value("completion_pct").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["data"][0]["colorbar"]["title"]["text"] == "项目完工率（%）"


def test_a_township_in_the_filter_shows_its_villages(app_page):
    at = app_page(PAGE, query={"township": "431299103"})
    assert not at.exception
    assert at.title[0].value == "挂图作战 · 白沙镇"
    assert at.subheader[0].value == "白沙镇：各村情况"
    village_table = at.dataframe[0].value
    assert "贫困人口（人）" in village_table.columns and len(village_table) > 0
    assert any(b.label == "返回全县地图" for b in at.button)
    villages = [t for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"] if t.get("mode") == "markers+text"]
    assert villages and {t["name"] for t in villages} <= {"未出列贫困村", "已出列贫困村", "非贫困村"}


def test_replay_view_offers_a_month_animation(app_page):
    at = app_page(PAGE)
    at.segmented_control(key="map_view").set_value("replay").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    months = [f["name"] for f in spec["frames"]]
    assert months[0] == "2014-01" and months[-1] == "2020-11"


def open_map(server, offline_page):
    """Sign in on the start page, then go to 挂图作战 through the navigation (one browser session)."""
    page = offline_page.open(f"{server}/")
    page.locator("[data-testid=stSidebarNav] a", has_text="挂图作战").first.click()
    offline_page.wait_idle(1500)
    page.wait_for_selector(".js-plotly-plot canvas", timeout=60_000)
    offline_page.wait_idle(2500)
    return page


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 1024])
def test_map_in_headless_chromium_offline(server, offline_page, width):
    offline_page.page.set_viewport_size({"width": width, "height": 900})
    page = open_map(server, offline_page)
    assert not offline_page.error_boxes()
    text = page.inner_text("body")
    assert "挂图作战" in text and "着色指标" in text
    offline_page.screenshot(f"map_county_{width}")


def township_on_screen(page, index: int) -> dict:
    """Where township `index` of the click trace (markers under the names) is drawn, in page pixels."""
    return page.evaluate("""(k) => { const gd = document.querySelector('.js-plotly-plot');
      const t = gd.data.find(t => t.name === '乡镇点选'); const m = gd._fullLayout.map._subplot.map;
      const p = m.project([t.lon[k], t.lat[k]]); const r = m.getCanvas().getBoundingClientRect();
      return {code: t.customdata[k], x: r.left + p.x, y: r.top + p.y}; }""", index)


@pytest.mark.browser
def test_clicking_a_township_selects_it_and_shows_its_villages(server, offline_page):
    """A real click on a township's name on the map drills down: the title, the sidebar filter (in the URL)
    and the village section change to that township. Fails when the click does nothing."""
    offline_page.page.set_viewport_size({"width": 1024, "height": 1400})  # the whole map on screen
    page = open_map(server, offline_page)
    assert page.locator("h1").first.inner_text() == "挂图作战 · 全县"
    target = township_on_screen(page, 3)
    names = json.loads(page.evaluate("() => JSON.stringify(document.querySelector('.js-plotly-plot').data"
                                     ".find(t => t.name === '乡镇点选').text)"))
    name = re.search(r"<b>(.*?)</b>", names[3]).group(1)
    page.mouse.move(target["x"] - 8, target["y"] - 8)
    page.wait_for_timeout(300)
    page.mouse.move(target["x"], target["y"])
    page.wait_for_timeout(800)
    assert page.locator(".hoverlayer .hovertext").count() == 1, "hovering a township shows its figures"
    page.mouse.click(target["x"], target["y"])
    offline_page.wait_idle(2500)
    assert not offline_page.error_boxes()
    title = page.locator("h1").first.inner_text()
    assert title.startswith("挂图作战 · ") and title != "挂图作战 · 全县", "the click must open the township"
    township = title.split(" · ")[1]
    assert township == name, "the township clicked, not another"
    assert page.get_by_text(f"{township}：各村情况").count() == 1
    assert "township=" in page.url
    offline_page.screenshot("map_township_selected")


@pytest.mark.browser
def test_replay_in_headless_chromium_offline(server, offline_page):
    page = open_map(server, offline_page)
    page.get_by_text("按月回放（2014 年起）").click()
    offline_page.wait_idle(2500)
    page.wait_for_selector(".js-plotly-plot .slider-container", timeout=30_000)
    assert not offline_page.error_boxes()
    assert "月份：2020年11月" in page.inner_text(".js-plotly-plot")
    offline_page.screenshot("map_replay")
