"""Coordinate reference systems of boundary files: name the declared one, bring coordinates to 2-D
longitude/latitude, and tell swapped longitude/latitude apart from projected metres.

The map draws longitude/latitude (WGS-84; CGCS2000 and GCJ-02 differ from it by less than the width of a
border line at county scale). Land offices often deliver CGCS2000 Gauss-Kruger coordinates in metres (the
third land survey's format) with a .prj: when the file declares its CRS, pyproj reprojects it (its wheel
carries PROJ's database, nothing is downloaded). Metres without a declared CRS cannot be placed (which
zone? which datum?), so they are refused with what to do next. Longitude/latitude written latitude first
is recognised by its values (a Chinese county lies at 73-135 E, 18-54 N) and swapped back, with a note.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

CHINA_LON = (70.0, 140.0)
CHINA_LAT = (15.0, 56.0)
# Geographic CRSs whose longitude/latitude the map can take as they are (differences under ~1 m).
AS_IS = {4326, 4979, 4490, 4480}  # WGS 84 and CGCS2000, 2-D and 3-D


class CRSError(ValueError):
    """Coordinates that cannot be placed on the map (message in Chinese, naming the CRS)."""


@dataclass
class DeclaredCRS:
    text: str  # as the file declares it (GeoJSON crs name, or .prj WKT)
    name: str  # pyproj's name, or the text's own name when pyproj does not know it
    crs: object | None = None  # pyproj.CRS, None when unrecognised

    @property
    def projected(self) -> bool:
        if self.crs is not None:
            return bool(self.crs.is_projected)
        return self.text.lstrip().upper().startswith("PROJCS") or "PROJCRS" in self.text.upper()[:20]

    def describe(self) -> str:
        kind = "投影坐标，单位米" if self.projected else "经纬度"
        epsg = self.crs.to_epsg() if self.crs is not None else None
        return f"{self.name}（{f'EPSG:{epsg}，' if epsg else ''}{kind}）"


def declared(text: str | None) -> DeclaredCRS | None:
    """The CRS a file declares (GeoJSON `crs` name such as urn:ogc:def:crs:EPSG::4490, or .prj WKT)."""
    if not text or not str(text).strip():
        return None
    text = str(text).strip()
    import pyproj

    try:
        crs = pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        crs = None
    if crs is not None:
        return DeclaredCRS(text, crs.name, crs)
    quoted = text.split('"')
    return DeclaredCRS(text, quoted[1] if len(quoted) > 2 else text[:60])


def geojson_crs_text(collection: dict) -> str | None:
    """The `crs` member of a GeoJSON (2008 spec; RFC 7946 dropped it but GIS software still writes it)."""
    crs = collection.get("crs")
    if not isinstance(crs, dict):
        return None
    props = crs.get("properties") or {}
    if crs.get("type") == "name" and props.get("name"):
        return str(props["name"])
    if crs.get("type") == "EPSG" and props.get("code"):
        return f"EPSG:{props['code']}"
    return json.dumps(crs, ensure_ascii=False)[:120]


class Placer:
    """Turns one file's geometries into 2-D longitude/latitude (see module docstring)."""

    def __init__(self, crs: DeclaredCRS | None):
        self.crs = crs
        self.notes: list[str] = []
        self._transformer = None
        self._swapped_seen = False
        if crs is None:
            return
        if crs.crs is None:
            if crs.projected:
                raise CRSError(f"文件声明的坐标系「{crs.name}」是投影坐标（单位米），但无法识别其参数，不能转换为经纬度；"
                               "请在 GIS 软件中导出为经纬度（WGS-84 或 CGCS2000，EPSG:4490）后再导入")
            self.notes.append(f"坐标系：{crs.name}（未能识别，按经纬度读取）")
            return
        epsg = crs.crs.to_epsg()
        if crs.crs.is_geographic and (epsg in AS_IS or "WGS 84" in crs.name or "CGCS2000" in crs.name):
            self.notes.append(f"坐标系：{crs.describe()}")
            return
        import pyproj

        self._transformer = pyproj.Transformer.from_crs(crs.crs, 4326, always_xy=True)
        note = f"坐标系：{crs.describe()}，已转换为经纬度（WGS-84）"
        if crs.crs.is_geographic or any(d in crs.name for d in ("Beijing 1954", "Xian 1980", "New Beijing")):
            note += "；北京54/西安80 等旧坐标系为近似转换，偏差可达百米，地图展示足够"
        self.notes.append(note)

    def place(self, geom: BaseGeometry, label: str) -> BaseGeometry:
        geom = shapely.force_2d(geom)
        if self._transformer is not None:
            transformer = self._transformer
            geom = shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
        minx, miny, maxx, maxy = geom.bounds
        if _within(minx, maxx, CHINA_LAT) and _within(miny, maxy, CHINA_LON):
            geom = shapely.transform(geom, lambda xy: xy[:, ::-1])
            if not self._swapped_seen:
                self._swapped_seen = True
                self.notes.append("经纬度顺序颠倒（纬度在前、经度在后），已自动调换")
            minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            where = f"（如 {minx:,.1f}, {miny:,.1f}）"
            if self.crs is not None:
                raise CRSError(f"{label} 的坐标{where}不在经纬度范围内，与文件声明的坐标系「{self.crs.name}」不符；"
                               "请在 GIS 软件中检查坐标系后导出为经纬度（WGS-84 或 CGCS2000）再导入")
            raise CRSError(f"{label} 的坐标{where}超出经纬度范围，是投影坐标（单位米），但文件没有声明坐标系"
                           "（GeoJSON 的 crs 或 Shapefile 的 .prj），无法换算；请在 GIS 软件中转换为经纬度"
                           "（WGS-84 或 CGCS2000）再导入，或连同 .prj 文件一起打包上传")
        return geom


def _within(low: float, high: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= low <= high <= bounds[1]
