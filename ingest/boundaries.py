"""Township boundaries from GeoJSON: match features to townships and keep valid geometry text.

No spatial extension (DuckDB downloads it at run time, which an intranet cannot): geometry is GeoJSON
text in the database and shapely in Python.
"""

from __future__ import annotations

import json

import polars as pl
import shapely
from shapely.geometry import mapping, shape

from ingest.problems import WARNING, Problems

CODE_KEYS = ("乡镇代码", "township_code", "adcode", "code")
NAME_KEYS = ("乡镇名称", "township_name", "name", "NAME", "名称")


def parse(data: bytes, townships: pl.DataFrame, problems: Problems, source: str = "boundaries.geojson",
          tolerance: float = 0.0) -> pl.DataFrame:
    """Frame (township_code, geometry) of the features that match a township; the rest reported."""
    empty = pl.DataFrame(schema={"township_code": pl.String, "geometry": pl.String})
    try:
        collection = json.loads(data.decode("utf-8-sig"))
        features = collection["features"] if collection.get("type") == "FeatureCollection" else None
    except (ValueError, AttributeError, KeyError, UnicodeDecodeError):
        features = None
    if features is None:
        problems.file_error(source, "不是有效的 GeoJSON FeatureCollection")
        return empty
    by_code = {str(c): str(c) for c in townships["township_code"].drop_nulls()}
    by_name = dict(zip(townships["township_name"].cast(pl.String), townships["township_code"].cast(pl.String)))
    rows: dict[str, str] = {}
    for number, feature in enumerate(features, start=1):
        props = (feature or {}).get("properties") or {}
        code = next((by_code[str(props[k]).strip()] for k in CODE_KEYS
                     if k in props and str(props[k]).strip() in by_code), None)
        if code is None:
            code = next((by_name[str(props[k]).strip()] for k in NAME_KEYS
                         if k in props and str(props[k]).strip() in by_name), None)
        label = next((str(props[k]) for k in CODE_KEYS + NAME_KEYS if k in props), f"第{number}个要素")
        if code is None:
            problems.add(source, None, None, label, "未匹配到任何乡镇（按乡镇代码、township_code、adcode 或名称）",
                         WARNING)
            continue
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
            problems.add(source, None, None, label, "几何图形无法识别", WARNING)
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.add(source, None, None, label, f"几何类型为 {geom.geom_type}，应为 Polygon 或 MultiPolygon",
                         WARNING)
            continue
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        if tolerance:
            geom = geom.simplify(tolerance, preserve_topology=True)
        if code in rows:
            geom = shapely.union(shape(json.loads(rows[code])), geom)
        rows[code] = json.dumps(mapping(geom), ensure_ascii=False)
    for code, name in zip(townships["township_code"], townships["township_name"]):
        if code not in rows:
            problems.add(source, None, None, f"{name}（{code}）", "该乡镇没有边界", WARNING)
    if not rows:
        return empty
    return pl.DataFrame({"township_code": list(rows), "geometry": list(rows.values())})
