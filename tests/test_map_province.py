"""挂图作战 at province scale (issue 18): geometry worked out once per boundary version, equal to the per-view
computation it replaces; above long_lists.DRAWN_MAX townships every township coloured, names only where they fit
(and the viewer's own), one click trace; and the page does no geometry on a second view."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import plotly.io as pio
import polars as pl
import pytest
import shapely
from shapely.geometry import Point, box, mapping

from components import map_figures as mf
from components import map_geometry as geo
from components.long_lists import DRAWN_MAX
from tests.test_map_figures import BOUNDARIES as COUNTY, VILLAGES
from tests.test_map_figures import indicators as county_indicators


def province(tiny_rows: int = 48, tiny_cols: int = 48) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A crowded province: a grid of tiny square townships (0.02 degrees, about 12 px on a laptop's map, too small
    for a name) and, east of it, three big ones (0.4 degrees) that hold their names easily. Boundaries and
    indicators (one in nine without a value, one in five lagging)."""
    geoms, names = [], []
    for i in range(tiny_rows):
        for j in range(tiny_cols):
            geoms.append(box(110 + 0.02 * j, 27 + 0.02 * i, 110.02 + 0.02 * j, 27.02 + 0.02 * i))
            names.append(f"小{i}-{j}乡")
    for k in range(3):
        geoms.append(box(111.0, 27 + 0.32 * k, 111.4, 27.3 + 0.32 * k))
        names.append(f"大{k}镇")
    codes = [f"4300{n:05d}" for n in range(len(geoms))]
    boundaries = pl.DataFrame({"township_code": codes, "township_name": names,
                               "geometry": [json.dumps(mapping(g)) for g in geoms]})
    n = len(codes)
    values = [None if i % 9 == 4 else round((i * 37 % 100) / 7, 2) for i in range(n)]
    indicators = pl.DataFrame({
        "township_code": codes + ["ALL"], "township_name": names + ["全省"],
        "poor_persons": list(range(n)) + [0], "incidence_pct": values + [3.0],
        "incidence_drop_pp": [1.0] * (n + 1), "income_growth_pct": [8.0] * (n + 1),
        "target_progress_pct": [40.0 + i % 60 for i in range(n)] + [70.0], "time_progress_pct": [87.7] * (n + 1),
        "target_exit_persons": [10] * (n + 1), "exited_persons_ytd": [4] * (n + 1),
        "balance_rate_pct": [30.0] * (n + 1), "completion_pct": [50.0] * (n + 1),
        "score": [50.0] * (n + 1), "rank": list(range(1, n + 2)), "lagging": [i % 5 == 0 for i in range(n)] + [False],
    })
    return boundaries, indicators


BOUNDARIES, INDICATORS = province()
NAME = dict(zip(BOUNDARIES["township_code"], BOUNDARIES["township_name"]))
BIG = [c for c, n in zip(BOUNDARIES["township_code"], BOUNDARIES["township_name"]) if n.startswith("大")]
MINE = BOUNDARIES["township_code"][1000]  # a tiny township: its head sees its name anyway


def villages_of(code: str) -> pl.DataFrame:
    return VILLAGES.with_columns(township_code=pl.lit(code), village_code=pl.lit(code) + pl.col("village_code"))


def monthly() -> pl.DataFrame:
    """map_monthly rows: every township in each of two months."""
    codes = BOUNDARIES["township_code"].to_list()
    return pl.DataFrame({
        "township_code": codes * 2, "township_name": [NAME[c] for c in codes] * 2,
        "month": ["2020-01"] * len(codes) + ["2020-02"] * len(codes),
        "poor_persons": list(range(len(codes))) + [n // 2 for n in range(len(codes))],
        "incidence_pct": [None if n % 11 == 3 else n / 100 for n in range(2 * len(codes))],
        "incidence_drop_pp": [0.5] * (2 * len(codes)),
    }).sort("month", "township_code", descending=[False, True])  # the builder sorts


def plain(value):
    """A figure part as JSON would carry it (arrays as lists), to compare two ways of building it."""
    import orjson

    return orjson.loads(orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY))


def test_prepared_boundaries_equal_the_per_view_computation():
    """What prepare keeps per version is what every view used to compute: shapes, label points (polylabel), and
    the GeoJSON of any set of townships (coordinates as arrays, the same numbers once written)."""
    for frame in (COUNTY, BOUNDARIES):
        prepared = geo.prepare(frame)
        assert prepared.codes == tuple(frame["township_code"])
        assert prepared.label_at == {c: (x, y) for c, x, y in geo.label_points(frame).iter_rows()}
        assert all(prepared.shapes[c].equals(s) for c, s in geo.shapes(frame).items())
        for codes in (None, frame["township_code"].to_list()[::7]):
            assert plain(prepared.collection(codes)) == plain(geo.feature_collection(frame, codes))


def test_a_map_from_prepared_boundaries_is_the_map_from_the_frame():
    """The page passes its version's prepared boundaries, the deck and the A3 sheet the frame: one figure."""
    cases = [(COUNTY, county_indicators(), {}), (COUNTY, county_indicators(), {"selected": "T2", "villages": VILLAGES}),
             (BOUNDARIES, INDICATORS, {"mark": MINE}), (BOUNDARIES, INDICATORS, {"lagging_layer": True}),
             (BOUNDARIES, INDICATORS, {"selected": BIG[1], "villages": villages_of(BIG[1])})]
    for frame, indicators, options in cases:
        for key in ("incidence_pct", "target_progress_pct"):
            assert pio.to_json(mf.township_map(indicators, frame, key, **options)) == \
                pio.to_json(mf.township_map(indicators, geo.prepare(frame), key, **options))


def test_a_view_of_prepared_boundaries_works_out_no_geometry(monkeypatch):
    """With the version's prepared boundaries a view builds figures only: no label point, no shape parsed."""
    prepared = geo.prepare(BOUNDARIES)

    def again(*args, **kwargs):
        raise AssertionError("geometry worked out again in a view")

    for name in ("label_point", "shape", "prepare", "shapes", "label_points", "feature_collection"):
        monkeypatch.setattr(geo, name, again)
    mf.township_map(INDICATORS, prepared, "incidence_pct", mark=MINE)
    mf.township_map(INDICATORS, prepared, "incidence_pct", selected=BIG[1], villages=villages_of(BIG[1]))
    mf.monthly_map(monthly(), prepared, "incidence_pct")


def test_click_grid_by_index_finds_what_a_scan_of_every_township_finds():
    """click_grid asks a spatial index which township holds each grid point; the scan it replaced tested every
    township against every point. Same points, same order, at the province's fitted view and zoomed in."""
    shapes = geo.shapes(BOUNDARIES)
    concave = {"L": box(110, 27.1, 110.3, 27.2).difference(box(110.1, 27.13, 110.3, 27.2))}
    for geoms, view in ((shapes, geo.fit_view(geo.total_bounds(shapes.values()), 600, 530)),
                        (shapes, geo.View(lon=110.5, lat=27.5, zoom=10.5)),
                        (concave, geo.fit_view(concave["L"].bounds, 600, 530))):
        grid = geo.click_grid(geoms, view, 600, 530, 14)
        assert grid == scanned_click_grid(geoms, view, 600, 530, 14)
        assert sum(map(len, grid.values())) > 100


def scanned_click_grid(geoms, view, width_px, height_px, step_px, max_points=6000):
    """The click grid as it was computed before issue 18: every township against every grid point."""
    cx, cy = geo.to_px(view.lon, view.lat, view.zoom)
    minx, miny, maxx, maxy = geo.total_bounds(geoms.values())
    left, top = geo.to_px(minx, maxy, view.zoom)
    right, bottom = geo.to_px(maxx, miny, view.zoom)
    left, right = max(left, cx - width_px / 2), min(right, cx + width_px / 2)
    top, bottom = max(top, cy - height_px / 2), min(bottom, cy + height_px / 2)
    step = max(step_px, np.sqrt((right - left) * (bottom - top) / max_points))
    gx, gy = (a.ravel() for a in np.meshgrid(np.arange(left + step / 2, right, step),
                                             np.arange(top + step / 2, bottom, step)))
    world = geo.TILE_PX * 2 ** view.zoom
    lons, lats = gx / world * 360 - 180, np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * gy / world))))
    out = {}
    for code, geom in geoms.items():
        inside = shapely.contains_xy(geom, lons, lats)
        out[code] = list(zip(lons[inside].tolist(), lats[inside].tolist()))
    return out


def label_boxes(fig, size: int = 12) -> list[tuple[str, tuple[float, float, float, float]]]:
    labels = next(t for t in fig.data if t.name == "乡镇名称")
    out = []
    for lon, lat, text in zip(labels.lon, labels.lat, labels.text):
        x, y = geo.to_px(lon, lat, fig.layout.map.zoom)
        w, h = geo.text_box(text.split("<br>"), size)
        out.append((text.split("<br>")[0], (x - w / 2 + 2, y - h / 2 + 2, x + w / 2 - 2, y + h / 2 - 2)))
    return out


def test_a_province_colours_every_township_and_names_those_that_fit_and_the_viewers_own():
    assert len(NAME) > DRAWN_MAX
    fig = mf.township_map(INDICATORS, BOUNDARIES, "incidence_pct", mark=MINE)
    coloured = [c for t in fig.data if t.type == "choroplethmap" for c in t.locations]
    assert sorted(coloured) == sorted(NAME)
    grey = next(t for t in fig.data if t.name == "无数据")
    assert sorted(grey.locations) == sorted(c for c, v in zip(INDICATORS["township_code"], INDICATORS["incidence_pct"])
                                            if v is None and c != "ALL")
    boxes = label_boxes(fig)
    assert sorted(name for name, _ in boxes) == sorted(["大0镇", "大1镇", "大2镇", NAME[MINE]])
    assert not [(a, b) for i, (a, p) in enumerate(boxes) for b, q in boxes[i + 1:]
                if shapely.box(*p).intersects(shapely.box(*q))]
    assert "和本乡镇" in mf.names_caption(len(NAME), True) and "和本乡镇" not in mf.names_caption(len(NAME), False)


def test_a_province_takes_a_click_or_hover_anywhere_inside_a_township_on_one_trace():
    """One trace of same-sized markers: each carries its township's code and hover text, and a pointer well
    inside a tiny township is nearest to one of that township's markers (within Plotly's 20 px)."""
    fig = mf.township_map(INDICATORS, BOUNDARIES, "incidence_pct")
    clicks = [t for t in fig.data if t.name == mf.CLICK_TRACE]
    assert len(clicks) == 1
    trace = clicks[0]
    assert set(trace.customdata) == set(NAME)
    assert all(hover.startswith(f"<b>{NAME[code]}</b>") for code, hover in zip(trace.customdata, trace.hovertext))
    zoom = fig.layout.map.zoom
    xy = np.array([geo.to_px(lon, lat, zoom) for lon, lat in zip(trace.lon, trace.lat)])
    codes = np.array(trace.customdata)
    shapes = geo.shapes(BOUNDARIES)
    rng = np.random.default_rng(18)
    for code in rng.choice(sorted(NAME), 200, replace=False):
        minx, miny, maxx, maxy = shapes[code].bounds
        (left, top), (right, bottom) = geo.to_px(minx, maxy, zoom), geo.to_px(maxx, miny, zoom)
        inset = (right - left) / 3  # the middle third: nearer its own marker than to a neighbour's
        for _ in range(5):
            x, y = rng.uniform(left + inset, right - inset), rng.uniform(top + inset, bottom - inset)
            distances = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
            assert distances.min() <= 20 and codes[distances.argmin()] == code, (code, x, y)


def test_a_province_zoomed_to_a_township_names_and_takes_clicks_of_the_townships_in_view():
    fig = mf.township_map(INDICATORS, BOUNDARIES, "incidence_pct", selected=BIG[1], villages=villages_of(BIG[1]))
    view = geo.View(fig.layout.map.center.lon, fig.layout.map.center.lat, fig.layout.map.zoom)
    in_view = set(geo.prepare(BOUNDARIES).in_view(view, mf.MAP_WIDTH_HINT, mf.MAP_HEIGHT - 90))
    assert BIG[0] in in_view and BIG[2] in in_view and len(in_view) < 100  # its neighbours, not the province
    clicks = next(t for t in fig.data if t.name == mf.CLICK_TRACE)
    assert set(clicks.customdata) == in_view - {BIG[1]}  # the picked township shows its villages instead
    assert sorted(name for name, _ in label_boxes(fig)) == ["大0镇", "大2镇"]
    assert {t.name for t in fig.data if t.type == "scattermap" and t.mode == "markers+text"} == {"已出列贫困村", "未出列贫困村", "非贫困村"}


def test_a_province_replay_sends_the_colours_of_each_month_only():
    data = monthly()
    fig = mf.monthly_map(data, BOUNDARIES, "incidence_pct")
    codes = sorted(NAME)
    assert list(fig.data[0].locations) == codes and len(fig.data) == 1  # no name labels
    assert [f.name for f in fig.frames] == ["2020-01", "2020-02"]
    for frame in fig.frames:
        trace = frame.data[0]
        assert len(frame.data) == 1 and trace.locations is None and trace.text is None
        expected = data.filter(pl.col("month") == frame.name).sort("township_code")["incidence_pct"].to_list()
        assert [None if np.isnan(v) else v for v in trace.z] == expected
    np.testing.assert_array_equal(fig.data[0].z, fig.frames[-1].data[0].z)  # opens on the latest month


def test_a_second_view_of_the_map_works_out_no_geometry(app_page, demo_db, monkeypatch):
    """The page takes its boundaries' geometry from app_data.map_geometry, once per version: the label points are
    worked out on the first view only, not again on the same view, another indicator or another session."""
    import app_data

    calls = []
    real = geo.label_point
    monkeypatch.setattr(geo, "label_point", lambda g: calls.append(g) or real(g))
    app_data._map_geometry.clear()
    at = app_page("pages/battle_map.py")
    assert not at.exception
    first = len(calls)
    from queries.runner import Database

    with Database.open(demo_db) as db:
        assert first == db.run("map_boundaries").height > 0  # once for each township with a boundary
    at.run()
    at.segmented_control(key="map_metric").set_value("completion_pct").run()
    other = app_page("pages/battle_map.py", query={"township": "431299103"})
    assert not at.exception and not other.exception
    assert len(calls) == first


def test_a_province_backs_its_names_with_white():
    """On a mosaic of small townships a name reads only on a white backing, sized to the name (and grown with it on
    the A3 sheet); a county's map has none."""
    fig = mf.township_map(INDICATORS, BOUNDARIES, "incidence_pct", mark=MINE)
    names = next(t for t in fig.data if t.name == "乡镇名称")
    backing = next(t for t in fig.data if t.name == mf.LABEL_BACKING)
    assert list(backing.lon) == list(names.lon) and list(backing.lat) == list(names.lat)
    assert all(size >= geo.text_box(text.split("<br>"), 12)[0] for size, text in zip(backing.marker.size, names.text))
    sheet = mf.print_sheet(fig, "全省挂图作战图", dt.date(2020, 11, 16))
    grown = next(t for t in sheet.data if t.name == mf.LABEL_BACKING)
    assert list(grown.marker.size) == pytest.approx([s * 16 / 12 for s in backing.marker.size])
    county = mf.township_map(county_indicators(), COUNTY, "incidence_pct", mark="T1")  # a county: as it was
    assert not [t for t in county.data if t.name == mf.LABEL_BACKING]
