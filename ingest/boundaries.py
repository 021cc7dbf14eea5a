"""Township boundaries: read a GeoJSON or ESRI Shapefile, match features to townships, keep display-ready
geometry as GeoJSON text.

No spatial extension (DuckDB downloads it at run time, which an intranet cannot): geometry is GeoJSON
text in the database and shapely in Python. Coordinates are taken as they are (WGS-84 or GCJ-02
longitude/latitude); projected coordinates (metres) are refused with a message saying so.

Matching, in this order, per feature: a code property (乡镇代码, township_code, adcode, code; a 12-digit
统计用区划代码 ending in 000 also matches its 9-digit township code), then a name property (乡镇名称,
township_name, name, ...) equal to a 乡镇名称. Several features of one township are merged.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from ingest.problems import WARNING, Problems

CODE_KEYS = ("乡镇代码", "township_code", "adcode", "code", "ADCODE", "CODE", "XZQDM", "xzqdm")
NAME_KEYS = ("乡镇名称", "township_name", "name", "NAME", "名称", "XZQMC", "xzqmc", "Name")
MAX_DISPLAY_VERTICES = 40_000  # whole county; a browser draws this instantly
COORD_PRECISION = 1e-6  # degrees (~0.1 m)
MAX_FILE_BYTES = 512 * 1024**2


class BoundaryFileError(ValueError):
    """The file cannot be used at all (message in Chinese, for the clerk)."""


@dataclass
class BoundaryFile:
    collection: dict
    name: str
    sha256: str


@dataclass
class BoundaryMatch:
    shapes: pl.DataFrame  # township_code, geometry (GeoJSON text)
    matched: list[tuple[str, str, str]] = field(default_factory=list)  # (feature label, 乡镇代码, 乡镇名称)
    unmatched_features: list[str] = field(default_factory=list)
    missing_townships: list[str] = field(default_factory=list)  # "白沙镇（431299103）"
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (feature label, reason)
    simplified: bool = False
    vertices_before: int = 0
    vertices_after: int = 0


# ---------------------------------------------------------------------------------------------------
# Reading files


def read_boundary_file(path: Path) -> BoundaryFile:
    """A GeoJSON FeatureCollection from .geojson/.json, a Shapefile (.shp beside its .dbf) or a .zip of either."""
    path = Path(path)
    if not path.exists():
        raise BoundaryFileError(f"找不到文件 {path}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BoundaryFileError(f"{path.name} 超过 {MAX_FILE_BYTES // 1024**2} MB，请先在 GIS 软件中裁剪到本县")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        collection = geojson_collection(data, path.name)
    elif suffix == ".zip":
        collection = _from_zip(data, path.name)
    elif suffix == ".shp":
        parts = {ext: path.with_suffix(ext) for ext in (".dbf", ".shx", ".cpg", ".prj")}
        parts.update({ext: p for ext in list(parts) for p in [path.with_suffix(ext.upper())] if p.exists()})
        if not parts[".dbf"].exists():
            raise BoundaryFileError(f"{path.name} 旁边缺少同名的 .dbf 属性文件（{path.stem}.dbf），无法知道每个图斑是哪个乡镇")
        collection = shapefile_collection(
            data, parts[".dbf"].read_bytes(), path.name,
            shx=parts[".shx"].read_bytes() if parts[".shx"].exists() else None,
            cpg=parts[".cpg"].read_bytes() if parts[".cpg"].exists() else None,
            prj=parts[".prj"].read_bytes() if parts[".prj"].exists() else None)
    else:
        raise BoundaryFileError(f"{path.name}：不支持的边界文件类型 {suffix or '（无扩展名）'}，"
                                "请使用 GeoJSON（.geojson）、Shapefile（.shp 与同名 .dbf）或包含它们的 .zip")
    return BoundaryFile(collection, path.name, digest)


def geojson_collection(data: bytes, name: str = "boundaries.geojson") -> dict:
    try:
        collection = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise BoundaryFileError(f"{name} 不是 UTF-8 编码的 GeoJSON 文本") from exc
    except ValueError as exc:
        raise BoundaryFileError(f"{name} 不是有效的 GeoJSON：{exc}") from exc
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        raise BoundaryFileError(f"{name} 不是 GeoJSON FeatureCollection（应为 {{\"type\": \"FeatureCollection\", "
                                "\"features\": [...]}}）")
    return collection


def _from_zip(data: bytes, name: str) -> dict:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BoundaryFileError(f"{name} 不是有效的 zip 压缩包") from exc
    members = {Path(_zip_name(i)).name: i for i in archive.infolist() if not i.is_dir()
               and not Path(_zip_name(i)).name.startswith(".") and "__MACOSX" not in _zip_name(i)}
    if sum(i.file_size for i in members.values()) > MAX_FILE_BYTES:
        raise BoundaryFileError(f"{name} 解压后超过 {MAX_FILE_BYTES // 1024**2} MB")
    lower = {n.lower(): n for n in members}
    shp = [n for n in members if n.lower().endswith(".shp")]
    geojson = [n for n in members if n.lower().endswith((".geojson", ".json"))]
    if len(shp) > 1:
        raise BoundaryFileError(f"{name} 中有多个 .shp 文件（{'、'.join(sorted(shp))}），请只放乡镇界线一个图层")
    if shp:
        stem = shp[0][:-4]

        def sibling(ext: str) -> bytes | None:
            member = lower.get((stem + ext).lower())
            return archive.read(members[member]) if member else None

        dbf = sibling(".dbf")
        if dbf is None:
            raise BoundaryFileError(f"{name} 中缺少 {stem}.dbf（Shapefile 的属性表），无法知道每个图斑是哪个乡镇")
        return shapefile_collection(archive.read(members[shp[0]]), dbf, shp[0], shx=sibling(".shx"),
                                    cpg=sibling(".cpg"), prj=sibling(".prj"))
    if len(geojson) == 1:
        return geojson_collection(archive.read(members[geojson[0]]), geojson[0])
    raise BoundaryFileError(f"{name} 中没有找到 Shapefile（.shp + .dbf）或唯一的 GeoJSON 文件")


def _zip_name(info: zipfile.ZipInfo) -> str:
    """Chinese file names in zips made on Windows are GBK without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def shapefile_collection(shp: bytes, dbf: bytes, name: str, *, shx: bytes | None = None,
                         cpg: bytes | None = None, prj: bytes | None = None) -> dict:
    """A Shapefile as a FeatureCollection (pyshp). Attribute text: the .cpg's encoding, else UTF-8, else GBK
    (county land offices' files are usually GBK without a .cpg)."""
    import shapefile  # pyshp

    if prj and b"PROJCS" in prj.upper():
        raise BoundaryFileError(f"{name} 使用投影坐标系（.prj 为 {prj[:60].decode('latin-1', 'replace')}…），"
                                "请先在 GIS 软件中转换为经纬度（WGS-84 或 GCJ-02）再导入")
    encodings = [_cpg_encoding(cpg)] if cpg else ["utf-8", "gbk"]
    last_error: Exception | None = None
    for encoding in encodings:
        try:
            reader = shapefile.Reader(shp=io.BytesIO(shp), dbf=io.BytesIO(dbf),
                                      shx=io.BytesIO(shx) if shx else None, encoding=encoding)
            features = []
            for record in reader.iterShapeRecords():
                geometry = record.shape.__geo_interface__ if record.shape.shapeType != shapefile.NULL else None
                features.append({"type": "Feature", "properties": record.record.as_dict(), "geometry": geometry})
            return {"type": "FeatureCollection", "features": features}
        except (shapefile.ShapefileException, struct.error, ValueError, IndexError) as exc:
            if isinstance(exc, UnicodeDecodeError) or "decode" in str(exc):
                last_error = exc  # attribute text in another encoding: try the next one
                continue
            raise BoundaryFileError(f"{name} 不是有效的 Shapefile：{exc}") from exc
    raise BoundaryFileError(f"{name} 的属性表编码无法识别（试过 {'、'.join(encodings)}）：{str(last_error)[:120]}")


def _cpg_encoding(cpg: bytes) -> str:
    text = cpg.decode("ascii", "ignore").strip().lower()
    return {"936": "gbk", "gb2312": "gbk", "65001": "utf-8", "utf8": "utf-8"}.get(text, text or "utf-8")


# ---------------------------------------------------------------------------------------------------
# Matching


def _code_candidates(value) -> list[str]:
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # DBF numeric fields arrive as floats
        text = text[:-2]
    candidates = [text]
    if len(text) == 12 and text.isdigit() and text.endswith("000"):
        candidates.append(text[:9])
    return candidates


def _feature_label(props: dict, number: int) -> str:
    for key in NAME_KEYS + CODE_KEYS:
        if props.get(key) not in (None, ""):
            return f"第{number}个要素「{str(props[key]).strip()}」"
    return f"第{number}个要素"


def match_features(collection: dict, townships: pl.DataFrame) -> BoundaryMatch:
    """Match the features to the townships (see module docstring); bad or unmatched features are listed."""
    codes = [str(c) for c in townships["township_code"].to_list()]
    names = [str(n) for n in townships["township_name"].to_list()]
    by_code = {c: c for c in codes}
    by_name = {n.strip(): c for n, c in zip(names, codes)}
    name_of = dict(zip(codes, names))
    geoms: dict[str, list[BaseGeometry]] = {}
    result = BoundaryMatch(shapes=pl.DataFrame())
    for number, feature in enumerate(collection.get("features") or [], start=1):
        props = (feature or {}).get("properties") or {} if isinstance(feature, dict) else {}
        label = _feature_label(props, number)
        code = next((by_code[c] for k in CODE_KEYS if props.get(k) not in (None, "")
                     for c in _code_candidates(props[k]) if c in by_code), None)
        if code is None:
            code = next((by_name[str(props[k]).strip()] for k in NAME_KEYS
                         if props.get(k) not in (None, "") and str(props[k]).strip() in by_name), None)
        if code is None:
            result.unmatched_features.append(label)
            continue
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, shapely.errors.GEOSException):
            result.skipped.append((label, "几何图形无法识别"))
            continue
        if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            result.skipped.append((label, f"几何类型为 {geom.geom_type}，应为 Polygon 或 MultiPolygon"))
            continue
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise BoundaryFileError(f"{label} 的坐标（如 {minx:.1f}, {miny:.1f}）超出经纬度范围，可能是投影坐标（米）；"
                                    "请先在 GIS 软件中转换为经纬度（WGS-84 或 GCJ-02）再导入")
        if not geom.is_valid:
            geom = polygonal(shapely.make_valid(geom))
        geoms.setdefault(code, []).append(geom)
        result.matched.append((label, code, name_of[code]))
    merged = {code: parts[0] if len(parts) == 1 else polygonal(shapely.union_all(parts)) for code, parts in geoms.items()}
    result.vertices_before = sum(int(shapely.get_num_coordinates(g)) for g in merged.values())
    display = simplify_for_display(merged)
    result.vertices_after = sum(int(shapely.get_num_coordinates(g)) for g in display.values())
    result.simplified = result.vertices_after < result.vertices_before
    result.missing_townships = [f"{name_of[c]}（{c}）" for c in codes if c not in display]
    result.shapes = pl.DataFrame(
        {"township_code": list(display), "geometry": [json.dumps(mapping(g), ensure_ascii=False) for g in display.values()]},
        schema={"township_code": pl.String, "geometry": pl.String})
    return result


def simplify_for_display(geoms: dict[str, BaseGeometry], max_vertices: int = MAX_DISPLAY_VERTICES,
                         precision: float = COORD_PRECISION) -> dict[str, BaseGeometry]:
    """Boundaries light enough to send to a browser on every page view.

    A land office's file can hold millions of vertices (tens of MB); a county map needs a few thousand.
    Coordinates are snapped to `precision` degrees; if the county still has more than `max_vertices`, the
    tolerance starts at 1/20,000 of its extent and doubles until it fits (each township keeps its topology).
    """
    if not geoms:
        return {}
    snapped = {k: polygonal(shapely.make_valid(shapely.set_precision(g, precision))) for k, g in geoms.items()}
    snapped = {k: g for k, g in snapped.items() if not g.is_empty}
    if sum(int(shapely.get_num_coordinates(g)) for g in snapped.values()) <= max_vertices:
        return snapped
    minx, miny, maxx, maxy = shapely.total_bounds(list(snapped.values())).tolist()
    tolerance = max(maxx - minx, maxy - miny) / 20_000
    simplified = snapped
    for _ in range(30):
        simplified = {k: polygonal(g.simplify(tolerance, preserve_topology=True)) for k, g in snapped.items()}
        if sum(int(shapely.get_num_coordinates(g)) for g in simplified.values()) <= max_vertices:
            break
        tolerance *= 2
    return simplified


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the (multi)polygon parts: make_valid can leave stray lines or points beside them."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polygons = [p for g in getattr(geom, "geoms", []) for p in getattr(polygonal(g), "geoms", [polygonal(g)])
                if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()


def report_problems(result: BoundaryMatch, problems: Problems, source: str) -> None:
    """The match's leftovers as warnings of an import (sheet = the file name)."""
    for label in result.unmatched_features:
        problems.add(source, None, None, label, "未匹配到任何乡镇（按乡镇代码、township_code、adcode 或名称）", WARNING)
    for label, reason in result.skipped:
        problems.add(source, None, None, label, reason, WARNING)
    for township in result.missing_townships:
        problems.add(source, None, None, township, "该乡镇没有边界", WARNING)


def parse(data: bytes, townships: pl.DataFrame, problems: Problems, source: str = "boundaries.geojson",
          tolerance: float = 0.0) -> pl.DataFrame:
    """Frame (township_code, geometry) of the GeoJSON features that match a township; the rest reported.

    Used by `ingest load` for a boundaries.geojson beside the sheets. `tolerance` is kept for callers that
    simplify further; display simplification happens anyway.
    """
    empty = pl.DataFrame(schema={"township_code": pl.String, "geometry": pl.String})
    try:
        result = match_features(geojson_collection(data, source), townships)
    except BoundaryFileError as exc:
        problems.file_error(source, str(exc))
        return empty
    report_problems(result, problems, source)
    if tolerance and result.shapes.height:
        simplified = [json.dumps(mapping(shape(json.loads(text)).simplify(tolerance, preserve_topology=True)),
                                 ensure_ascii=False) for text in result.shapes["geometry"]]
        return result.shapes.with_columns(geometry=pl.Series(simplified, dtype=pl.String))
    return result.shapes if result.shapes.height else empty
