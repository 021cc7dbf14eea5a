"""`python -m ingest boundaries FILE --db DB`: load a county's real township boundaries as a new version.

FILE: GeoJSON, an ESRI Shapefile (.shp beside its .dbf) or a .zip of either. The new version is a copy of
every table of the served version with township_boundaries replaced and an import_log row (mode
'boundaries'), built under its own name, checkpointed and closed, then switched to atomically
(ingest/publish.py). A file that cannot be used, or matches no township, publishes nothing.

Exit codes: 0 published (warnings allowed), 1 refused, 2 bad usage (no database to add boundaries to).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

import duckdb
import polars as pl

import settings
from ingest import publish
from ingest.load import SCHEMA_SQL
from ingest.boundaries import BoundaryFileError, BoundaryMatch, match_features, read_boundary_file

SHEET = "乡镇边界"
MAX_LISTED = 30


def _listing(title: str, items: list[str], out) -> None:
    if not items:
        return
    print(f"{title}（{len(items)} 个）：", file=out)
    for item in items[:MAX_LISTED]:
        print(f"  {item}", file=out)
    if len(items) > MAX_LISTED:
        print(f"  …… 另有 {len(items) - MAX_LISTED} 个", file=out)


def print_match(result: BoundaryMatch, out=sys.stdout) -> None:
    print(f"已匹配乡镇 {result.shapes.height} 个（要素 {len(result.matched)} 个）", file=out)
    _listing("未匹配到乡镇的要素（按乡镇代码、township_code、adcode 或名称均未找到）", result.unmatched_features, out)
    _listing("已跳过的要素", [f"{label}：{reason}" for label, reason in result.skipped], out)
    _listing("没有边界的乡镇（地图上将显示为空白）", result.missing_townships, out)
    if result.simplified:
        print(f"边界已简化以便显示：顶点 {result.vertices_before:,} → {result.vertices_after:,}", file=out)


def read_townships(version: Path) -> pl.DataFrame:
    con = duckdb.connect(str(version), read_only=True)
    try:
        return con.sql("SELECT township_code, township_name FROM townships ORDER BY township_code").pl()
    finally:
        con.close()


def publish_boundaries(db: Path, served: Path, result: BoundaryMatch, source_name: str, sha256: str,
                       user: str | None = None) -> Path:
    """Build the new version (served tables copied, boundaries replaced), switch to it, prune old ones."""
    version = publish.new_version_path(db)
    building = version.with_name(f".{version.name}.building")
    try:
        _build(building, served, result, source_name, sha256, user)
        os.replace(building, version)
        publish.switch(db, version)
    except BaseException:
        building.unlink(missing_ok=True)
        Path(f"{building}.wal").unlink(missing_ok=True)
        raise
    publish.prune(db, settings.load().keep_versions)
    return version


def _build(target: Path, served: Path, result: BoundaryMatch, source_name: str, sha256: str,
           user: str | None) -> None:
    con = duckdb.connect(str(target))
    try:
        con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))  # the contract tables with their constraints
        con.execute("ATTACH ? AS served (READ_ONLY)", [str(served)])
        ours = _tables(con, con.execute("SELECT current_database()").fetchall()[0][0])
        theirs = _tables(con, "served")
        # Every table of the served version: contract tables in schema order (parents before children),
        # then any other table as it is there. The boundaries are the one table replaced.
        for table in [t for t in ours if t in theirs] + [t for t in theirs if t not in ours]:
            if table == "township_boundaries":
                continue
            if table in ours:
                con.execute(f'INSERT INTO main."{table}" BY NAME SELECT * FROM served.main."{table}"')
            else:
                con.execute(f'CREATE TABLE main."{table}" AS SELECT * FROM served.main."{table}"')
        con.register("shapes", result.shapes)
        con.execute("INSERT INTO township_boundaries SELECT township_code, geometry FROM shapes")
        con.unregister("shapes")
        import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_log").fetchall()[0][0]
        warnings = ([(label, "未匹配到任何乡镇") for label in result.unmatched_features]
                    + list(result.skipped) + [(t, "该乡镇没有边界") for t in result.missing_townships])
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


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    return [row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' ORDER BY table_oid",
        [database]).fetchall()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest boundaries",
                                     description="导入乡镇边界（GeoJSON、Shapefile 或其 .zip），发布为新版本")
    parser.add_argument("file", type=Path, help="边界文件：.geojson/.json、.shp（旁边有同名 .dbf）或 .zip")
    parser.add_argument("--db", required=True, type=Path, help="数据库（逻辑名，如 county.duckdb）")
    parser.add_argument("--user", default=None)
    args = parser.parse_args(argv)
    served = publish.current(args.db)
    if served is None:
        print(f"数据库 {args.db} 不存在或尚未发布任何版本：请先用 python -m ingest load 导入县里的数据，再导入边界。",
              file=sys.stderr)
        return 2
    try:
        boundary_file = read_boundary_file(args.file)
        townships = read_townships(served)
        result = match_features(boundary_file.collection, townships)
    except BoundaryFileError as exc:
        print(f"边界文件有误，未发布任何数据：{exc}", file=sys.stderr)
        return 1
    print_match(result)
    if result.shapes.height == 0:
        print("没有一个要素能匹配到本县的乡镇，未发布任何数据，当前数据保持不变。请检查属性表中是否有"
              "乡镇代码（或 township_code、adcode）或与系统一致的乡镇名称。", file=sys.stderr)
        return 1
    version = publish_boundaries(args.db, served, result, boundary_file.name, boundary_file.sha256, args.user)
    print(f"已发布新版本 {version.name}（乡镇边界 {result.shapes.height} 个）")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
