"""Geometry for the 挂图作战 map: GeoJSON for Plotly, label and village points, and the map view.

Pure functions on shapely (no Streamlit, no database, no spatial extension). Boundaries arrive as the
`map_boundaries` frame (township_code, township_name, geometry as GeoJSON text). Coordinates are
longitude/latitude as imported (WGS-84 or GCJ-02); the map draws them in Web Mercator, as MapLibre does.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass

import numpy as np
import polars as pl
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from components.box_grid import BoxGrid

TILE_PX = 512  # MapLibre's world is 512 px wide at zoom 0


class SharedFeature(dict):
    """A GeoJSON Feature shared by every figure that draws it. Plotly deep-copies a trace's properties when the trace
    is added and again when the figure is sent (st.plotly_chart: `to_dict`): at province scale 2 x 9,000 dicts and
    lists per view. A shared feature is never changed (its coordinates are read-only arrays), so its copy is itself.
    orjson, which writes the figure's JSON, writes it as the dict it is."""

    def __deepcopy__(self, memo):
        return self


@dataclass(frozen=True, eq=False)
class Boundaries:
    """What a boundary version's geometry gives every map, worked out once (`prepare`) instead of on every view:
    shapes, label points (a pole of inaccessibility each), GeoJSON features and a spatial index. The page keeps one
    per data version for every session (app_data.map_geometry), so nothing here is changed after `prepare`."""

    codes: tuple[str, ...]  # in map_boundaries order (by 乡镇代码)
    names: dict[str, str]
    shapes: dict[str, BaseGeometry]
    # GeoJSON Feature per code, each ring's coordinates one read-only float array: Plotly validates and orjson writes
    # an array in one step, nested lists position by position (0.2 s per view for 2,273 townships).
    features: dict[str, SharedFeature]
    label_at: dict[str, tuple[float, float]]
    tree: shapely.STRtree  # over shapes in `codes` order
    bounds: tuple[float, float, float, float]

    def collection(self, codes=None) -> dict:
        """GeoJSON FeatureCollection of `codes` (all by default), in map_boundaries order, feature id = 乡镇代码."""
        wanted = None if codes is None else set(codes)
        return {"type": "FeatureCollection",
                "features": [self.features[c] for c in self.codes if wanted is None or c in wanted]}

    def in_view(self, view: "View", width_px: float, height_px: float) -> list[str]:
        """The townships that reach into the visible width x height around the view's centre."""
        if not self.codes:
            return []
        cx, cy = to_px(view.lon, view.lat, view.zoom)
        west, north = from_px(cx - width_px / 2, cy - height_px / 2, view.zoom)
        east, south = from_px(cx + width_px / 2, cy + height_px / 2, view.zoom)
        hits = self.tree.query(shapely.box(west, south, east, north), predicate="intersects")
        return [self.codes[i] for i in sorted(hits.tolist())]


def prepare(boundaries: pl.DataFrame) -> Boundaries:
    """The map_boundaries frame (township_code, township_name, geometry as GeoJSON text) as Boundaries."""
    codes = tuple(boundaries["township_code"].to_list())
    geometries = [json.loads(text) for text in boundaries["geometry"]]
    shape_of = {code: shape(g) for code, g in zip(codes, geometries)}
    features = {code: SharedFeature(type="Feature", id=code, properties={"name": name},
                                    geometry={"type": g["type"], "coordinates": _as_arrays(g["coordinates"])})
                for code, name, g in zip(codes, boundaries["township_name"], geometries)}
    return Boundaries(codes=codes, names=dict(zip(codes, boundaries["township_name"])), shapes=shape_of,
                      features=features, label_at={c: label_point(g).coords[0] for c, g in shape_of.items()},
                      tree=shapely.STRtree([shape_of[c] for c in codes]),
                      bounds=total_bounds(shape_of.values()) if codes else (0.0, 0.0, 0.0, 0.0))


def prepared(boundaries: "pl.DataFrame | Boundaries") -> Boundaries:
    """`boundaries` as Boundaries: prepared already (the page's, once per version) or a map_boundaries frame."""
    return boundaries if isinstance(boundaries, Boundaries) else prepare(boundaries)


def _as_arrays(coordinates):
    """GeoJSON coordinates with each ring (a list of positions) as one read-only float array."""
    if coordinates and isinstance(coordinates[0], list) and coordinates[0] and \
            isinstance(coordinates[0][0], (int, float)):
        ring = np.asarray(coordinates, dtype=float)
        if ring.ndim == 2:
            ring.flags.writeable = False
            return ring
        return coordinates
    return [_as_arrays(part) for part in coordinates]


def shapes(boundaries: pl.DataFrame) -> dict[str, BaseGeometry]:
    """township_code -> shapely geometry."""
    return {code: shape(json.loads(text)) for code, text in zip(boundaries["township_code"], boundaries["geometry"])}


def feature_collection(boundaries: pl.DataFrame, codes: list[str] | None = None) -> dict:
    """GeoJSON FeatureCollection with feature id = 乡镇代码 (Plotly's `featureidkey="id"`)."""
    wanted = None if codes is None else set(codes)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "properties": {"name": name}, "geometry": json.loads(text)}
        for code, name, text in zip(boundaries["township_code"], boundaries["township_name"], boundaries["geometry"])
        if wanted is None or code in wanted
    ]}


def _largest_part(geom: BaseGeometry) -> BaseGeometry:
    parts = list(getattr(geom, "geoms", [geom]))
    return max(parts, key=lambda g: g.area)


def label_point(geom: BaseGeometry) -> Point:
    """Where a township's name goes: the pole of inaccessibility of its largest part (always inside it,
    far from its edges), unlike the centroid, which can fall outside a crescent-shaped township."""
    part = _largest_part(geom)
    tolerance = max(math.sqrt(part.area) / 200, 1e-7)
    point = polylabel(part, tolerance) if part.geom_type == "Polygon" else part.point_on_surface()
    return point if part.contains(point) else part.point_on_surface()


def label_points(boundaries: pl.DataFrame) -> pl.DataFrame:
    rows = [(code, *label_point(geom).coords[0]) for code, geom in shapes(boundaries).items()]
    return pl.DataFrame(rows, schema={"township_code": pl.String, "lon": pl.Float64, "lat": pl.Float64}, orient="row")


def village_points(geom: BaseGeometry, village_codes: list[str], avoid: Point | None = None) -> list[tuple[float, float]]:
    """A deterministic point inside the township for each village without coordinates of its own.

    Each village gets its own random stream seeded by its 村代码, so a village keeps its place when other
    villages are added or removed. Points are drawn inside the township shrunk by a margin (markers do
    not sit on the border) and away from the township label when that leaves room; a village that finds
    no such spot falls back to a point on the township's surface.
    """
    part = _largest_part(geom)
    margin = math.sqrt(part.area) * 0.06
    inner = part.buffer(-margin)
    if inner.is_empty or inner.area < part.area * 0.2:
        inner = part
    if avoid is not None:
        spared = inner.difference(avoid.buffer(margin * 1.5))
        if not spared.is_empty and spared.area > inner.area * 0.5:
            inner = spared
    shapely.prepare(inner)
    minx, miny, maxx, maxy = inner.bounds
    fallback = part.point_on_surface().coords[0]
    points = []
    for code in village_codes:
        rng = np.random.default_rng(zlib.crc32(str(code).encode("utf-8")))
        xs = rng.uniform(minx, maxx, 256)
        ys = rng.uniform(miny, maxy, 256)
        inside = np.flatnonzero(shapely.contains_xy(inner, xs, ys))
        points.append((float(xs[inside[0]]), float(ys[inside[0]])) if inside.size else fallback)
    return points


@dataclass(frozen=True)
class View:
    lon: float
    lat: float
    zoom: float


def _mercator_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(bounds: tuple[float, float, float, float], width_px: float, height_px: float,
             padding: float = 0.06) -> View:
    """Centre and zoom that show `bounds` (minx, miny, maxx, maxy) inside a width x height map.

    Plotly's map does not fit itself to GeoJSON, so the view is computed the way MapLibre projects:
    Web Mercator, a 512 px world at zoom 0, keeping `padding` of each side free.
    """
    minx, miny, maxx, maxy = bounds
    span_x = max(maxx - minx, 1e-6) / 360.0
    y_top, y_bottom = _mercator_y(maxy), _mercator_y(miny)
    span_y = max(y_top - y_bottom, 1e-8) / (2 * math.pi)
    usable = 1 - 2 * padding
    zoom = math.log2(min(width_px * usable / (span_x * TILE_PX), height_px * usable / (span_y * TILE_PX)))
    centre_y = (y_top + y_bottom) / 2
    centre_lat = math.degrees(2 * math.atan(math.exp(centre_y)) - math.pi / 2)
    return View(lon=(minx + maxx) / 2, lat=centre_lat, zoom=round(min(zoom, 18.0), 3))


def total_bounds(geoms) -> tuple[float, float, float, float]:
    return tuple(shapely.total_bounds(list(geoms)).tolist())


# -- Labels that never hide each other ----------------------------------------------------------------------
# MapLibre drops a text label whose box touches one already drawn (Plotly gives no way to allow overlap), so a
# crowded county lost township names. The labels are therefore placed here, in the pixels of the fitted view.

def to_px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    world = TILE_PX * 2 ** zoom
    return (lon + 180) / 360 * world, (1 - _mercator_y(lat) / math.pi) / 2 * world


def from_px(x: float, y: float, zoom: float) -> tuple[float, float]:
    world = TILE_PX * 2 ** zoom
    return x / world * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / world))))


# MapLibre pads each label's collision box by 2 px; its boxes come out slightly larger than the em count
# (glyph metrics, fractional zoom), so a margin on top: two labels 1.9 px apart by the count collided on a
# phone and one name vanished.
LABEL_PAD_PX = 4


def text_box(lines: list[str], size: float) -> tuple[float, float]:
    """Width and height in px of centred text lines (a Chinese character is 1 em, digits and Latin ~0.56 em and
    a space 0.3 em in Noto Sans CJK), with LABEL_PAD_PX on each side."""
    width = max(sum(size if ord(c) > 0x2E80 else (0.3 if c == " " else 0.56) * size for c in line)
                for line in lines)
    return width + 2 * LABEL_PAD_PX, len(lines) * size * 1.2 + 2 * LABEL_PAD_PX


def place_labels(labels: list[tuple[str, float, float, list[str]]], geoms: dict[str, BaseGeometry], zoom: float,
                 size: float) -> dict[str, tuple[float, float, int]]:
    """code -> (lon, lat, lines kept) so that no two label boxes overlap at this zoom.

    labels: (code, lon, lat, text lines) with the name first. Small townships are placed first (they have
    the least room). Each label keeps its spot and all lines if it can; else it drops the value line (the
    hover still has it); else it moves up, down, left or right, inside its township if there is room there,
    else beside it (a sliver of a township cannot hold its own name); only when nothing is clear does a
    name stay on its own point.
    """
    boxes = BoxGrid()
    out: dict[str, tuple[float, float, int]] = {}
    order = sorted(labels, key=lambda item: geoms[item[0]].area if item[0] in geoms else 0.0)
    for code, lon, lat, lines in order:
        x, y = to_px(lon, lat, zoom)
        moves = [(0.0, 0.0, len(lines), False), (0.0, 0.0, 1, False)]
        for inside in (True, False):
            for keep in (len(lines), 1):
                w, h = text_box(lines[:keep], size)
                for step in (0.6, 1.2, 1.8, 2.6, 3.4):
                    moves += [(0.0, -step * h, keep, inside), (0.0, step * h, keep, inside),
                              (-step * w / 2, 0.0, keep, inside), (step * w / 2, 0.0, keep, inside),
                              (-step * w / 2, -step * h, keep, inside), (step * w / 2, step * h, keep, inside)]
        chosen = None
        for dx, dy, keep, inside in moves:
            w, h = text_box(lines[:keep], size)
            cx, cy = x + dx, y + dy
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if not boxes.free(box):
                continue
            if inside and code in geoms and not geoms[code].contains(Point(*from_px(cx, cy, zoom))):
                continue
            chosen = (cx, cy, keep, box)
            break
        if chosen is None:
            w, h = text_box(lines[:1], size)
            chosen = (x, y, 1, (x - w / 2, y - h / 2, x + w / 2, y + h / 2))
        cx, cy, keep, box = chosen
        boxes.add(box)
        out[code] = (*from_px(cx, cy, zoom), keep)
    return out


def names_that_fit(boundaries: Boundaries, codes: list[str], names: dict[str, str], zoom: float,
                   size: float) -> list[str]:
    """Of `codes`, those whose name at `size` px, centred on the label point, lies inside the township at this zoom.

    At province scale (thousands of townships a few pixels wide) a name that does not fit its township is
    unreadable and hides its neighbours; the map names the townships big enough on screen (hover tells the rest)."""
    codes = [c for c in codes if c in boundaries.label_at]
    if not codes:
        return []
    world = TILE_PX * 2 ** zoom
    lon, lat = np.array([boundaries.label_at[c] for c in codes]).T
    x = (lon + 180) / 360 * world
    y = (1 - np.log(np.tan(np.pi / 4 + np.radians(np.clip(lat, -85, 85)) / 2)) / np.pi) / 2 * world
    half_w = np.array([text_box([names[c]], size)[0] for c in codes]) / 2
    half_h = text_box(["乡"], size)[1] / 2

    def lon_lat(px, py):
        return px / world * 360 - 180, np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * py / world))))

    west, north = lon_lat(x - half_w, y - half_h)
    east, south = lon_lat(x + half_w, y + half_h)
    fits = shapely.contains([boundaries.shapes[c] for c in codes], shapely.box(west, south, east, north))
    return [c for c, ok in zip(codes, fits.tolist()) if ok]


# -- Click targets that cover each township's area ------------------------------------------------------------
# Plotly's Choroplethmap finds no polygon under the pointer in Streamlit's bundle (its calcdata loses the
# polygons it hit-tests against; seen in headless Chromium), so hovers and clicks land on markers instead: a
# grid of near-invisible markers over each township, dense enough that every pixel inside is within Plotly's
# 20 px hover distance of a marker of that township (the nearest marker wins, so the border is off by at
# most half a grid step).

def click_grid(geoms: dict[str, BaseGeometry], view: View, width_px: float, height_px: float,
               step_px: float, max_points: int = 6000) -> dict[str, list[tuple[float, float]]]:
    """code -> grid points (lon, lat) inside that township, `step_px` apart at the view's zoom, over the
    visible width x height around the view's centre (what is off screen at the start needs none until panned
    to: the view is where people click). The step grows when the grid would exceed max_points."""
    if not geoms:
        return {}
    cx, cy = to_px(view.lon, view.lat, view.zoom)
    minx, miny, maxx, maxy = total_bounds(geoms.values())
    left, top = to_px(minx, maxy, view.zoom)
    right, bottom = to_px(maxx, miny, view.zoom)
    left, right = max(left, cx - width_px / 2), min(right, cx + width_px / 2)
    top, bottom = max(top, cy - height_px / 2), min(bottom, cy + height_px / 2)
    if right <= left or bottom <= top:
        return {code: [] for code in geoms}
    step = max(step_px, math.sqrt((right - left) * (bottom - top) / max_points))
    xs = np.arange(left + step / 2, right, step)
    ys = np.arange(top + step / 2, bottom, step)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    world = TILE_PX * 2 ** view.zoom
    lons = gx / world * 360 - 180
    lats = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * gy / world))))
    # Which township holds each grid point: an index query, not every township against every point (2,273 x 6,000
    # point tests at province scale).
    codes = list(geoms)
    hit_point, hit_geom = shapely.STRtree([geoms[c] for c in codes]).query(shapely.points(lons, lats),
                                                                          predicate="within")
    order = np.lexsort((hit_point, hit_geom))  # by township, then in grid order
    hit_point, hit_geom = hit_point[order], hit_geom[order]
    starts = np.searchsorted(hit_geom, np.arange(len(codes) + 1))
    return {code: list(zip(lons[hit_point[a:b]].tolist(), lats[hit_point[a:b]].tolist()))
            for code, a, b in zip(codes, starts[:-1], starts[1:])}
