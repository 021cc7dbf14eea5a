"""乡镇边界 on the 数据导入 page (components/boundary_upload.py): the pure table/figure builders, the role
rule, and in a real browser at 1024×768 a city-wide GIS file uploaded, a name fixed through the mapping
table, a partial publish, and the 挂图作战 map drawing the new shapes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
from shapely import affinity
from shapely.geometry import box, mapping, shape

from conftest import demo_user, run_cli, serving
from ingest import publish
from ingest.boundaries import match_features
from components.boundary_upload import code_of_option, match_table, preview_figure, unmatched_editor_frame

TOWNSHIPS = pl.DataFrame({"township_code": ["431299101", "431299102", "431299103"],
                          "township_name": ["龙潭乡", "青石镇", "白沙镇"]})


def square(x: float) -> dict:
    return mapping(box(110 + x, 27, 110.1 + x, 27.1))


def test_match_table_lists_this_countys_features_with_how_and_suggestions():
    result = match_features({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "甲县龍潭鄉"}, "geometry": square(0)},
        {"type": "Feature", "properties": {"name": "甲县青石填"}, "geometry": square(0.1)},
        {"type": "Feature", "properties": {"name": "甲县白沙镇"}, "geometry": square(0.2)},
        {"type": "Feature", "properties": {"name": "乙县龙潭乡"}, "geometry": square(3)},
    ]}, TOWNSHIPS)
    table = match_table(result)
    assert table.rows() == [
        (1, "甲县龍潭鄉", "龙潭乡", "名称（去掉前缀「甲县」，繁体转简体）", ""),
        (2, "甲县青石填", "未匹配", "—", "青石镇"),
        (3, "甲县白沙镇", "白沙镇", "名称（去掉前缀「甲县」）", ""),
    ]  # 乙县's feature is only in the note
    editor = unmatched_editor_frame(result, dict(zip(TOWNSHIPS["township_code"], TOWNSHIPS["township_name"])))
    assert editor.rows() == [("甲县青石填", "青石镇（431299102）")]  # the one suggestion pre-selected


def test_option_text_back_to_a_code():
    assert code_of_option("白沙镇（431299103）") == "431299103"
    assert code_of_option("不导入") == "不导入"
    assert code_of_option(None) is None and code_of_option("（未选择）") is None


def test_preview_draws_new_and_kept_shapes_apart():
    new = {"431299101": json.dumps(square(0))}
    kept = {"431299102": json.dumps(square(0.1))}
    fig = preview_figure(new, kept, {"431299101": "龙潭乡"})
    kept_trace, new_trace, labels = fig.data
    assert (kept_trace.name, new_trace.name) == ("沿用原有边界", "本文件的边界")
    assert min(x for x in new_trace.x if x is not None) == pytest.approx(110.0)
    assert list(labels.text) == ["龙潭乡"]


def test_only_the_clerk_role_gets_the_boundary_upload(app_page, tmp_path):
    from streamlit.testing.v1 import AppTest

    clerk = app_page("pages/data_import.py", user=demo_user("数据管理员"))
    assert any("乡镇界线" in c.value for c in clerk.caption)
    assert "导入乡镇边界需数据管理员权限。" not in [c.value for c in clerk.caption]

    def section(db: str):
        from pathlib import Path

        from components.boundary_upload import boundary_upload
        boundary_upload(Path(db), "县领导", "县委书记")

    leader = AppTest.from_function(section, args=(str(tmp_path / "county.duckdb"),), default_timeout=30).run()
    assert [c.value for c in leader.caption] == ["导入乡镇边界需数据管理员权限。"]


# --- in a real browser, against a server of its own ---------------------------------------------------


TRADITIONAL = {"431299101": "龍潭鄉", "431299102": "青石鎮", "431299103": "白沙鎮", "431299104": "桃花鄉",
               "431299106": "高峰鎮", "431299107": "楊柳鄉", "431299108": "石門鎮", "431299109": "雲溪鄉",
               "431299110": "馬鞍鎮"}


def _stored(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(publish.current(db)), read_only=True)
    try:
        return dict(con.sql("SELECT township_code, geometry FROM township_boundaries").fetchall())
    finally:
        con.close()


@pytest.mark.browser
def test_city_wide_upload_fix_a_name_publish_part_and_the_map_draws_it(tmp_path, browser):
    from tests.conftest import OfflinePage

    db = tmp_path / "db" / "county.duckdb"
    run_cli("ingest", "demo", "--db", str(db), "--households", "600")
    old = _stored(db)
    # The land office's file: 10 of 16 townships shrunk a little, "湖南省演示县" + Traditional names,
    # elevations, MultiPolygons; 黄泥乡 spelt its own way; another county's 龙潭乡; a forest farm.
    features, expected = [], {}
    for code in [*TRADITIONAL, "431299105"]:
        geom = affinity.scale(shape(json.loads(old[code])), 0.95, 0.95)
        expected[code] = geom
        parts = [mapping(p)["coordinates"] for p in getattr(geom, "geoms", [geom])]
        name = "湖南省演示县" + TRADITIONAL.get(code, "黄泥乡（原）")
        features.append({"type": "Feature", "properties": {"XZQMC": name}, "geometry": {
            "type": "MultiPolygon", "coordinates": [[[[*pt, 88.0] for pt in ring] for ring in part] for part in parts]}})
    features.append({"type": "Feature", "properties": {"XZQMC": "湖南省乙县龍潭鄉"}, "geometry": square(2)})
    features.append({"type": "Feature", "properties": {"XZQMC": "湖南省演示县国营林场"},
                     "geometry": mapping(shape(json.loads(old["431299104"])).centroid.buffer(0.01))})
    upload = tmp_path / "全市乡镇界线.geojson"
    upload.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                      encoding="utf-8")

    with serving(db, tmp_path) as url:
        tab = OfflinePage(browser, width=1024, height=768)
        try:
            page = tab.open(url, login=("clerk", "demo"))
            page.get_by_role("link", name="数据导入").click()
            tab.wait_idle(2000)
            assert page.locator("[data-testid=stFileUploaderDropzoneInput]").count() == 1  # the sheets' only
            page.locator("[data-testid=stCheckbox]").filter(has_text="导入乡镇边界文件").click()
            tab.wait_idle(1500)
            page.locator("[data-testid=stFileUploaderDropzoneInput]").nth(1).set_input_files(str(upload))
            tab.wait_idle(2500)
            page.get_by_text("已略去其他县的要素 1 个（乙县 1 个）").wait_for(timeout=30_000)
            assert page.get_by_role("button", name="发布乡镇边界").first.is_disabled()
            assert not tab.error_boxes()
            tab.screenshot("boundary_upload_1024")

            page.get_by_role("button", name="保存到名称对照表并重新匹配").click()  # 黄泥乡 was pre-selected
            tab.wait_idle(2500)
            names = (db.parent / "county.boundary_names.csv").read_bytes().decode("utf-8-sig")
            assert "湖南省演示县黄泥乡（原）,431299105" in names
            page.get_by_text("1 个可能属于本县的要素未匹配，6 个乡镇在文件中没有边界").wait_for(timeout=30_000)

            page.locator("[data-testid=stCheckbox]").filter(has_text="文件本来只含部分乡镇").click()
            tab.wait_idle(1500)
            before = publish.current(db)
            page.get_by_role("button", name="发布乡镇边界（更新乡镇边界 10 个，沿用原有边界 6 个）").click()
            tab.wait_idle(2500)
            page.get_by_text("已发布新版本").wait_for(timeout=30_000)
            assert publish.current(db) != before
            new = _stored(db)
            for code, geom in expected.items():
                assert shape(json.loads(new[code])).symmetric_difference(geom).area < 1e-4 * geom.area, code
                assert "88.0" not in new[code]
            assert {c: t for c, t in new.items() if c not in expected} == \
                {c: t for c, t in old.items() if c not in expected}

            page.get_by_role("link", name="挂图作战").click()
            tab.wait_idle(3000)
            page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
            assert not tab.error_boxes()
            tab.screenshot("boundary_map_after_1024")
        finally:
            tab.close()
    assert not tab.foreign
