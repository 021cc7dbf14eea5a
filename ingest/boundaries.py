"""Township boundaries: read a GeoJSON or ESRI Shapefile, match features to townships, keep display-ready
geometry as GeoJSON text.

No spatial extension (DuckDB downloads it at run time, which an intranet cannot): geometry is GeoJSON
text in the database and shapely in Python. Coordinates end up 2-D longitude/latitude: a declared CRS is
named and, when projected, reprojected; swapped axes are recognised; metres without a CRS are refused
(ingest/boundary_crs.py).

Matching, in this order, per feature: the clerk's mapping file, a code property (乡镇代码, township_code,
adcode, code; a 12-digit 统计用区划代码 ending in 000 also matches its 9-digit township code), then a name
property (乡镇名称, township_name, name, ...) after normalising (ingest/boundary_names.py: prefixes such as
"某某县" stripped, width, spaces, Traditional script). In a city- or province-wide file, features whose
name or code carries another county are set aside. Several features of one township are merged.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import shapely
from shapely.geometry import mapping as mapping_of, shape
from shapely.geometry.base import BaseGeometry

from ingest.boundary_crs import CRSError, Placer, declared, geojson_crs_text
from ingest.boundary_names import (COUNTY_KEYS, NameHit, TownshipNames, bare, how_normalised, last_part, normalise,
                                   splits)
from ingest.problems import WARNING, Problems
from ingest.zip_limits import zip_problem

CODE_KEYS = ("乡镇代码", "township_code", "adcode", "code", "ADCODE", "CODE", "XZQDM", "xzqdm")
NAME_KEYS = ("乡镇名称", "township_name", "name", "NAME", "名称", "XZQMC", "xzqmc", "Name")
MAX_DISPLAY_VERTICES = 40_000  # whole county; a browser draws this instantly
COORD_PRECISION = 1e-6  # degrees (~0.1 m)
MAX_FILE_BYTES = 512 * 1024**2
MAX_SUGGESTED = 300  # unmatched features that get nearest names suggested


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
    other_county: list[tuple[str, str]] = field(default_factory=list)  # (feature label, "其他县（乙县）")
    set_aside: list[str] = field(default_factory=list)  # feature labels the mapping file says 不导入
    rows: list = field(default_factory=list)  # MatchRow per feature, for the match table
    missing_suggestions: dict[str, list[str]] = field(default_factory=dict)  # township -> near feature names
    notes: list[str] = field(default_factory=list)  # CRS, swapped axes, the county's own name, other counties
    county: str | None = None  # the prefix naming this county's townships in the file, when there is one
    simplified: bool = False
    vertices_before: int = 0
    vertices_after: int = 0

    @property
    def complete(self) -> bool:
        """Every township of the county got a shape and every feature that may be the county's was matched."""
        return not (self.unmatched_features or self.missing_townships)


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
    refused = zip_problem(data, name)  # a zip bomb is refused from its directory, before anything is inflated
    if refused:
        raise BoundaryFileError(refused)
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
    """A Shapefile as a FeatureCollection (pyshp), its .prj kept as the GeoJSON `crs` name. Attribute text:
    the .cpg's encoding, else UTF-8, else GBK (county land offices' files are usually GBK without a .cpg)."""
    import shapefile  # pyshp

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
            collection = {"type": "FeatureCollection", "features": features}
            if prj and prj.strip():  # the CRS, named and applied in matching (ingest/boundary_crs.py)
                collection["crs"] = {"type": "name", "properties": {"name": prj.decode("utf-8", "replace").strip()}}
            return collection
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
    text = unicodedata.normalize("NFKC", str(value)).strip()
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


def _feature_name(props: dict) -> str:
    """The feature's name as the file writes it, with a separate county field put in front ("某某县" + "白沙镇")."""
    name = next((str(props[k]).strip() for k in NAME_KEYS if props.get(k) not in (None, "")), "")
    county = next((str(props[k]).strip() for k in COUNTY_KEYS if props.get(k) not in (None, "")), "")
    return f"{county}{name}" if name and county and not name.startswith(county) else name


@dataclass
class MatchRow:
    """One line of the match table shown before publishing."""
    number: int
    label: str
    name: str  # as in the file
    status: str  # MATCHED, OTHER_COUNTY, UNMATCHED, SET_ASIDE, SKIPPED
    code: str | None = None
    township: str | None = None
    how: str = ""
    suggestions: list[str] = field(default_factory=list)


MATCHED, OTHER_COUNTY, UNMATCHED, SET_ASIDE, SKIPPED = "已匹配", "其他县", "未匹配", "不导入", "已跳过"


@dataclass
class _Candidate:
    row: MatchRow
    feature: dict
    norm: str
    hit: NameHit | None = None


def match_features(collection: dict, townships: pl.DataFrame, *, mapping: dict[str, str | None] | None = None,
                   county: str | None = None) -> BoundaryMatch:
    """Match the features to the townships (see module docstring and ingest/boundary_names.py).

    `mapping`: the clerk's file (normalised file name -> 乡镇代码, None = set aside); `county`: the county's
    own name when the file cannot tell it (a city-wide file where two counties match equally many names).
    """
    codes = [str(c) for c in townships["township_code"].to_list()]
    names = [str(n) for n in townships["township_name"].to_list()]
    table = TownshipNames(codes, names)
    name_of = table.name_of
    by_code = {c: c for c in codes}
    county_codes = {c[:6] for c in codes if len(c) >= 9 and c.isdigit()}
    mapping = mapping or {}
    result = BoundaryMatch(shapes=pl.DataFrame())
    try:
        placer = Placer(declared(geojson_crs_text(collection)))
    except CRSError as exc:
        raise BoundaryFileError(str(exc)) from exc
    candidates: list[_Candidate] = []
    for number, feature in enumerate(collection.get("features") or [], start=1):
        props = (feature or {}).get("properties") or {} if isinstance(feature, dict) else {}
        label = _feature_label(props, number)
        raw_name = _feature_name(props)
        norm = normalise(raw_name) if raw_name else ""
        row = MatchRow(number, label, raw_name or label, UNMATCHED)
        candidates.append(_Candidate(row, feature, norm))
        mapped = next(((rest, mapping[rest]) for _, rest in splits(norm) if rest in mapping), None) if norm else None
        if mapped is not None:
            row.how = f"对照表（{mapped[0]}）"
            if mapped[1] is None:
                row.status = SET_ASIDE
            else:
                row.status, row.code = MATCHED, mapped[1]
            continue
        code_values = [c for k in CODE_KEYS if props.get(k) not in (None, "") for c in _code_candidates(props[k])]
        code = next((by_code[c] for c in code_values if c in by_code), None)
        hit = table.lookup(norm) if norm else None
        if code is not None:
            row.status, row.code, row.how = MATCHED, code, "乡镇代码"
            if hit is not None and hit.code == code:
                candidates[-1].hit = hit  # its name prefix tells which county is ours
            continue
        foreign = [c for c in code_values if len(c) in (9, 12) and c.isdigit()]
        if county_codes and foreign and all(c[:6] not in county_codes for c in foreign):
            row.status, row.how = OTHER_COUNTY, f"区划代码 {foreign[0][:6]} 不是本县"
            continue
        if hit is not None:
            candidates[-1].hit = hit
            row.code = hit.code
            steps = ([f"去掉前缀「{hit.prefix}」"] if hit.prefix else []) + how_normalised(raw_name)
            steps += [hit.how] if hit.how != "名称一致" else []
            row.how = f"名称（{'，'.join(steps)}）" if steps else "名称一致"
    ours, county_note = _own_prefix(candidates, county)
    if county_note:
        result.notes.append(county_note)
    result.county = ours
    own = normalise(county) if county else None
    for cand in candidates:
        row = cand.row
        if row.status != UNMATCHED:
            continue
        other = _other_county(cand.norm, ours, own)
        if cand.hit is not None and other is None and (ours is not None or not cand.hit.prefix):
            row.status = MATCHED
            continue
        if cand.hit is not None and other is None:  # prefixed, but the file's own county is undecided
            row.code = None
            row.how = f"前缀「{cand.hit.prefix}」：无法判断是否本县"
            continue
        if other is not None:
            row.status, row.code, row.how = OTHER_COUNTY, None, f"其他县（{other}）"
    geoms: dict[str, list[BaseGeometry]] = {}
    for cand in candidates:
        row = cand.row
        if row.status != MATCHED:
            continue
        try:
            geom = shape(cand.feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, shapely.errors.GEOSException):
            row.status, row.how = SKIPPED, "几何图形无法识别"
            continue
        if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            row.status, row.how = SKIPPED, f"几何类型为 {geom.geom_type}，应为 Polygon 或 MultiPolygon"
            continue
        try:
            geom = placer.place(geom, row.label)
        except CRSError as exc:
            raise BoundaryFileError(str(exc)) from exc
        if not geom.is_valid:
            geom = polygonal(shapely.make_valid(geom))
        geoms.setdefault(row.code, []).append(geom)
        row.township = name_of[row.code]
    result.notes[:0] = placer.notes
    result.rows = [c.row for c in candidates]
    for row in result.rows:
        if row.status == MATCHED:
            result.matched.append((row.label, row.code, row.township))
        elif row.status == UNMATCHED:
            if len(result.unmatched_features) < MAX_SUGGESTED:  # a wrong province-wide file: do not stall
                row.suggestions = table.suggest(normalise(row.name)) if row.name != row.label else []
            result.unmatched_features.append(row.label)
        elif row.status == SKIPPED:
            result.skipped.append((row.label, row.how))
        elif row.status == OTHER_COUNTY:
            result.other_county.append((row.label, row.how))
        elif row.status == SET_ASIDE:
            result.set_aside.append(row.label)
    if result.other_county:
        counties: dict[str, int] = {}
        for _, how in result.other_county:
            key = how.removeprefix("其他县（").removesuffix("）")
            counties[key] = counties.get(key, 0) + 1
        listed = "、".join(f"{k} {v} 个" for k, v in sorted(counties.items(), key=lambda kv: -kv[1])[:8])
        result.notes.append(f"已略去其他县的要素 {len(result.other_county)} 个（{listed}{' 等' if len(counties) > 8 else ''}）")
    merged = {code: parts[0] if len(parts) == 1 else polygonal(shapely.union_all(parts)) for code, parts in geoms.items()}
    result.vertices_before = sum(int(shapely.get_num_coordinates(g)) for g in merged.values())
    display = simplify_for_display(merged)
    result.vertices_after = sum(int(shapely.get_num_coordinates(g)) for g in display.values())
    result.simplified = result.vertices_after < result.vertices_before
    unmatched_names = [r.name for r in result.rows if r.status == UNMATCHED][:MAX_SUGGESTED]
    for c in codes:
        if c not in display:
            label = f"{name_of[c]}（{c}）"
            result.missing_townships.append(label)
            near = nearest_features(name_of[c], unmatched_names)
            result.missing_suggestions[label] = near
    result.shapes = pl.DataFrame(
        {"township_code": list(display), "geometry": [json.dumps(mapping_of(g), ensure_ascii=False) for g in display.values()]},
        schema={"township_code": pl.String, "geometry": pl.String})
    return result


def nearest_features(township: str, feature_names: list[str], n: int = 3) -> list[str]:
    """The unmatched features' names (as in the file) closest to a township that got no shape."""
    target = normalise(township)
    stem = set(bare(target))
    scored = []
    for name in feature_names:
        if not stem & set(normalise(name)):  # nothing in common: not worth a SequenceMatcher (big files)
            continue
        rests = [rest for _, rest in splits(normalise(name))]
        score = max(max(difflib.SequenceMatcher(None, r, target).ratio(),
                        difflib.SequenceMatcher(None, bare(r), bare(target)).ratio()) for r in rests)
        if score >= 0.5:
            scored.append((score, name))
    return [name for _, name in sorted(scored, key=lambda s: -s[0])[:n]]


def _own_prefix(candidates: list[_Candidate], county: str | None) -> tuple[str | None, str | None]:
    """The prefix ("湖南省某某县") that names this county's townships: given, or the one naming most of them.

    Returns (prefix or None, a note for the clerk). None when no matched name carries a prefix (a file of
    bare names) or when two prefixes name equally many townships (then the clerk names the county)."""
    votes: dict[str, set[str]] = {}
    for cand in candidates:
        if cand.hit is not None and cand.hit.prefix:
            votes.setdefault(cand.hit.prefix, set()).add(cand.hit.code)
    if county:
        own = normalise(county)
        chosen = [p for p in votes if p.endswith(own)]
        prefix = max(chosen, key=lambda p: len(votes[p])) if chosen else own
        return prefix, f"本县：{county}（按指定）"
    if not votes:
        return None, None
    ranked = sorted(votes, key=lambda p: -len(votes[p]))
    if len(ranked) > 1 and len(votes[ranked[0]]) == len(votes[ranked[1]]):
        tied = "、".join(ranked[:3])
        return None, (f"文件中有多个县的要素，且「{tied}」与本县乡镇名称相同的一样多，无法判断哪个是本县："
                      "请指定本县名称（命令行 --county，页面上的「本县名称」）")
    return ranked[0], f"本县：{ranked[0]}（文件中 {len(votes[ranked[0]])} 个乡镇名称带此前缀）"


def _other_county(norm: str, ours: str | None, own: str | None) -> str | None:
    """The other county a feature's name carries, or None when it may be this county's.

    The longest prefix (cut after 省/市/县/区/旗..., at least two characters either side) is this county's when
    it is the start of this county's prefix (a province or city part) or ends in the same county-level name
    ("某某县" and "湖南省某某县"); any other is another county's, named by its last part."""
    if ours is None or not norm:
        return None
    for prefix, rest in reversed(splits(norm)[1:]):  # the longest prefix first
        if len(prefix) < 2 or len(rest) < 2:
            continue
        if ours.startswith(prefix) or last_part(prefix) == last_part(ours) or (own and prefix.endswith(own)):
            return None
        return last_part(prefix)
    return None
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
        simplified = [json.dumps(mapping_of(shape(json.loads(text)).simplify(tolerance, preserve_topology=True)),
                                 ensure_ascii=False) for text in result.shapes["geometry"]]
        return result.shapes.with_columns(geometry=pl.Series(simplified, dtype=pl.String))
    return result.shapes if result.shapes.height else empty
