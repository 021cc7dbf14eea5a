"""Township boundaries: reading GeoJSON and Shapefiles, matching features to townships, and publishing them
as a new database version through `python -m ingest.boundaries_cli` (wired as `python -m ingest boundaries`)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
import shapefile  # pyshp
import shapely
from shapely.geometry import box, mapping, shape

from conftest import run_cli
from ingest import publish
from ingest.boundaries import (BoundaryFileError, match_features, read_boundary_file, simplify_for_display)

TOWNSHIPS = pl.DataFrame({"township_code": ["431299101", "431299102", "431299103"],
                          "township_name": ["白沙镇", "青石镇", "龙潭乡"]})


def square(x: float, y: float, size: float = 0.1) -> dict:
    return mapping(box(110 + x, 27 + y, 110 + x + size, 27 + y + size))


def collection(*features: tuple[dict, dict]) -> dict:
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features]}


def test_features_match_on_code_adcode_and_name_and_the_rest_are_listed():
    result = match_features(collection(
        ({"乡镇代码": "431299101"}, square(0, 0)),
        ({"adcode": "431299102000", "name": "别名"}, square(0.1, 0)),  # 12-digit 区划代码 of a township
        ({"NAME": "外县某镇"}, square(0.2, 0)),
    ), TOWNSHIPS)
    assert sorted(result.shapes["township_code"]) == ["431299101", "431299102"]
    assert result.unmatched_features == ["第3个要素「外县某镇」"]
    assert result.missing_townships == ["龙潭乡（431299103）"]


def test_name_matches_when_no_code_property():
    result = match_features(collection(({"乡镇名称": " 龙潭乡 "}, square(0, 0))), TOWNSHIPS)
    assert result.shapes["township_code"].to_list() == ["431299103"]


def test_numeric_dbf_code_with_decimal_suffix_matches():
    result = match_features(collection(({"township_code": 431299101.0}, square(0, 0))), TOWNSHIPS)
    assert result.shapes["township_code"].to_list() == ["431299101"]


def test_two_features_of_one_township_are_merged_into_a_multipolygon():
    result = match_features(collection(({"乡镇代码": "431299101"}, square(0, 0)),
                                       ({"乡镇代码": "431299101"}, square(0.5, 0.5))), TOWNSHIPS)
    geom = shape(json.loads(result.shapes["geometry"][0]))
    assert geom.geom_type == "MultiPolygon"
    assert geom.area == pytest.approx(0.02, rel=1e-3)


def test_point_and_broken_geometries_are_skipped_with_a_reason():
    result = match_features(collection(({"乡镇代码": "431299101"}, {"type": "Point", "coordinates": [110, 27]}),
                                       ({"乡镇代码": "431299102"}, {"type": "Polygon", "coordinates": "x"})), TOWNSHIPS)
    assert result.shapes.height == 0
    reasons = dict(result.skipped)
    assert "Point" in reasons["第1个要素「431299101」"]
    assert reasons["第2个要素「431299102」"] == "几何图形无法识别"


def test_self_intersecting_polygon_is_repaired():
    bowtie = {"type": "Polygon", "coordinates": [[[110, 27], [110.1, 27.1], [110.1, 27], [110, 27.1], [110, 27]]]}
    result = match_features(collection(({"乡镇代码": "431299101"}, bowtie)), TOWNSHIPS)
    geom = shape(json.loads(result.shapes["geometry"][0]))
    assert geom.is_valid and geom.area == pytest.approx(0.005, rel=1e-3)


def test_projected_coordinates_are_refused_with_a_clear_message():
    metres = mapping(box(500000, 3000000, 510000, 3010000))
    with pytest.raises(BoundaryFileError, match="投影坐标"):
        match_features(collection(({"乡镇代码": "431299101"}, metres)), TOWNSHIPS)


def test_large_boundaries_are_simplified_under_the_vertex_budget():
    circle = shapely.Point(110.5, 27.5).buffer(0.2, quad_segs=4000)  # 16,001 vertices
    simplified = simplify_for_display({"a": circle, "b": shapely.affinity.translate(circle, 0.5)}, max_vertices=2000)
    assert sum(shapely.get_num_coordinates(g) for g in simplified.values()) <= 2000
    assert simplified["a"].area == pytest.approx(circle.area, rel=0.01)


@pytest.mark.parametrize("content, message", [
    (b"not json", "不是有效的 GeoJSON"),
    (json.dumps({"type": "Feature"}).encode(), "不是 GeoJSON FeatureCollection"),
    ("\ufeff{".encode("gbk", "ignore") + "中文".encode("gbk"), "GeoJSON"),
])
def test_bad_geojson_files_give_a_clear_error(tmp_path, content, message):
    path = tmp_path / "边界.geojson"
    path.write_bytes(content)
    with pytest.raises(BoundaryFileError, match=message):
        read_boundary_file(path)


def test_unknown_file_type_is_refused(tmp_path):
    path = tmp_path / "边界.kml"
    path.write_text("<kml/>")
    with pytest.raises(BoundaryFileError, match="不支持的边界文件类型"):
        read_boundary_file(path)


def write_shapefile(folder: Path, stem: str, encoding: str = "gbk", with_cpg: bool = False) -> Path:
    """Two townships, names in GBK as county land offices hand them out; 龙潭乡 as two parts."""
    with shapefile.Writer(str(folder / stem), shapeType=shapefile.POLYGON, encoding=encoding) as w:
        w.field("XZQDM", "C", size=12)
        w.field("XZQMC", "C", size=40)
        w.poly([[(110, 27), (110, 27.1), (110.1, 27.1), (110.1, 27), (110, 27)]])
        w.record("431299101000", "白沙镇")
        w.poly([[(110.2, 27), (110.2, 27.1), (110.3, 27.1), (110.3, 27), (110.2, 27)],
                [(110.4, 27), (110.4, 27.1), (110.5, 27.1), (110.5, 27), (110.4, 27)]])
        w.record("", "龙潭乡")
    if with_cpg:
        (folder / f"{stem}.cpg").write_text(encoding.upper())
    return folder / f"{stem}.shp"


def test_shapefile_with_gbk_attributes_is_read_and_matched(tmp_path):
    shp = write_shapefile(tmp_path, "乡镇界线")
    result = match_features(read_boundary_file(shp).collection, TOWNSHIPS)
    assert sorted(result.shapes["township_code"]) == ["431299101", "431299103"]
    longtan = shape(json.loads(result.shapes.filter(pl.col("township_code") == "431299103")["geometry"][0]))
    assert longtan.geom_type == "MultiPolygon" and len(longtan.geoms) == 2


def test_zipped_shapefile_is_read(tmp_path):
    shp = write_shapefile(tmp_path, "xzj", encoding="utf-8", with_cpg=True)
    archive = tmp_path / "乡镇界线.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for ext in (".shp", ".shx", ".dbf", ".cpg"):
            z.write(shp.with_suffix(ext), f"data/xzj{ext}")
    result = match_features(read_boundary_file(archive).collection, TOWNSHIPS)
    assert sorted(result.shapes["township_code"]) == ["431299101", "431299103"]


def test_shapefile_without_dbf_is_refused(tmp_path):
    shp = write_shapefile(tmp_path, "xzj")
    shp.with_suffix(".dbf").unlink()
    with pytest.raises(BoundaryFileError, match=r"缺少同名的 \.dbf"):
        read_boundary_file(shp)


def test_zip_without_boundaries_is_refused(tmp_path):
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("说明.txt", "无")
    with pytest.raises(BoundaryFileError, match="没有找到 Shapefile"):
        read_boundary_file(archive)


def test_projected_shapefile_with_an_unreadable_prj_is_refused_naming_it(tmp_path):
    shp = write_shapefile(tmp_path, "xzj")
    shp.with_suffix(".prj").write_text('PROJCS["CGCS2000_3_Degree_GK_CM_111E",GEOGCS["GCS_China_Geodetic"]]')
    with pytest.raises(BoundaryFileError, match="「CGCS2000_3_Degree_GK_CM_111E」是投影坐标"):
        match_features(read_boundary_file(shp).collection, TOWNSHIPS)


# --- publishing --------------------------------------------------------------------------------------


@pytest.fixture
def county(tmp_path, demo_db) -> Path:
    """A private copy of the demo county (one version behind its own logical name)."""
    version = publish.current(demo_db)
    db = tmp_path / "county.duckdb"
    copy = tmp_path / "county.20200101T000000000000.duckdb"
    copy.write_bytes(version.read_bytes())
    publish.switch(db, copy)
    return db


def served_rows(db: Path, sql: str):
    con = duckdb.connect(str(publish.current(db)), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def test_cli_publishes_a_new_version_with_the_new_boundaries_and_everything_else_kept(county, tmp_path):
    before = publish.current(county)
    households = served_rows(county, "SELECT count(*), sum(size) FROM households")
    old_shapes = dict(served_rows(county, "SELECT township_code, geometry FROM township_boundaries"))
    path = tmp_path / "real.geojson"
    path.write_text(json.dumps(collection(({"乡镇代码": "431299101"}, square(0, 0)),
                                          ({"name": "外县某镇"}, square(1, 1))), ensure_ascii=False))
    result = run_cli("ingest.boundaries_cli", str(path), "--db", str(county), "--partial")
    assert "未匹配到乡镇的要素" in result.stdout and "第2个要素「外县某镇」" in result.stdout
    assert "文件中没有的乡镇" in result.stdout and "青石镇（431299102）" in result.stdout
    assert "更新乡镇边界 1 个，沿用原有边界 15 个" in result.stdout
    assert publish.current(county) != before and before.exists()  # old version kept for rollback
    stored = dict(served_rows(county, "SELECT township_code, geometry FROM township_boundaries"))
    assert shape(json.loads(stored.pop("431299101"))).equals(shape(square(0, 0)))
    assert stored == {code: text for code, text in old_shapes.items() if code != "431299101"}  # the 15 others kept
    assert served_rows(county, "SELECT count(*), sum(size) FROM households") == households
    log = served_rows(county, "SELECT mode, source, row_counts FROM import_log ORDER BY import_id DESC LIMIT 1")
    assert log == [("boundaries", "real.geojson", '{"乡镇边界": 1}')]
    assert served_rows(county, "SELECT value FROM meta WHERE key = 'is_demo'") == [("true",)]
    # constraints survive the copy: a second boundaries import on top of this one works the same way
    run_cli("ingest.boundaries_cli", str(path), "--db", str(county), "--partial")
    assert served_rows(county, "SELECT count(*) FROM import_log WHERE mode = 'boundaries'") == [(2,)]


@pytest.mark.parametrize("content, message", [
    ("{broken", "边界文件有误"),
    (json.dumps(collection(({"name": "外县某镇"}, square(0, 0))), ensure_ascii=False), "没有一个要素能匹配"),
    (json.dumps(collection(({"name": "白沙镇"}, square(0, 0))), ensure_ascii=False), "15 个乡镇在文件中没有边界"),
])
def test_cli_bad_file_publishes_nothing(county, tmp_path, content, message):
    before = publish.current(county)
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    result = run_cli("ingest.boundaries_cli", str(path), "--db", str(county), check=False)
    assert result.returncode == 1
    assert message in result.stderr and "未发布任何数据" in result.stderr
    assert publish.current(county) == before
    assert publish.versions(county) == [before]
    assert not list(tmp_path.glob(".*.building*"))


def test_cli_without_a_database_explains_what_to_do_first(tmp_path):
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps(collection(({"乡镇代码": "1"}, square(0, 0)))))
    result = run_cli("ingest.boundaries_cli", str(path), "--db", str(tmp_path / "none.duckdb"), check=False)
    assert result.returncode == 2 and "请先用 python -m ingest load" in result.stderr
