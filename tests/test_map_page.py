"""挂图作战 page: AppTest through the real shell, and the map in headless Chromium with no internet."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import shape

from conftest import OfflinePage

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
    link = page.locator("[data-testid=stSidebarNav] a", has_text="挂图作战").first
    if offline_page.page.viewport_size["width"] > 600:
        link.click()
    else:  # a phone: the sidebar is folded away
        page.goto(f"{server}/battle_map")
        offline_page.wait_idle(1500)
        if page.get_by_label("用户名").count():
            offline_page.login("secretary", "demo")
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
    names = sorted(f["name"] for f in page.evaluate(MAP_STATE)["features"])
    assert sorted(page.evaluate(RENDERED_NAMES)) == names, "every township's name is drawn"
    offline_page.screenshot(f"map_county_{width}")


# The drawn map: each township's polygon, where its name is (the first marker of its click trace) and the
# map canvas's page rectangle; projections go through MapLibre itself.
MAP_STATE = """() => { const gd = document.querySelector('.js-plotly-plot'); const m = gd._fullLayout.map._subplot.map;
  const r = m.getCanvas().getBoundingClientRect();
  const names = Object.fromEntries(gd.data.filter(t => t.name === '乡镇点选').map(t => [t.customdata[0], [t.lon[0], t.lat[0]]]));
  return {canvas: [r.left, r.top, r.width, r.height], names,
          features: gd.data[0].geojson.features.map(f => ({id: f.id, name: f.properties.name, geometry: f.geometry}))}; }"""
# The names MapLibre actually drew (a label whose box collides with another's is silently dropped).
RENDERED_NAMES = """() => { const m = document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;
  const layers = m.getStyle().layers.filter(l => l.type === 'symbol').map(l => l.id);
  return m.queryRenderedFeatures({layers}).map(f => String(f.properties.text || '').split('\\n')[0]).filter(t => t); }"""
PROJECT = """(ll) => { const m = document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;
  const r = m.getCanvas().getBoundingClientRect(); return ll.map(([lon, lat]) => { const p = m.project([lon, lat]);
  return [r.left + p.x, r.top + p.y]; }); }"""


def point_inside_away_from_label(page, state: dict) -> tuple[str, str, float, float]:
    """A township and a page point well inside its polygon (≥ 18 px from its border) and ≥ 70 px from its name,
    worked out from the geometry: candidates on a lon/lat grid, projected by the map, the one farthest from
    the name kept. Returns (code, name, x, y)."""
    from shapely.geometry import Point, Polygon

    left, top, width, height = state["canvas"]
    for feature in sorted(state["features"], key=lambda f: -shape(f["geometry"]).area):
        geom = shape(feature["geometry"])
        minx, miny, maxx, maxy = geom.bounds
        grid = [(minx + (maxx - minx) * i / 24, miny + (maxy - miny) * j / 24) for i in range(25) for j in range(25)]
        grid = [p for p in grid if geom.contains(Point(p))]
        pixels = page.evaluate(PROJECT, [list(p) for p in grid])
        outline = Polygon(page.evaluate(PROJECT, [list(c) for c in geo_exterior(geom)]))
        label = page.evaluate(PROJECT, [state["names"][feature["id"]]])[0]
        best = None
        for x, y in pixels:
            inside_canvas = left + 20 < x < left + width - 20 and top + 20 < y < top + height - 20
            far = ((x - label[0]) ** 2 + (y - label[1]) ** 2) ** 0.5
            if inside_canvas and far >= 70 and outline.exterior.distance(Point(x, y)) >= 18 and \
                    outline.contains(Point(x, y)) and (best is None or far > best[0]):
                best = (far, x, y)
        if best:
            return feature["id"], feature["name"], best[1], best[2]
    raise AssertionError("no township with room away from its name")


def geo_exterior(geom):
    part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    return list(part.exterior.coords)


@pytest.mark.browser
def test_clicking_inside_a_township_away_from_its_name_opens_it(server, offline_page):
    """A real click well inside a township's polygon, away from its name, drills down: the title, the sidebar
    filter (in the URL) and the village section change to that township; hovering there first shows its
    figures. Fails when the click does nothing."""
    offline_page.page.set_viewport_size({"width": 1024, "height": 1400})  # the whole map on screen
    page = open_map(server, offline_page)
    assert page.locator("h1").first.inner_text() == "挂图作战 · 全县"
    code, name, x, y = point_inside_away_from_label(page, page.evaluate(MAP_STATE))
    page.mouse.move(x - 6, y - 6)
    page.wait_for_timeout(300)
    page.mouse.move(x, y)
    page.wait_for_timeout(800)
    hover = page.locator(".hoverlayer .hovertext")
    assert hover.count() == 1 and name in hover.text_content(), "hovering inside a township shows its figures"
    page.mouse.click(x, y)
    offline_page.wait_idle(2500)
    assert not offline_page.error_boxes()
    title = page.locator("h1").first.inner_text()
    assert title == f"挂图作战 · {name}", f"the click at ({x:.0f}, {y:.0f}) inside {name} must open it: {title}"
    assert page.get_by_text(f"{name}：各村情况").count() == 1
    assert "township=" in page.url
    offline_page.screenshot("map_township_selected")


PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
            "Mobile Safari/537.36")


@pytest.mark.browser
def test_the_whole_county_and_every_name_fit_a_phone(server, browser):
    """On a 390 px phone the map is fitted to the phone's column: every township and every name on screen
    (fitted to a laptop's width the phone showed the middle of the county, names cut at both sides)."""
    tab = OfflinePage(browser, width=390, height=844, user_agent=PHONE_UA)
    try:
        page = open_map(server, tab)
        assert not tab.error_boxes()
        state = page.evaluate(MAP_STATE)
        left, top, width, height = state["canvas"]
        labels = page.evaluate("""() => { const gd = document.querySelector('.js-plotly-plot');
          const t = gd.data.find(t => t.name === '乡镇名称'); return t.lon.map((lon, i) => [lon, t.lat[i], t.text[i]]); }""")
        assert len(labels) == len(state["features"])
        assert sorted(page.evaluate(RENDERED_NAMES)) == sorted(f["name"] for f in state["features"]), \
            "every township's name is drawn (none dropped by MapLibre as colliding)"
        corners = page.evaluate(PROJECT, [[lon, lat] for f in state["features"] for lon, lat in geo_exterior(
            shape(f["geometry"]))])
        assert all(left - 1 <= x <= left + width + 1 for x, _ in corners), "a township runs off the phone's map"
        for (x, y), (_, _, text) in zip(page.evaluate(PROJECT, [l[:2] for l in labels]), labels):
            half = 12 * max(len(line) for line in text.split("<br>")) / 2 * 0.8  # CJK 1 em, digits narrower
            assert left <= x - half and x + half <= left + width, f"{text} cut at the side of the phone's map"
        tab.screenshot("map_county_phone_390")
    finally:
        tab.close()
    assert not tab.foreign


# The boxes of the replay's controls as drawn: the colour bar, the two buttons, the slider's 月份 label, its rail and
# its tick labels.
REPLAY_CONTROLS = """() => { const box = (what, e) => { const b = e.getBoundingClientRect();
    return [what, b.left, b.top, b.right, b.bottom]; };
  const all = s => [...document.querySelectorAll('.js-plotly-plot ' + s)];
  const current = all('.slider-container text').filter(e => e.textContent.startsWith('月份'));
  return [...all('g.colorbar').map(e => box('colour bar', e)), ...all('g.updatemenu-button').map(e => box('button', e)),
          ...current.map(e => box('month label', e)), ...all('rect.slider-rail-rect').map(e => box('rail', e)),
          ...all('g.slider-label-group').map(e => box('tick label ' + e.textContent, e))]; }"""


@pytest.mark.browser
@pytest.mark.parametrize("phone", [False, True], ids=["1024px", "phone"])
def test_replay_in_headless_chromium_offline(server, browser, phone):
    """The month replay renders offline, and none of its controls is drawn over another (the colour bar's ticks ran
    into the slider's 月份 label, and the buttons over the rail's start, at 1024 px and on a phone)."""
    tab = OfflinePage(browser, width=390 if phone else 1024, height=844 if phone else 768,
                      user_agent=PHONE_UA if phone else None)
    try:
        page = open_map(server, tab)
        page.get_by_text("按月回放（2014 年起）").click()
        tab.wait_idle(2500)
        page.wait_for_selector(".js-plotly-plot .slider-container", timeout=30_000)
        assert not tab.error_boxes()
        assert "月份：2020年11月" in page.inner_text(".js-plotly-plot")
        boxes = page.evaluate(REPLAY_CONTROLS)
        kinds = {b[0].split(" 20")[0] for b in boxes}
        assert {"colour bar", "button", "month label", "rail", "tick label"} <= kinds, kinds
        plot = page.locator(".js-plotly-plot").first.bounding_box()
        for i, (what, left, top, right, bottom) in enumerate(boxes):
            assert plot["x"] - 1 <= left and right <= plot["x"] + plot["width"] + 1, f"{what} cut at the side"
            for other, l2, t2, r2, b2 in boxes[i + 1:]:
                overlap = min(right, r2) - max(left, l2) > 1 and min(bottom, b2) - max(top, t2) > 1
                assert not overlap, f"{what} drawn over {other}"
        tab.screenshot("map_replay_phone" if phone else "map_replay")
    finally:
        tab.close()
