"""Boundary files as GIS offices deliver them (issue 14 §4): county prefixes in the name, the other script,
full width and spaces, z coordinates, MultiPolygons, city-wide files, partial files, the clerk's mapping
file, a declared CRS (GeoJSON crs, .prj), swapped longitude/latitude. Every test asserts which township
got which shape, not only that the import ran."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
import shapefile  # pyshp
from shapely.geometry import box, mapping, shape

from conftest import run_cli
from ingest import publish
from ingest.boundaries import OTHER_COUNTY, UNMATCHED, BoundaryFileError, match_features, read_boundary_file
from ingest.boundary_names import NameFileError, read_mapping, save_mapping

TOWNSHIPS = pl.DataFrame({"township_code": ["431299101", "431299102", "431299103", "431299104"],
                          "township_name": ["龙潭乡", "青石镇", "白沙镇", "新市镇"]})
# The demo county's townships in Traditional script, written by hand (not with the converter under test).
TRADITIONAL = {"431299101": "龍潭鄉", "431299102": "青石鎮", "431299103": "白沙鎮", "431299104": "桃花鄉",
               "431299105": "黃泥鄉", "431299106": "高峰鎮", "431299107": "楊柳鄉", "431299108": "石門鎮",
               "431299109": "雲溪鄉", "431299110": "馬鞍鎮", "431299111": "清水鄉", "431299112": "大坪鎮",
               "431299113": "金竹鄉", "431299114": "長坡鄉", "431299115": "新田鎮", "431299116": "鳳嶺鄉"}


def square(x: float, y: float = 0.0, size: float = 0.1) -> dict:
    return mapping(box(110 + x, 27 + y, 110 + x + size, 27 + y + size))


def with_z(geometry: dict, z: float = 312.5) -> dict:
    """The same polygon with an elevation on every vertex, as 3-D exports write it."""
    rings = [[[*point, z] for point in ring] for ring in geometry["coordinates"]]
    return {"type": "Polygon", "coordinates": rings}


def multi(*geometries: dict) -> dict:
    return {"type": "MultiPolygon", "coordinates": [g["coordinates"] for g in geometries]}


def collection(*features: tuple[dict, dict], **extra) -> dict:
    return {"type": "FeatureCollection", **extra,
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features]}


def shapes_of(result) -> dict:
    return {code: shape(json.loads(text)) for code, text in zip(result.shapes["township_code"], result.shapes["geometry"])}


def same(got, expected) -> bool:
    """The same area to within coordinate snapping (1e-6°), whatever the vertex order."""
    expected = expected if hasattr(expected, "geom_type") else shape(expected)
    return got.symmetric_difference(expected).area < 1e-4 * expected.area


def row_of(result, number: int):
    return next(r for r in result.rows if r.number == number)


# --- names ----------------------------------------------------------------------------------------------


def test_county_prefix_other_script_width_and_spaces_are_normalised_away():
    result = match_features(collection(
        ({"NAME": "湖南省某某县龍潭鄉"}, square(0)),
        ({"NAME": "某某县　青石镇 "}, square(0.1)),  # full-width space inside, half-width after
        ({"NAME": "湖南省某某县白沙鎮"}, square(0.2)),
        ({"NAME": "湖南省某某县新市镇"}, square(0.3)),  # 新市镇 contains 市: not cut to 镇
    ), TOWNSHIPS)
    got = shapes_of(result)
    assert same(got["431299101"], square(0))
    assert same(got["431299102"], square(0.1))
    assert same(got["431299103"], square(0.2))
    assert same(got["431299104"], square(0.3))
    assert result.complete
    assert row_of(result, 1).how == "名称（去掉前缀「湖南省某某县」，繁体转简体）"
    assert row_of(result, 2).how == "名称（去掉前缀「某某县」，全角转半角，去空格）"
    assert row_of(result, 4).township == "新市镇"


def test_full_width_code_matches():
    result = match_features(collection(({"乡镇代码": "４３１２９９１０２"}, square(0))), TOWNSHIPS)
    assert result.shapes["township_code"].to_list() == ["431299102"]


def test_z_coordinates_are_dropped_and_multipolygons_kept():
    result = match_features(collection(
        ({"XZQMC": "某某县白沙镇"}, multi(with_z(square(0)), with_z(square(0.5))))), TOWNSHIPS)
    stored = json.loads(result.shapes["geometry"][0])
    assert stored["type"] == "MultiPolygon" and len(stored["coordinates"]) == 2
    assert {len(point) for polygon in stored["coordinates"] for ring in polygon for point in ring} == {2}
    assert same(shape(stored), multi(square(0), square(0.5)))


def test_city_wide_file_sets_other_counties_aside_even_where_their_names_repeat_ours():
    result = match_features(collection(
        ({"name": "某某市甲县龙潭乡"}, square(0)),
        ({"name": "某某市甲县青石镇"}, square(0.1)),
        ({"name": "某某市甲县白沙镇"}, square(0.2)),
        ({"name": "某某市甲县新市镇"}, square(0.3)),
        ({"name": "某某市乙县龙潭乡"}, square(5)),  # another county's township of the same name
        ({"name": "某某市乙县石门乡"}, square(5.1)),
        ({"name": "某某市丙区城关街道"}, square(5.2)),
    ), TOWNSHIPS)
    got = shapes_of(result)
    assert same(got["431299101"], square(0))  # ours, not 乙县's, nor a merge of both
    assert sorted(got) == ["431299101", "431299102", "431299103", "431299104"]
    assert [r.status for r in result.rows[4:]] == [OTHER_COUNTY] * 3
    assert result.complete and not result.unmatched_features
    assert "本县：某某市甲县（文件中 4 个乡镇名称带此前缀）" in result.notes
    assert "已略去其他县的要素 3 个（乙县 2 个、丙区 1 个）" in result.notes


def test_a_separate_county_field_counts_as_the_prefix():
    result = match_features(collection(
        ({"县名": "甲县", "乡镇名称": "龙潭乡"}, square(0)),
        ({"县名": "甲县", "乡镇名称": "青石镇"}, square(0.1)),
        ({"县名": "乙县", "乡镇名称": "龙潭乡"}, square(5)),
    ), TOWNSHIPS)
    assert same(shapes_of(result)["431299101"], square(0))
    assert row_of(result, 3).status == OTHER_COUNTY


def test_another_countys_code_is_set_aside_and_ours_unknown_code_is_unmatched():
    result = match_features(collection(
        ({"乡镇代码": "431299101"}, square(0)),
        ({"乡镇代码": "431288101000"}, square(5)),  # another county (4312 88)
        ({"乡镇代码": "431299199"}, square(0.5)),  # ours, but no such township
    ), TOWNSHIPS)
    assert [r.status for r in result.rows] == ["已匹配", OTHER_COUNTY, UNMATCHED]
    assert not result.complete


def test_when_two_counties_match_equally_the_clerk_names_the_county():
    features = (({"name": "甲县龙潭乡"}, square(0)), ({"name": "乙县龙潭乡"}, square(5)))
    undecided = match_features(collection(*features), TOWNSHIPS)
    assert undecided.shapes.height == 0 and len(undecided.unmatched_features) == 2
    assert any("无法判断哪个是本县" in note for note in undecided.notes)
    named = match_features(collection(*features), TOWNSHIPS, county="乙县")
    assert same(shapes_of(named)["431299101"], square(5))
    assert row_of(named, 1).status == OTHER_COUNTY


def test_unmatched_features_get_the_nearest_township_names_suggested():
    result = match_features(collection(({"name": "某某县白沙镇"}, square(0)), ({"name": "某某县百沙镇"}, square(1)),
                                       ({"name": "某某县国营林场"}, square(2))), TOWNSHIPS)
    assert row_of(result, 2).status == UNMATCHED and row_of(result, 2).suggestions[0] == "白沙镇"
    assert row_of(result, 3).suggestions == []
    assert result.missing_suggestions["青石镇（431299102）"] == []
    assert not result.complete


def test_mapping_file_entries_win_and_can_set_a_feature_aside(tmp_path):
    names = tmp_path / "county.boundary_names.csv"
    names.write_text("文件中的名称,乡镇\n某某县老白沙,白沙镇\n国营林场,不导入\n龍潭,431299101\n", encoding="utf-8-sig")
    mapping = read_mapping(names, dict(zip(TOWNSHIPS["township_code"], TOWNSHIPS["township_name"])))
    result = match_features(collection(
        ({"name": "某某县老白沙"}, square(0)), ({"name": "某某县国营林场"}, square(1)),
        ({"name": "某某县龍潭"}, square(2)), ({"name": "某某县青石镇"}, square(3)),
    ), TOWNSHIPS, mapping=mapping)
    got = shapes_of(result)
    assert same(got["431299103"], square(0))
    assert same(got["431299101"], square(2))  # "龍潭" after its prefix, by the table
    assert same(got["431299102"], square(3))
    assert row_of(result, 2).status == "不导入" and not result.unmatched_features
    assert row_of(result, 1).how == "对照表（某某县老白沙）"


def test_mapping_file_in_gbk_with_a_typo_names_the_row(tmp_path):
    names = tmp_path / "county.boundary_names.csv"
    names.write_bytes("文件中的名称,乡镇\n老白沙,白沙镇\n龍潭,龙谭乡\n".encode("gbk"))
    with pytest.raises(NameFileError, match="第 3 行：「龙谭乡」不是本县的乡镇代码或乡镇名称"):
        read_mapping(names, dict(zip(TOWNSHIPS["township_code"], TOWNSHIPS["township_name"])))


def test_saving_the_mapping_keeps_the_clerks_other_rows(tmp_path):
    names = tmp_path / "county.boundary_names.csv"
    names.write_text("文件中的名称,乡镇\n老白沙,白沙镇\n龍潭,431299101\n", encoding="utf-8-sig")
    save_mapping(names, {"龍潭": "431299102", "国营林场": "不导入"})
    text = names.read_bytes().decode("utf-8-sig")
    assert text.splitlines() == ["文件中的名称,乡镇", "老白沙,白沙镇", "龍潭,431299102", "国营林场,不导入"]


# --- coordinates ----------------------------------------------------------------------------------------


GK_111E_ESRI = ('PROJCS["CGCS2000_3_Degree_GK_CM_111E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
                'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
                'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],'
                'PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",111.0],PARAMETER["Scale_Factor",1.0],'
                'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')


def test_a_prj_in_gauss_kruger_metres_is_named_and_reprojected(tmp_path):
    with shapefile.Writer(str(tmp_path / "xzj"), shapeType=shapefile.POLYGON, encoding="gbk") as w:
        w.field("XZQMC", "C", size=40)
        # 10 km square whose west edge is the central meridian (111°E), 3,000 km north of the equator
        w.poly([[(500000, 3000000), (500000, 3010000), (510000, 3010000), (510000, 3000000), (500000, 3000000)]])
        w.record("某某县白沙镇")
    (tmp_path / "xzj.prj").write_text(GK_111E_ESRI)
    result = match_features(read_boundary_file(tmp_path / "xzj.shp").collection, TOWNSHIPS)
    assert result.notes[0] == ("坐标系：CGCS2000 / 3-degree Gauss-Kruger CM 111E（EPSG:4546，投影坐标，单位米），"
                               "已转换为经纬度（WGS-84）")
    minx, miny, maxx, maxy = shapes_of(result)["431299103"].bounds
    assert minx == pytest.approx(111.0, abs=1e-6)  # on the central meridian x = false easting exactly
    assert 27.0 < miny < 27.2 and 111.09 < maxx < 111.11  # 3,000 km ≈ 27.1°; 10 km ≈ 0.1° of longitude there


def test_geojson_crs_member_is_named():
    result = match_features(collection(({"name": "白沙镇"}, square(0)),
                                       crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}),
                            TOWNSHIPS)
    assert result.notes == ["坐标系：China Geodetic Coordinate System 2000（EPSG:4490，经纬度）"]
    assert same(shapes_of(result)["431299103"], square(0))


def test_swapped_latitude_longitude_is_recognised_and_swapped_back():
    lat_first = {"type": "Polygon", "coordinates": [[[y, x] for x, y in square(0)["coordinates"][0]]]}
    result = match_features(collection(({"name": "白沙镇"}, lat_first)), TOWNSHIPS)
    assert same(shapes_of(result)["431299103"], square(0))
    assert "经纬度顺序颠倒（纬度在前、经度在后），已自动调换" in result.notes


def test_metres_without_a_declared_crs_are_refused_apart_from_swapped_axes():
    metres = mapping(box(500000, 3000000, 510000, 3010000))
    with pytest.raises(BoundaryFileError, match="投影坐标（单位米），但文件没有声明坐标系"):
        match_features(collection(({"name": "白沙镇"}, metres)), TOWNSHIPS)


# --- the CLI on a served county ---------------------------------------------------------------------------


@pytest.fixture
def county(tmp_path, demo_db) -> Path:
    version = publish.current(demo_db)
    db = tmp_path / "county.duckdb"
    copy = tmp_path / "county.20200101T000000000000.duckdb"
    copy.write_bytes(version.read_bytes())
    publish.switch(db, copy)
    return db


def stored(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(publish.current(db)), read_only=True)
    try:
        return dict(con.sql("SELECT township_code, geometry FROM township_boundaries").fetchall())
    finally:
        con.close()


def land_office_file(old: dict[str, str], codes: list[str], path: Path, extra: list | None = None) -> dict[str, dict]:
    """The served shapes moved 0.001° east, as a land office's file: "湖南省演示县" + Traditional name, z
    coordinates, every township a MultiPolygon. Returns the 2-D shapes expected per code."""
    features, expected = [], {}
    for code in codes:
        moved = shape(json.loads(old[code]))
        moved = shape(json.loads(json.dumps(mapping(moved))))
        from shapely import affinity
        moved = affinity.translate(moved, 0.001, 0)
        polygons = [mapping(p) for p in getattr(moved, "geoms", [moved])]
        features.append(({"NAME": f"湖南省演示县{TRADITIONAL[code]}", "ELEV": 1},
                         {"type": "MultiPolygon", "coordinates": [with_z(p)["coordinates"] for p in polygons]}))
        expected[code] = moved
    path.write_text(json.dumps(collection(*features, *(extra or [])), ensure_ascii=False), encoding="utf-8")
    return expected


def test_cli_real_county_file_updates_every_township_from_a_city_wide_file(county, tmp_path):
    old = stored(county)
    path = tmp_path / "全市乡镇界线.geojson"
    expected = land_office_file(old, sorted(old), path, extra=[
        ({"NAME": "湖南省乙县龍潭鄉"}, square(3)), ({"NAME": "湖南省乙县石门镇"}, square(3.1))])
    result = run_cli("ingest.boundaries_cli", str(path), "--db", str(county))
    assert "已略去其他县的要素 2 个（乙县 2 个）" in result.stdout
    assert "湖南省演示县龍潭鄉 → 龙潭乡（431299101）　名称（去掉前缀「湖南省演示县」，繁体转简体）" in result.stdout
    assert "更新乡镇边界 16 个，沿用原有边界 0 个" in result.stdout
    new = stored(county)
    assert sorted(new) == sorted(old)
    for code, geom in expected.items():
        got = shape(json.loads(new[code]))
        assert same(got, geom), code  # its own shape, moved; 乙县's 龙潭乡 not taken
        assert '312.5' not in new[code]


def test_cli_partial_file_updates_those_townships_only(county, tmp_path):
    old = stored(county)
    path = tmp_path / "两个乡镇.geojson"
    expected = land_office_file(old, ["431299103", "431299110"], path)
    refused = run_cli("ingest.boundaries_cli", str(path), "--db", str(county), check=False)
    assert refused.returncode == 1 and "14 个乡镇在文件中没有边界" in refused.stderr and "--partial" in refused.stderr
    assert stored(county) == old
    run_cli("ingest.boundaries_cli", str(path), "--db", str(county), "--partial")
    new = stored(county)
    assert same(shape(json.loads(new["431299103"])), expected["431299103"])
    assert same(shape(json.loads(new["431299110"])), expected["431299110"])
    assert {c: t for c, t in new.items() if c not in expected} == {c: t for c, t in old.items() if c not in expected}


def test_cli_unmatched_feature_publishes_nothing_until_the_mapping_file_says_what_it_is(county, tmp_path):
    old = stored(county)
    before = publish.current(county)
    path = tmp_path / "乡镇.geojson"
    expected = land_office_file(old, sorted(old), path, extra=[({"NAME": "湖南省演示县国营林场"}, square(0.2, 0.2))])
    refused = run_cli("ingest.boundaries_cli", str(path), "--db", str(county), check=False)
    assert refused.returncode == 1
    assert "1 个可能属于本县的要素未匹配，未发布任何数据" in refused.stderr
    assert str(tmp_path / "county.boundary_names.csv") in refused.stderr
    assert publish.current(county) == before and publish.versions(county) == [before]
    (tmp_path / "county.boundary_names.csv").write_text("文件中的名称,乡镇\n湖南省演示县国营林场,不导入\n", encoding="utf-8")
    result = run_cli("ingest.boundaries_cli", str(path), "--db", str(county))
    assert "湖南省演示县国营林场 → 不导入　对照表（湖南省演示县国营林场）" in result.stdout
    assert publish.current(county) != before
    new = stored(county)
    assert all(same(shape(json.loads(new[c])), g) for c, g in expected.items())


def test_cli_partial_publishes_despite_an_unmatched_feature_and_lists_it(county, tmp_path):
    old = stored(county)
    path = tmp_path / "乡镇.geojson"
    land_office_file(old, ["431299101"], path, extra=[({"NAME": "湖南省演示县百沙镇"}, square(0.2, 0.2))])
    result = run_cli("ingest.boundaries_cli", str(path), "--db", str(county), "--partial")
    assert "湖南省演示县百沙镇 → 未匹配　可能是：白沙镇" in result.stdout
    assert stored(county)["431299103"] == old["431299103"]  # the suggestion is not applied by itself


def test_cli_dry_run_shows_the_table_and_publishes_nothing(county, tmp_path):
    before = publish.current(county)
    path = tmp_path / "乡镇.geojson"
    land_office_file(stored(county), sorted(stored(county)), path)
    result = run_cli("ingest", "boundaries", str(path), "--db", str(county), "--dry-run")
    assert "（试运行，未发布）发布后将更新乡镇边界 16 个" in result.stdout
    assert publish.versions(county) == [before]


def test_load_with_a_boundaries_file_beside_the_sheets_keeps_the_townships_it_does_not_cover(county, tmp_path):
    """`ingest load` of a folder with 乡镇.csv and a boundaries.geojson naming one township (by its
    prefixed Traditional name): that township's shape changes, the other 15 keep theirs."""
    import shutil

    from ingest.demo import write_demo

    old = stored(county)
    sheets = write_demo(tmp_path / "demo", households=200, flaws=False)
    folder = tmp_path / "partial"
    folder.mkdir()
    shutil.copy(sheets / "乡镇.csv", folder / "乡镇.csv")
    (folder / "boundaries.geojson").write_text(json.dumps(collection(
        ({"name": "湖南省演示县白沙鎮"}, square(0.3, 0.3))), ensure_ascii=False), encoding="utf-8")
    run_cli("ingest", "load", str(folder), "--db", str(county))
    new = stored(county)
    assert same(shape(json.loads(new.pop("431299103"))), square(0.3, 0.3))
    assert new == {c: t for c, t in old.items() if c != "431299103"}
