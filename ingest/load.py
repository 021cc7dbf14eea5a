"""Import an export: read, validate, and publish a new database version only if there is no error.

The one write path of the project. The rows of every sheet in the export are merged with the version being
served by the sheet's natural key (ingest/merge.py): a partial export (e.g. this week's 项目进度 and 资金支出)
adds and corrects rows and never loses history; sheets it does not hold are kept. A whole sheet is replaced
only when asked (`replace`), and the served demo county is replaced as a whole by a complete export. The
merged result is what is validated, and check() says per sheet what a publish adds, changes and removes.
A 建档立卡 person-level export is the next snapshot of household history (ingest/snapshots.py derives the
tables); it is published here the same way, as import_log mode 'snapshot', keeping the other tables.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

import settings
from access.files import restrict
from ingest import boundaries as boundary_io
from ingest import county_name, merge, person_export, publish, snapshots
from ingest.timing import phase
from ingest.derived import build_derived
from ingest.problems import ERROR, WARNING, Problems
from ingest.readers import ROW, Export, read_export
from ingest.sheets import SHEETS, SHEETS_BY_TABLE
from ingest.raw_rows import RawRows
from ingest.validate import CROSS_SHEET, Checked as CheckedSheet, check_sheet, validate

SCHEMA_SQL = Path(__file__).with_name("schema.sql")
KEYS_MARKER = "-- KEYS AFTER THE ROWS --"  # schema.sql: what follows is run once the rows are in
# DuckDB's memory while a version is built. At 1,000,000 households the sorts of the derived tables spill to disk
# under 1.5 GB and the prepared answers re-read evicted blocks (the build took 11 % more CPU); with 3 GB the whole
# publish peaked at 2.8 GB RSS, within the 4 GB import target.
BUILD_MEMORY_LIMIT = "3GB"
# Modes that build on the served version: its meta (demo flags, the snapshot history), the extra columns and
# warnings of the sheets this import does not replace carry over. A snapshot replaces only the household
# tables and keeps 乡镇/村/项目/资金 as served. A complete export merged into real data ("full") does too;
# one that replaces the demo county (or the demo itself) starts afresh.
KEEPS_SERVED = ("partial", "snapshot", "full")


@dataclass
class LoadResult:
    problems: pl.DataFrame
    published: Path | None = None
    mode: str = "full"
    row_counts: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)  # sheets kept from the served version (partial update)
    changes: list = field(default_factory=list)  # ingest.merge.SheetChange per sheet of the export
    # A person-level snapshot: what it derived (as_of, persons, households, events by kind, removals_pending).
    snapshot: dict | None = None
    # This import replaced the generated demo county: its demo accounts are over (access/session.py).
    ended_demo: bool = False
    # The export as read, each sheet cut to the rows a problem names: the error report marks them from here
    # instead of reading the file again (None for a person-level list, which the report reads by its own headers).
    export: Export | None = None

    @property
    def errors(self) -> pl.DataFrame:
        return self.problems.filter(pl.col("severity") == ERROR)

    @property
    def warnings(self) -> pl.DataFrame:
        return self.problems.filter(pl.col("severity") == WARNING)


def read_tables(version: Path) -> dict[str, pl.DataFrame]:
    """All contract tables of a published version (read-only), for validating a partial update."""
    con = duckdb.connect(str(version), read_only=True)
    try:
        return {s.table: con.sql(f"SELECT * FROM {s.table}").pl() for s in SHEETS}
    finally:
        con.close()


def check(path: Path, db: Path | None = None, progress=None, *, release_raw: bool = False,
          replace=(), confirm_duplicates: bool = False, replace_all: bool = False,
          **snapshot_options) -> tuple[Export, Problems, object]:
    """Read and validate without publishing. With `db`, the export is merged with its data and checked.

    replace: sheets (Chinese names or table ids) replaced as a whole instead of merged; replace_all: every
    sheet of the export (the demo build). confirm_duplicates: append rows without a key that equal served
    rows (else each is an error). The preview is validated.changes (ingest.merge.SheetChange per sheet).

    A 建档立卡 person-level export (ingest/person_export.py) is recognised by its headers and turned into
    the next snapshot of history (ingest/snapshots.py; options as_of, confirm_removals, create_places).
    release_raw: once checked, keep of each sheet's raw text only the rows a problem names (a million-household
    export would otherwise be held twice; the marked error report needs no more)."""
    if person_export.is_person_export(Path(path)):
        return snapshots.check(Path(path), db, progress, **snapshot_options)
    problems = Problems()
    raw_rows = RawRows(Path(db).parent if db is not None else None) if release_raw else None
    release = raw_rows.release if raw_rows else None
    checked: dict[str, CheckedSheet] = {}  # each sheet typed and checked on its own while the next file is read

    def check_as_read(raw):
        checked[raw.sheet.label] = check_sheet(raw, release)

    try:
        _progress(progress, 0.05, "读取文件")
        with phase("读取文件并逐表校验"):
            export = read_export(Path(path), problems, each=check_as_read)
        existing = None
        served = publish.current(db) if db is not None else None
        partial = bool(export.sheets) and any(s.required and s.label not in export.sheets for s in SHEETS)
        if served is not None and export.sheets:
            _progress(progress, 0.15, "读取当前数据（按主键合并）")
            # Empty served tables are as good as absent (no rows to merge with, no cross-sheet check against).
            with phase("读取当前数据"):
                existing = {table: frame for table, frame in read_tables(served).items() if frame.height}
            # The demo county is not history: a complete export of the real county replaces it.
            replace_all = replace_all or (not partial and demo_version(served))
        replacing = _replace_tables(replace, export, problems)
        changes: list[merge.SheetChange] = []

        def combine(sheet, typed):
            with phase(f"按主键合并 {sheet.label}"):
                merged, change, identical = merge.merge_sheet(
                    sheet, typed, (existing or {}).get(sheet.table), replace=replace_all or sheet.table in replacing)
            changes.append(change)
            if identical.height and not confirm_duplicates:
                problems.add_rows(sheet.label, "+".join(c.label for c in sheet.columns),
                                  identical.select(pl.col(ROW).alias("row"), pl.col("__shown").alias("value")),
                                  merge.identical_message(change))
            elif identical.height:
                problems.add(sheet.label, None, None, None,
                             f"已确认追加与当前数据完全相同的 {identical.height:,} 行", WARNING)
            return merged

        _progress(progress, 0.3, "校验数据")
        # Replacing everything (the demo): the served sheets the export lacks are not kept either.
        with phase("校验（含合并）"):
            validated = validate(export, problems, None if replace_all else existing, combine=combine,
                                 release=release, checked=checked,
                                 alongside=_boundaries(export) if export.boundaries is not None else None)
        validated.changes = changes
        validated.meta = county_name.from_sheets(export, problems, served)
        if validated.alongside is not None:  # parsed beside the cross-sheet checks, said after the county's name
            validated.shapes, said = validated.alongside
            problems.absorb(said)
        if raw_rows is not None:
            with phase("问题行（读回）"):
                raw_rows.keep_rows_with_problems(export, problems)
    finally:
        if raw_rows is not None:
            raw_rows.close()
    return export, problems, validated


def _boundaries(export: Export):
    """The export's boundaries.geojson matched to the townships (validate runs it beside the cross-sheet checks)."""
    def parse(tables: dict[str, pl.DataFrame], problems: Problems) -> pl.DataFrame | None:
        if "townships" not in tables:
            return None
        with phase("边界文件"):
            return boundary_io.parse(export.boundaries, tables["townships"], problems, source="boundaries.geojson")
    return parse


def _replace_tables(names, export: Export, problems: Problems) -> set[str]:
    """The tables asked to be replaced as a whole; a name that is not a sheet of the export is an error."""
    tables, unknown = merge.resolve_sheet_names(names)
    for name in unknown:
        problems.add("导入文件", None, None, name, "要替换的表名无法识别，应为以下之一：" + "、".join(s.label for s in SHEETS))
    for table in sorted(tables, key=[s.table for s in SHEETS].index):
        label = SHEETS_BY_TABLE[table].label
        if label not in export.sheets:
            problems.add("导入文件", None, None, label,
                         f"要替换整表的「{label}」不在导入文件中：替换需要文件中有这张表的全部行")
    return tables


def load(path: Path, db: Path, *, user: str | None = None, mode: str | None = None,
         meta: dict[str, str | None] | None = None, progress=None, replace=(), confirm_duplicates: bool = False,
         **snapshot_options) -> LoadResult:
    """Validate `path` and publish it as the new version of `db` if it has no error.
    mode "demo" (the demo build) replaces every sheet; otherwise see check()."""
    db = Path(db)
    merge_options = {"replace": replace, "confirm_duplicates": confirm_duplicates, "replace_all": mode == "demo"}
    if person_export.is_person_export(Path(path)):
        merge_options = {}
    export, problems, validated = check(path, db, progress, release_raw=True, **merge_options, **snapshot_options)
    is_snapshot = isinstance(validated, snapshots.SnapshotValidated)
    snapshot = validated.entry if is_snapshot else None
    marked = None if is_snapshot else export
    if getattr(validated, "unchanged", False):  # the same person-level snapshot again: nothing to do
        return LoadResult(problems.frame(), publish.current(db), "unchanged", snapshot=snapshot)
    meta = {**(meta or {}), **getattr(validated, "meta", {})}
    # Sheets the export does not hold, kept as served (the empty ones are not worth a mention).
    kept = [SHEETS_BY_TABLE[t].label for t, frame in validated.tables.items()
            if t not in validated.provided and frame.height]
    partial = any(SHEETS_BY_TABLE[t].required for t in validated.tables if t not in validated.provided)
    mode = mode or ("snapshot" if is_snapshot else "partial" if partial else "full")
    changes = getattr(validated, "changes", [])
    # Everything replaced (the demo county by a complete export, or every sheet asked for): start afresh.
    keeps_served = mode in KEEPS_SERVED and not (changes and all(c.replace for c in changes) and not kept)
    if problems.has_errors:
        return LoadResult(problems.frame(), None, mode, kept=kept, snapshot=snapshot, changes=changes, export=marked)
    _progress(progress, 0.55, "写入新版本")
    served = publish.current(db)
    ended_demo = False
    if mode != "demo":  # real data: the demo accounts end with the demo county (issue 15 §1)
        meta["is_demo"] = "false"
        ended_demo = served is not None and demo_version(served)
        if county_name.META_KEY not in meta:  # the same county whatever this import replaces; not the demo's name
            meta[county_name.META_KEY] = None if ended_demo else county_name.served_name(served)
    with publish.building(db) as (target, version):
        with phase("写入新版本（合计）"):
            counts = _build(target, export, validated, problems, served, user, mode, meta or {}, Path(path).name,
                            keeps_served)
        _progress(progress, 0.9, "切换到新版本")
    publish.prune(db, settings.load().keep_versions)
    for older in publish.versions(db):  # versions written by an earlier release may still be world-readable
        restrict(older)
    _progress(progress, 1.0, "完成")
    return LoadResult(problems.frame(), version, mode, counts, kept, changes=changes, snapshot=snapshot,
                      ended_demo=ended_demo, export=marked)


def demo_version(version: Path) -> bool:
    """Whether a published version is the generated demo county (meta is_demo = true)."""
    con = duckdb.connect(str(version), read_only=True)
    try:
        return bool(con.sql("SELECT count(*) FROM meta WHERE key = 'is_demo' AND value = 'true'").fetchall()[0][0])
    finally:
        con.close()


def _build(target: Path, export: Export, validated, problems: Problems, served: Path | None,
           user: str | None, mode: str, meta: dict[str, str | None], source: str, keeps_served: bool) -> dict[str, int]:
    # Bounded, so that the build (ART indexes of the keys included) stays within a county server's memory.
    con = duckdb.connect(str(target), config={"memory_limit": BUILD_MEMORY_LIMIT})
    restrict(target)  # full ID numbers: owner-only before the first row is written (access/files.py)
    try:
        tables_sql, keys_sql = schema_parts()
        con.execute(tables_sql)
        counts = {}
        for sheet in SHEETS:  # in the contract's order (references are checked after: _check_references)
            frame = validated.tables.get(sheet.table)
            if frame is None:
                continue
            columns = [c.name for c in sheet.columns] + (["event_order"] if sheet.table == "household_events" else [])
            with phase(f"写入 {sheet.label}"):
                rows = _exact_numbers(frame.select(columns), sheet)
                # As Arrow string views, Polars' own layout: registered as it is, the frame is exported as large
                # strings, a copy of every text cell (1 of the 13 CPU-s of the writes at a million households).
                con.register("incoming", rows.to_arrow(compat_level=pl.CompatLevel.newest()))
                con.execute(f"INSERT INTO {sheet.table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM incoming")
                con.unregister("incoming")
            if sheet.table in validated.provided:  # the rows of the file (merged ones have no Excel row)
                counts[sheet.label] = rows.height if ROW not in frame.columns else int(frame[ROW].is_not_null().sum())
            if sheet.table != "townships":  # in DuckDB now: the frame's memory goes to the derived tables' sorts
                validated.tables[sheet.table] = frame.clear()
            del frame, rows
        with phase("主键"):
            con.execute(keys_sql)  # a duplicate key (a bug in validation) raises here: never published
            _check_keys(con, skip=PROVEN_KEYS)  # and so do the keys not kept as indexes (schema.sql, its end)
        with phase("核对引用"):
            _check_references(con, skip=PROVEN_REFS)
        for raw in export.sheets.values():
            if raw.extra.width > 1:
                long = raw.extra.unpivot(index=ROW, variable_name="column_name", value_name="value").filter(
                    pl.col("value").is_not_null())
                con.register("extra", long.with_columns(pl.lit(raw.sheet.label).alias("sheet")))
                con.execute("INSERT INTO extra_values SELECT sheet, __row, column_name, value FROM extra")
                con.unregister("extra")
        if served is not None:
            con.execute("ATTACH ? AS served (READ_ONLY)", [str(served)])
            con.execute("INSERT INTO import_log SELECT * FROM served.import_log")
            if keeps_served:
                con.execute("INSERT INTO meta SELECT * FROM served.meta")
                con.execute("INSERT INTO extra_values SELECT * FROM served.extra_values WHERE sheet NOT IN "
                            "(SELECT DISTINCT sheet FROM extra_values)")
        if validated.shapes is not None:
            con.register("shapes", validated.shapes)
            con.execute("INSERT INTO township_boundaries SELECT township_code, geometry FROM shapes")
        if served is not None:  # townships the boundaries file does not cover keep their shapes (issue 14 §4)
            con.execute("INSERT INTO township_boundaries SELECT b.* FROM served.township_boundaries b "
                        "JOIN townships USING (township_code) WHERE b.township_code NOT IN "
                        "(SELECT township_code FROM township_boundaries)")
            con.execute("DETACH served")
        import_id = con.sql("SELECT coalesce(max(import_id), 0) + 1 FROM import_log").fetchall()[0][0]
        warnings = problems.frame().filter(pl.col("severity") == WARNING)
        con.register("w", warnings)
        con.execute('INSERT INTO import_warnings SELECT ?, sheet, "row", "column", "value", message FROM w', [import_id])
        con.unregister("w")
        # A kept sheet's warnings still hold (e.g. 15-digit ids), and so do a merged sheet's for the rows it
        # kept (a replaced row's warning may outlive it: it names its import), except cross-sheet ones
        # recomputed just now.
        kept = [SHEETS_BY_TABLE[t].label for t in validated.tables if t not in validated.provided]
        kept += [c.sheet for c in getattr(validated, "changes", []) if not c.replace and c.served]
        if served is not None and keeps_served and kept:
            con.execute("ATTACH ? AS served (READ_ONLY)", [str(served)])
            con.execute("INSERT INTO import_warnings SELECT * FROM served.import_warnings WHERE list_contains(?, sheet) "
                        "AND NOT (starts_with(message, ?) AND list_contains(?, sheet))",
                        [kept, CROSS_SHEET, sorted(validated.recomputed) or [""]])
            con.execute("DETACH served")
        con.execute(
            "INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [import_id, dt.datetime.now(), user, mode, source,
             json.dumps([{"name": f.name, "sha256": f.sha256} for f in export.files], ensure_ascii=False),
             json.dumps(counts, ensure_ascii=False), warnings.height],
        )
        for key, value in meta.items():  # None: the key is not carried over
            if value is None:
                con.execute("DELETE FROM meta WHERE key = ?", [key])
            else:
                con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
        build_derived(con, proofs=_check_proven)
        with phase("CHECKPOINT"):
            con.execute("CHECKPOINT")
        return counts
    finally:
        con.close()


def schema_parts() -> tuple[str, str]:
    """schema.sql as (the tables, the keys of the large tables added after their rows are inserted)."""
    tables, keys = SCHEMA_SQL.read_text(encoding="utf-8").split(KEYS_MARKER)
    return tables, keys


class DuplicateKey(RuntimeError):
    """Two rows with one key reached the build: a bug in validation, never published."""


def _check_keys(con: duckdb.DuckDBPyConnection, skip=(), only=None) -> None:
    """The keys of ingest/sheets.py that no PRIMARY KEY of schema.sql holds (the keys of several columns: no query
    looks a row up by them, see schema.sql's end), one grouping each: the last line behind validation's own check,
    at a fraction of the cost of an index kept only to refuse a duplicate. skip/only: tables left out / the only
    ones checked (a publish leaves out the keys a derived table proves: _check_proven)."""
    held = {(table, tuple(columns)) for table, columns in con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
        "WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE') AND database_name = current_database()").fetchall()}
    for sheet in SHEETS:
        if not sheet.key or (sheet.table, sheet.key) in held or sheet.table in skip or (only and sheet.table not in only):
            continue
        columns = ", ".join(sheet.key)
        shown = ", ".join(f"CAST({c} AS VARCHAR)" for c in sheet.key)
        found = con.execute(f"SELECT count(*), min(concat_ws(' ', {shown})) FROM "
                            f"(SELECT {columns} FROM {sheet.table} GROUP BY ALL HAVING count(*) > 1)").fetchall()[0]
        if found[0]:
            raise DuplicateKey(f"{sheet.table} ({columns}): {found[0]} keys held by more than one row (e.g. {found[1]})")


class BrokenReference(RuntimeError):
    """Rows that point at no row of their parent sheet reached the build: a bug in validation, never published."""


def _check_references(con: duckdb.DuckDBPyConnection, skip=(), only=None) -> None:
    """The references of ingest/sheets.py over the rows just inserted, one anti-join each (what FOREIGN KEYs
    would check row by row, at a fraction of the cost): the last line behind validation's own check.
    skip/only: (table, column) left out / the only ones checked (see _check_keys)."""
    for sheet in SHEETS:
        for column, parent, parent_column in sheet.refs:
            if (sheet.table, column) in skip or (only and (sheet.table, column) not in only):
                continue
            orphans = con.execute(
                f"SELECT count(*), min({column}) FROM {sheet.table} c WHERE {column} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{parent_column} = c.{column})").fetchall()[0]
            if orphans[0]:
                raise BrokenReference(f"{sheet.table}.{column}: {orphans[0]} rows refer to no {parent}.{parent_column}"
                                      f" (e.g. {orphans[1]})")


# The key and references that derived tables built anyway prove (ingest/derived.sql), checked by counting those
# tables' rows after they are built instead of by a grouping or an anti-join over millions of rows before (3.9 of
# the 6 CPU-s of keys and references at a million households): income_latest joins every 收入 row to its household
# (an inner join: a row of no household is missing from it) and, in each household's year order, a record is
# followed by one of the same year only where (household_id, year) repeats; household_member_counts counts the
# 家庭成员 rows of every household. When a count disagrees the exact check runs and says which rows.
PROVEN_KEYS = ("incomes",)
PROVEN_REFS = (("incomes", "household_id"), ("household_members", "household_id"))


def _check_proven(con: duckdb.DuckDBPyConnection) -> None:
    """PROVEN_KEYS and PROVEN_REFS, from the derived tables just built (before anything is prepared from them)."""
    incomes, latest, repeated, members, counted = con.execute(
        "SELECT (SELECT count(*) FROM incomes), count(*), count(*) FILTER (WHERE next_year = year), "
        "(SELECT count(*) FROM household_members), (SELECT coalesce(sum(members), 0) FROM household_member_counts) "
        "FROM income_latest").fetchone()
    if repeated:
        _check_keys(con, only=PROVEN_KEYS)
    if latest != incomes or counted != members:
        _check_references(con, only=PROVEN_REFS)
        raise BrokenReference(f"incomes: {incomes - latest} rows, household_members: {members - counted} rows "
                              "outside the derived tables")  # the anti-joins found none: still never published


_DECIMALS = {"money": pl.Decimal(18, 4), "yuan": pl.Decimal(14, 2), "pct": pl.Decimal(6, 2)}  # as in schema.sql


def _exact_numbers(frame: pl.DataFrame, sheet) -> pl.DataFrame:
    """Money and percentages (validated text) as decimals of the column's type, before DuckDB sees them:
    DuckDB's own text-to-DECIMAL cast on millions of rows costs more than the insert itself."""
    for column in sheet.columns:
        dtype = _DECIMALS.get(column.kind)
        if dtype is None or frame[column.name].dtype != pl.String:
            continue
        cast = frame[column.name].cast(dtype, strict=False)
        if cast.null_count() == frame[column.name].null_count():  # else leave it to DuckDB (rounding rules)
            frame = frame.with_columns(cast)
    return frame


def _progress(callback, fraction: float, text: str) -> None:
    if callback is not None:
        callback(fraction, text)
