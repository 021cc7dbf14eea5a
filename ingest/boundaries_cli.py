"""`python -m ingest boundaries FILE --db DB`: load a county's real township boundaries as a new version.

FILE: GeoJSON, an ESRI Shapefile (.shp beside its .dbf) or a .zip of either, as a GIS office delivers it:
names like "某某县白沙镇", the other script, a city-wide file, z coordinates, a declared CRS
(ingest/boundaries.py). The match table (file name -> township, how it matched, suggestions for the rest)
is printed first. The new version is a copy of every table of the served version in which only the
matched townships' boundaries are replaced (the others keep theirs) plus an import_log row (mode
'boundaries'), built under its own name, checkpointed and closed, then switched to atomically
(ingest/publish.py). The 数据导入 page publishes through the same `publish_boundaries`.

Nothing is published when a township of the county gets no shape or a feature that may be the county's
is unmatched, unless --partial is given: the clerk adds the missing names to the mapping file
(`<db stem>.boundary_names.csv` beside the database, ingest/boundary_names.py) and runs again.

Exit codes: 0 published (or --dry-run shown), 1 refused (nothing published), 2 bad usage (no database).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

import settings
from ingest import publish
from ingest.load import SCHEMA_SQL
from ingest.boundaries import (MATCHED, OTHER_COUNTY, BoundaryFile, BoundaryFileError, BoundaryMatch, match_features,
                               read_boundary_file)
from ingest.boundary_names import NameFileError, mapping_path, read_mapping

SHEET = "乡镇边界"
MAX_LISTED = 30


@dataclass
class Plan:
    """A boundary file matched against the served version: what a publish would change."""
    file: BoundaryFile
    result: BoundaryMatch
    served: Path
    names_file: Path
    townships: dict[str, str]  # 乡镇代码 -> 乡镇名称 of the served version
    stored_shapes: dict[str, str]  # 乡镇代码 -> GeoJSON text of the boundaries served now

    @property
    def updated(self) -> list[str]:
        return self.result.shapes["township_code"].to_list()

    @property
    def kept(self) -> list[str]:
        """Townships the file does not cover that keep the shape they have."""
        return [c for c in sorted(self.stored_shapes) if c not in set(self.updated)]


def plan(path: Path, db: Path, *, county: str | None = None, names_file: Path | None = None) -> Plan:
    """Read and match a boundary file against the served version (raises BoundaryFileError)."""
    served = publish.current(db)
    if served is None:
        raise BoundaryFileError(f"数据库 {Path(db).name} 尚未发布任何版本：请先导入县里的数据，再导入边界")
    names_file = Path(names_file) if names_file else mapping_path(db)
    boundary_file = read_boundary_file(path)
    townships, stored = read_townships(served), read_stored_shapes(served)
    try:
        mapping = read_mapping(names_file, dict(zip(townships["township_code"], townships["township_name"])))
    except NameFileError as exc:
        raise BoundaryFileError(f"乡镇名称对照表有误：{exc}") from exc
    result = match_features(boundary_file.collection, townships, mapping=mapping, county=county)
    return Plan(boundary_file, result, served, names_file,
                dict(zip(townships["township_code"], townships["township_name"])), stored)


def _listing(title: str, items: list[str], out) -> None:
    if not items:
        return
    print(f"{title}（{len(items)} 个）：", file=out)
    for item in items[:MAX_LISTED]:
        print(f"  {item}", file=out)
    if len(items) > MAX_LISTED:
        print(f"  …… 另有 {len(items) - MAX_LISTED} 个", file=out)


def match_lines(result: BoundaryMatch) -> list[str]:
    """The match table as text: one line per feature of this county (other counties are in one note)."""
    lines = []
    for row in result.rows:
        if row.status == OTHER_COUNTY:
            continue
        target = f"{row.township}（{row.code}）" if row.status == MATCHED else row.status
        details = [row.how] if row.how else []
        details += [f"可能是：{'、'.join(row.suggestions)}"] if row.suggestions else []
        lines.append(f"{row.name} → {target}　{'；'.join(details)}".rstrip())
    return lines


def print_match(result: BoundaryMatch, out=sys.stdout) -> None:
    for note in result.notes:
        print(note, file=out)
    print(f"已匹配乡镇 {result.shapes.height} 个（要素 {len(result.matched)} 个）", file=out)
    _listing("匹配表（文件中的名称 → 乡镇，匹配方式）", match_lines(result), out)
    _listing("未匹配到乡镇的要素（按乡镇代码、township_code、adcode 或名称均未找到）",
             [f"{r.label}" + (f"，可能是：{'、'.join(r.suggestions)}" if r.suggestions else "")
              for r in result.rows if r.status == "未匹配"], out)
    _listing("已跳过的要素", [f"{label}：{reason}" for label, reason in result.skipped], out)
    _listing("文件中没有的乡镇", [t + (f"，文件中相近的名称：{'、'.join(result.missing_suggestions[t])}"
                                       if result.missing_suggestions.get(t) else "") for t in result.missing_townships], out)
    if result.simplified:
        print(f"边界已简化以便显示：顶点 {result.vertices_before:,} → {result.vertices_after:,}", file=out)


def refusal(p: Plan) -> str | None:
    """Why this file may not be published without --partial (None: it covers the whole county)."""
    result = p.result
    if result.complete:
        return None
    parts = []
    if result.unmatched_features:
        parts.append(f"{len(result.unmatched_features)} 个可能属于本县的要素未匹配")
    if result.missing_townships:
        parts.append(f"{len(result.missing_townships)} 个乡镇在文件中没有边界")
    return (f"{'，'.join(parts)}，未发布任何数据，当前数据保持不变。请在名称对照表 {p.names_file} 中补充"
            "「文件中的名称,乡镇」（乡镇写乡镇代码或名称，不属于任何乡镇的写「不导入」）后重新导入；"
            "若文件本来只含部分乡镇，加 --partial 只更新已匹配的乡镇，其余乡镇保留原有边界。")


def read_townships(version: Path) -> pl.DataFrame:
    con = duckdb.connect(str(version), read_only=True)
    try:
        return con.sql("SELECT township_code, township_name FROM townships ORDER BY township_code").pl()
    finally:
        con.close()


def read_stored_shapes(version: Path) -> dict[str, str]:
    con = duckdb.connect(str(version), read_only=True)
    try:
        return dict(con.sql("SELECT township_code, geometry FROM township_boundaries").fetchall())
    finally:
        con.close()


def publish_boundaries(db: Path, served: Path, result: BoundaryMatch, source_name: str, sha256: str,
                       user: str | None = None) -> Path:
    """Build the new version (served tables copied, the matched townships' boundaries replaced, the others
    kept), switch to it, prune old ones."""
    with publish.building(db) as (target, version):
        _build(target, served, result, source_name, sha256, user)
        if publish.current(db) != served:  # another import published while this was matched or built
            raise BoundaryFileError("在匹配边界期间，数据已被另一次导入更新；为免覆盖那次导入，本次未发布，请重新导入边界文件")
    publish.prune(db, settings.load().keep_versions)
    return version


def _build(target: Path, served: Path, result: BoundaryMatch, source_name: str, sha256: str,
           user: str | None) -> None:
    con = duckdb.connect(str(target))
    try:
        con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))  # the contract tables with their constraints
        con.execute("ATTACH ? AS served (READ_ONLY)", [str(served)])
        ours = publish.tables_in_order(con, con.execute("SELECT current_database()").fetchall()[0][0])
        theirs = publish.tables_in_order(con, "served")
        # Every table of the served version: contract tables in schema order (parents before children),
        # then any other table as it is there. Boundaries: the file's townships new, the others as they were.
        for table in [t for t in ours if t in theirs] + [t for t in theirs if t not in ours]:
            if table == "township_boundaries":
                continue
            if table in ours:
                con.execute(f'INSERT INTO main."{table}" BY NAME SELECT * FROM served.main."{table}"')
            else:
                con.execute(f'CREATE TABLE main."{table}" AS SELECT * FROM served.main."{table}"')
        con.register("shapes", result.shapes)
        con.execute("INSERT INTO township_boundaries SELECT township_code, geometry FROM shapes")
        con.execute("INSERT INTO township_boundaries SELECT b.* FROM served.main.township_boundaries b "
                    "JOIN townships USING (township_code) WHERE b.township_code NOT IN (SELECT township_code FROM shapes)")
        con.unregister("shapes")
        without = [f"{name}（{code}）" for code, name in con.execute(
            "SELECT township_code, township_name FROM townships WHERE township_code NOT IN "
            "(SELECT township_code FROM township_boundaries) ORDER BY township_code").fetchall()]
        import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_log").fetchall()[0][0]
        warnings = ([(label, "未匹配到任何乡镇") for label in result.unmatched_features]
                    + list(result.skipped) + [(t, "该乡镇没有边界") for t in without])
        for value, message in warnings:
            con.execute("INSERT INTO import_warnings VALUES (?, ?, NULL, NULL, ?, ?)", [import_id, SHEET, value, message])
        con.execute(
            "INSERT INTO import_log VALUES (?, ?, ?, 'boundaries', ?, ?, ?, ?)",
            [import_id, dt.datetime.now(), user, source_name,
             json.dumps([{"name": source_name, "sha256": sha256}], ensure_ascii=False),
             json.dumps({SHEET: result.shapes.height}, ensure_ascii=False), len(warnings)])
        con.execute("DETACH served")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest boundaries",
                                     description="导入乡镇边界（GeoJSON、Shapefile 或其 .zip），发布为新版本")
    parser.add_argument("file", type=Path, help="边界文件：.geojson/.json、.shp（旁边有同名 .dbf）或 .zip")
    parser.add_argument("--db", required=True, type=Path, help="数据库（逻辑名，如 county.duckdb）")
    parser.add_argument("--partial", action="store_true",
                        help="文件只含部分乡镇：只更新已匹配的乡镇，其余保留原有边界；未匹配的要素列出但不阻止发布")
    parser.add_argument("--county", default=None,
                        help="本县名称（如 某某县）：全市/全省文件中无法自动判断本县时指定")
    parser.add_argument("--names", type=Path, default=None,
                        help="乡镇名称对照表（CSV：文件中的名称,乡镇），默认为数据库旁的 <库名>.boundary_names.csv")
    parser.add_argument("--dry-run", action="store_true", help="只显示匹配表，不发布")
    parser.add_argument("--user", default=None)
    args = parser.parse_args(argv)
    if publish.current(args.db) is None:
        print(f"数据库 {args.db} 不存在或尚未发布任何版本：请先用 python -m ingest load 导入县里的数据，再导入边界。",
              file=sys.stderr)
        return 2
    try:
        p = plan(args.file, args.db, county=args.county, names_file=args.names)
    except BoundaryFileError as exc:
        print(f"边界文件有误，未发布任何数据：{exc}", file=sys.stderr)
        return 1
    result = p.result
    print_match(result)
    print(f"乡镇名称对照表：{p.names_file}{'' if p.names_file.exists() else '（尚未建立）'}")
    if result.shapes.height == 0:
        print("没有一个要素能匹配到本县的乡镇，未发布任何数据，当前数据保持不变。请检查属性表中是否有"
              "乡镇代码（或 township_code、adcode）或与系统一致的乡镇名称，或在名称对照表中写明对应关系。", file=sys.stderr)
        return 1
    why = refusal(p)
    if why and not args.partial:
        print(why, file=sys.stderr)
        return 1
    summary = f"更新乡镇边界 {len(p.updated)} 个，沿用原有边界 {len(p.kept)} 个"
    if args.dry_run:
        print(f"（试运行，未发布）发布后将{summary}")
        return 0
    version = publish_boundaries(args.db, p.served, result, p.file.name, p.file.sha256, args.user)
    print(f"已发布新版本 {version.name}（{summary}）")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
