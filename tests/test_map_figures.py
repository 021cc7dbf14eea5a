"""挂图作战 figure builders and geometry, without Streamlit: colours, labels, outlines, villages, replay, print."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import shapely
from shapely.geometry import Point, box, mapping, shape

from components import map_figures as mf
from components import map_geometry as geo
from queries.metrics import METRICS

# Three townships side by side, 0.1 degree squares.
BOUNDARIES = pl.DataFrame({
    "township_code": ["T1", "T2", "T3"],
    "township_name": ["东乡", "西镇", "南乡"],
    "geometry": [json.dumps(mapping(box(110 + 0.1 * i, 27, 110.1 + 0.1 * i, 27.1))) for i in range(3)],
})


def indicators(**overrides) -> pl.DataFrame:
    base = {
        "township_code": ["T1", "T2", "T3", "ALL"], "township_name": ["东乡", "西镇", "南乡", "全县"],
        "poor_persons": [120, 40, 0, 160], "incidence_pct": [6.0, 2.0, 0.0, 2.6], "incidence_drop_pp": [1.0, 3.0, None, 2.0],
        "income_growth_pct": [8.0, 12.0, 10.0, 10.0], "target_progress_pct": [40.0, 95.0, None, 70.0],
        "time_progress_pct": [87.7] * 4, "target_exit_persons": [100, 50, 0, 150], "exited_persons_ytd": [40, 48, 0, 88],
        "balance_rate_pct": [30.0, 5.0, None, 20.0], "completion_pct": [50.0, 90.0, None, 70.0],
        "score": [20.0, 90.0, 50.0, None], "rank": [3, 1, 2, None], "lagging": [True, False, False, False],
    }
    base.update(overrides)
    return pl.DataFrame(base)


def trace(fig, kind: str, mode: str | None = None):
    return [t for t in fig.data if t.type == kind and (mode is None or t.mode == mode)]


def test_lower_is_better_indicator_puts_red_at_the_high_end():
    scale = mf.colour_scale(METRICS["incidence_pct"])
    assert scale[0][0] == 0 and scale[-1][0] == 1
    red, green = "#d84343", "#3f9b4a"
    assert scale[-1][1] == red and scale[0][1] == green
    scale = mf.colour_scale(METRICS["completion_pct"])
    assert scale[0][1] == red and scale[-1][1] == green


def test_map_colours_townships_by_the_chosen_indicator_and_skips_the_county_row():
    fig = mf.township_map(indicators(), BOUNDARIES, "incidence_pct")
    main = fig.data[mf.TOWNSHIP_CURVE]
    assert main.type == "choroplethmap"
    assert list(main.locations) == ["T1", "T2", "T3"]
    assert list(main.z) == [6.0, 2.0, 0.0]
    assert (main.zmin, main.zmax) == (0.0, 6.0)
    assert main.colorbar.title.text == "贫困发生率（%）"


def test_map_is_offline_blank_style_without_sources_or_glyphs():
    fig = mf.township_map(indicators(), BOUNDARIES, "incidence_pct")
    style = fig.layout.map.style
    assert style["sources"] == {} and "glyphs" not in style and "sprite" not in style
    assert all(t.type in ("choroplethmap", "scattermap") for t in fig.data)
    assert "http" not in json.dumps(fig.to_plotly_json()["layout"]["map"])


def test_townships_without_a_value_are_grey_and_say_so():
    fig = mf.township_map(indicators(), BOUNDARIES, "completion_pct")
    blank = [t for t in fig.data if t.type == "choroplethmap" and t.name == "无数据"][0]
    assert list(blank.locations) == ["T3"]
    labels = trace(fig, "scattermap", "text")[0].text
    assert "南乡<br>无数据" in labels


def test_labels_carry_name_value_with_unit_and_lagging_mark_only_on_the_target_progress_map():
    fig = mf.township_map(indicators(), BOUNDARIES, "incidence_drop_pp")
    labels = list(trace(fig, "scattermap", "text")[0].text)
    assert labels[0] == "东乡<br>1.00个百分点"  # lagging is about 年度目标进度, not about 一降
    assert labels[1] == "西镇<br>3.00个百分点"
    labels = list(trace(mf.township_map(indicators(), BOUNDARIES, "target_progress_pct"), "scattermap", "text")[0].text)
    assert labels[0] == "东乡<br>40.0% 滞后" and labels[1] == "西镇<br>95.0%"


def test_label_points_lie_inside_their_township():
    fig = mf.township_map(indicators(), BOUNDARIES, "score")
    labels = trace(fig, "scattermap", "text")[0]
    for lon, lat, text in zip(labels.lon, labels.lat, labels.text):
        code = {"东乡": "T1", "西镇": "T2", "南乡": "T3"}[text.split("<br>")[0]]
        polygon = shape(json.loads(BOUNDARIES.filter(pl.col("township_code") == code)["geometry"][0]))
        assert polygon.contains(Point(lon, lat))


def test_lagging_townships_are_outlined_in_red_on_the_target_map_or_when_asked():
    for fig in (mf.township_map(indicators(), BOUNDARIES, "target_progress_pct"),
                mf.township_map(indicators(), BOUNDARIES, "incidence_pct", lagging_layer=True)):
        layers = fig.layout.map.layers
        assert len(layers) == 1 and layers[0].color == mf.LAG_LINE
        assert [f["id"] for f in layers[0].source["features"]] == ["T1"]
        assert [t.name for t in fig.data if t.showlegend] == ["红色粗框：滞后乡镇（年度目标进度落后时间进度）"]
    plain = mf.township_map(indicators(), BOUNDARIES, "incidence_pct")  # another indicator: no red frame
    assert len(plain.layout.map.layers) == 0 and not [t for t in plain.data if t.showlegend]
    calm = mf.township_map(indicators(lagging=[False] * 4), BOUNDARIES, "target_progress_pct")
    assert len(calm.layout.map.layers) == 0


def test_target_progress_scale_is_centred_on_time_progress():
    fig = mf.township_map(indicators(), BOUNDARIES, "target_progress_pct")
    main = fig.data[mf.TOWNSHIP_CURVE]
    assert (main.zmin + main.zmax) / 2 == pytest.approx(87.7)
    assert main.zmin <= 40.0  # the lagging township sits at the red end


def test_hover_shows_key_figures():
    fig = mf.township_map(indicators(), BOUNDARIES, "score")
    hover = fig.data[mf.TOWNSHIP_CURVE].text[0]
    for part in ("东乡", "滞后", "贫困人口 120 人", "贫困发生率 6.00%", "已脱贫 40 / 计划 100 人", "综合得分 20.0 分（第 3 名）"):
        assert part in hover


VILLAGES = pl.DataFrame({
    "village_code": ["V1", "V2", "V3"], "village_name": ["甲村", "乙村", "丙村"], "township_code": ["T2"] * 3,
    "is_poor_village": [True, True, False], "exit_year": [2019, None, None], "exited": [True, False, False],
    "village_status": ["已出列贫困村", "未出列贫困村", "非贫困村"], "rural_population": [800, 900, 700],
    "poor_persons": [10, 40, 0], "poor_households": [4, 15, 0], "incidence_pct": [1.25, 4.44, 0.0],
    "first_secretary": ["张三", None, None],
})


def test_selected_township_shows_its_villages_inside_it_sized_and_coloured():
    fig = mf.township_map(indicators(), BOUNDARIES, "incidence_pct", selected="T2", villages=VILLAGES)
    markers = {t.name: t for t in trace(fig, "scattermap", "markers+text")}
    assert set(markers) == {"已出列贫困村", "未出列贫困村", "非贫困村"}
    assert markers["未出列贫困村"].marker.color == mf.VILLAGE_COLOURS["未出列贫困村"]
    assert markers["未出列贫困村"].marker.size[0] == pytest.approx(34)  # the poorest village: biggest
    assert markers["非贫困村"].marker.size[0] == pytest.approx(7)  # no poor persons: smallest
    assert markers["已出列贫困村"].marker.size[0] == pytest.approx(7 + 27 * 0.5)  # a quarter of the poorest
    township = box(110.1, 27, 110.2, 27.1)
    for t in markers.values():
        assert all(township.contains(Point(x, y)) for x, y in zip(t.lon, t.lat))
    assert fig.layout.map.layers[-1].color == mf.SELECTED_LINE
    assert fig.layout.map.center.lon == pytest.approx(110.15)  # zoomed to the township


def test_village_points_are_deterministic_distinct_and_inside_a_concave_township():
    crescent = Point(0, 0).buffer(1).difference(Point(0.5, 0).buffer(0.9))
    codes = [f"4312991010{i:02d}" for i in range(25)]
    first = geo.village_points(crescent, codes)
    assert first == geo.village_points(crescent, codes)
    assert geo.village_points(crescent, codes[:3]) == first[:3]  # a village keeps its place
    assert len(set(first)) == 25
    assert all(crescent.contains(Point(p)) for p in first)


def test_fit_view_zoom_shows_the_bounds():
    view = geo.fit_view((110.0, 27.0, 110.8, 27.6), 800, 600, padding=0)
    world = 512 * 2 ** view.zoom  # px at this zoom
    width = world * 0.8 / 360
    height = world * (geo._mercator_y(27.6) - geo._mercator_y(27.0)) / (2 * math.pi)
    assert width <= 800.5 and height <= 600.5
    assert max(width / 800, height / 600) == pytest.approx(1, abs=0.005)  # as large as fits
    assert view.lon == pytest.approx(110.4)
    assert 27.0 < view.lat < 27.6


MONTHLY = pl.DataFrame({
    "township_code": ["T1", "T2", "T3"] * 2, "township_name": ["东乡", "西镇", "南乡"] * 2,
    "month": ["2014-01"] * 3 + ["2014-02"] * 3,
    "month_end": [dt.date(2014, 1, 31)] * 3 + [dt.date(2014, 2, 28)] * 3,
    "poor_persons": [100, 50, 10, 80, 50, 0], "incidence_pct": [5.0, 2.5, 0.5, 4.0, 2.5, 0.0],
    "incidence_drop_pp": [0.0, 0.0, 0.0, 1.0, 0.0, 0.5],
})


def test_monthly_replay_has_one_frame_per_month_and_a_fixed_colour_range():
    fig = mf.monthly_map(MONTHLY, BOUNDARIES, "poor_persons")
    assert [f.name for f in fig.frames] == ["2014-01", "2014-02"]
    assert list(fig.frames[0].data[0].z) == [100, 50, 10]
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0, 100)
    assert list(fig.data[0].z) == [80, 50, 0]  # opens on the latest month
    assert [s.label for s in fig.layout.sliders[0].steps] == ["2014年1月", "2014年2月"]
    assert fig.layout.updatemenus[0].buttons[0].label == "▶ 播放"
    assert fig.frames[1].data[1].text[0] == "东乡<br>80人"


def test_print_sheet_is_a3_landscape_with_title_date_and_legend():
    fig = mf.township_map(indicators(), BOUNDARIES, "incidence_pct")
    sheet = mf.print_sheet(fig, "演示县挂图作战图", dt.date(2020, 11, 16), note="红色粗框：滞后乡镇")
    assert (sheet.layout.width, sheet.layout.height) == (1587, 1123)  # 420 x 297 mm at 96 dpi
    assert "演示县挂图作战图" in sheet.layout.title.text and "2020年11月16日" in sheet.layout.title.text
    assert sheet.data[0].colorbar.title.text == "贫困发生率（%）"
    assert sheet.layout.annotations[0].text == "红色粗框：滞后乡镇"
    assert not [t for t in sheet.data if t.name == mf.CLICK_TRACE]  # paper takes no clicks
    assert fig.layout.width is None  # the screen figure is untouched


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian chromium")
def test_png_export_renders_offline_without_mathjax(tmp_path):
    import kaleido

    from components import map_export

    page = kaleido.PageGenerator(**map_export.KALEIDO_OPTIONS).generate_index()
    assert "https://" not in page and "mathjax" not in page.lower()  # plotly.js from file://, no MathJax
    fig = mf.township_map(indicators(), BOUNDARIES, "incidence_pct")
    png = map_export.map_png(fig, 800, 600)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    out = Path(__file__).parent / "screenshots"
    out.mkdir(exist_ok=True)
    (out / "map_export.png").write_bytes(png)


def test_crowded_townships_keep_every_name_with_no_two_labels_overlapping():
    """A county with one big township and four slivers along its edge (a real county lost 3 of 20 names to
    MapLibre's collision culling): every name is drawn and no two label boxes overlap at the fitted view."""
    big = box(110.0, 27.0, 111.0, 28.0)
    slivers = [box(111.0, 27.5 + 0.012 * i, 111.03, 27.512 + 0.012 * i) for i in range(4)]
    names = ["大山镇", "甲乡", "乙乡", "丙乡", "丁乡"]
    bounds = pl.DataFrame({"township_code": [f"T{i}" for i in range(5)], "township_name": names,
                           "geometry": [json.dumps(mapping(g)) for g in (big, *slivers)]})
    frame = pl.DataFrame({"township_code": [f"T{i}" for i in range(5)], "township_name": names,
                          "incidence_pct": [1.0, 2.0, 3.0, 4.0, 5.0], "time_progress_pct": [80.0] * 5,
                          "lagging": [False] * 5})
    fig = mf.township_map(frame, bounds, "incidence_pct")
    labels = trace(fig, "scattermap", "text")[0]
    assert sorted(t.split("<br>")[0] for t in labels.text) == sorted(names)
    zoom = fig.layout.map.zoom
    boxes = []
    for lon, lat, text in zip(labels.lon, labels.lat, labels.text):
        x, y = geo.to_px(lon, lat, zoom)
        w, h = geo.text_box(text.split("<br>"), 12)
        boxes.append(box(x - w / 2 + 2, y - h / 2 + 2, x + w / 2 - 2, y + h / 2 - 2))  # without the padding
    overlaps = [(names[i], names[j]) for i in range(5) for j in range(i + 1, 5) if boxes[i].intersects(boxes[j])]
    assert not overlaps
    # the click target under each name follows its label
    clicks = [t for t in fig.data if t.name == mf.CLICK_TRACE]
    assert [(t.lon[0], t.lat[0], t.customdata[0]) for t in clicks] == [
        (lon, lat, f"T{i}") for i, (lon, lat) in enumerate(zip(labels.lon, labels.lat))]


def test_every_point_inside_a_township_is_a_click_on_that_township():
    """Clicks land on markers (the choropleth itself takes none in the browser): a grid of them covers each
    township, so a pointer anywhere inside one is within Plotly's 20 px hover distance of a marker of that
    township, and the nearest marker is that township's unless the pointer is within a grid step of a border."""
    ell = box(110, 27.1, 110.3, 27.2).difference(box(110.1, 27.13, 110.3, 27.2))  # concave: an L along two sides
    bounds = pl.concat([BOUNDARIES, pl.DataFrame({"township_code": ["T4"], "township_name": ["北乡"],
                                                   "geometry": [json.dumps(mapping(ell))]})])
    frame = pl.concat([indicators().filter(pl.col("township_code") != "ALL"), indicators().filter(
        pl.col("township_code") == "T3").with_columns(township_code=pl.lit("T4"), township_name=pl.lit("北乡"))])
    fig = mf.township_map(frame, bounds, "incidence_pct")
    zoom = fig.layout.map.zoom
    clicks = [t for t in fig.data if t.name == mf.CLICK_TRACE]
    assert sorted(t.customdata[0] for t in clicks) == ["T1", "T2", "T3", "T4"]
    markers = [(*geo.to_px(lon, lat, zoom), code) for t in clicks for lon, lat, code in zip(t.lon, t.lat, t.customdata)]
    assert all(len(set(t.customdata)) == 1 for t in clicks)
    xy = np.array([m[:2] for m in markers])
    rng = np.random.default_rng(7)
    shapes = geo.shapes(bounds)
    for code, geom in shapes.items():
        step_in = geom.buffer(-0.004)  # a few px from the border (0.004 degrees ≈ 5 px at this zoom)
        lons = rng.uniform(geom.bounds[0], geom.bounds[2], 400)
        lats = rng.uniform(geom.bounds[1], geom.bounds[3], 400)
        for lon, lat in zip(lons, lats):
            if not step_in.contains(Point(lon, lat)):
                continue
            px = np.array(geo.to_px(lon, lat, zoom))
            distances = np.hypot(*(xy - px).T)
            nearest = int(distances.argmin())
            assert distances[nearest] <= 20, (code, lon, lat)
            if distances[nearest] < 0.5 * mf.CLICK_GRID_PX or not geom.buffer(-0.012).contains(Point(lon, lat)):
                continue
            assert markers[nearest][2] == code, (code, lon, lat)
    # grid markers sit inside their own township
    for t in clicks:
        geom = shapes[t.customdata[0]]
        assert all(geom.contains(Point(lon, lat)) for lon, lat in zip(t.lon[1:], t.lat[1:]))
        assert len(t.lon) > 10 and t.hovertext.startswith("<b>")


def test_a_phone_gets_a_map_fitted_to_its_narrow_column():
    phone = mf.screen_size_for("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                               "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
    laptop = mf.screen_size_for("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                                "Chrome/120.0.0.0 Safari/537.36")
    assert phone["width_hint"] < 390 and laptop == mf.screen_size_for(None) == {"width_hint": 600, "height": 620}
    wide, narrow = (mf.township_map(indicators(), BOUNDARIES, "incidence_pct", **size) for size in (laptop, phone))
    assert narrow.layout.map.zoom < wide.layout.map.zoom  # zoomed out to fit the phone
    assert narrow.layout.height == phone["height"]
