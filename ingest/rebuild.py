"""`python -m ingest rebuild`: publish the served data again with this release's derived tables and prepared
answers. An upgrade leaves data/ as it is, but a new release may read a derived column or a prepared table that a
version published by the old one lacks; the county's data itself (every contract table, the import log, the
boundaries) is copied unchanged, so nothing is re-validated and no number changes meaning."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

import settings
from ingest import publish
from ingest.derived import build_derived
from ingest.load import BUILD_MEMORY_LIMIT, schema_parts
from ingest.timing import phase


class NothingServed(LookupError):
    pass


def rebuild(db: Path, user: str | None = None) -> Path:
    """The new version, served (the old one stays for `ingest rollback`)."""
    served = publish.current(db)
    if served is None:
        raise NothingServed(f"{db} 还没有发布任何数据，无需重建")
    with publish.building(db) as (target, version):
        _build(target, served, user)
        if publish.current(db) != served:  # another import published meanwhile: never undo it
            raise RuntimeError("重建期间数据已被另一次导入更新；本次未发布，请稍后重新运行 rebuild")
    publish.prune(db, settings.load().keep_versions)
    return version


def _build(target: Path, served: Path, user: str | None) -> None:
    con = duckdb.connect(str(target), config={"memory_limit": BUILD_MEMORY_LIMIT})
    try:
        tables_sql, keys_sql = schema_parts()
        con.execute(tables_sql)
        con.execute("ATTACH ? AS served (READ_ONLY)", [str(served)])
        # The contract tables (this release's schema, in its order), as they are served; derived and prepared
        # tables are built anew below. The served rows held their keys when they were published: the index of a
        # large table is built once they are in, as a publish does (ingest/schema.sql).
        with phase("复制数据"):
            for table in publish.tables_in_order(con, con.execute("SELECT current_database()").fetchone()[0]):
                con.execute(f'INSERT INTO main."{table}" BY NAME SELECT * FROM served.main."{table}"')
        con.execute("DETACH served")
        with phase("主键"):
            con.execute(keys_sql)
        import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_log").fetchone()[0]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in ("households", "household_members")}
        con.execute("INSERT INTO import_log VALUES (?, ?, ?, 'rebuild', ?, '[]', ?, 0)",
                    [import_id, dt.datetime.now(), user, f"重建：{served.name}", json.dumps(counts, ensure_ascii=False)])
        build_derived(con)
        with phase("CHECKPOINT"):
            con.execute("CHECKPOINT")
    finally:
        con.close()

