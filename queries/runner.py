"""Run the .sql files of this folder against a published database version, read-only, into polars.

The only place that executes SQL for the dashboard and the report. Parameters are bound by name
(`$as_of`, `$township`), never formatted into the text. One read-only connection per database version;
each query takes its own cursor, since a DuckDB connection is not for sharing across threads.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from ingest import publish

QUERY_DIR = Path(__file__).parent
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class NoDatabase(LookupError):
    """No published version behind the logical name."""


@lru_cache(maxsize=None)
def sql_text(name: str) -> tuple[str, frozenset[str]]:
    """The query text of queries/<name>.sql and the named parameters it uses."""
    text = (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")
    without_comments = re.sub(r"--[^\n]*", "", text)
    return text, frozenset(_PARAM.findall(without_comments))


class Database:
    """A read-only view of one published version."""

    def __init__(self, version: Path):
        self.version = Path(version)
        self._con = duckdb.connect(str(self.version), read_only=True)

    @classmethod
    def open(cls, db: Path) -> "Database":
        version = publish.current(Path(db))
        if version is None:
            raise NoDatabase(f"数据库 {db} 不存在或尚未发布任何版本")
        return cls(version)

    def run(self, name: str, **params) -> pl.DataFrame:
        text, wanted = sql_text(name)
        missing = wanted - params.keys()
        if missing:
            raise TypeError(f"query {name} needs parameters: {', '.join(sorted(missing))}")
        cursor = self._con.cursor()
        try:
            return cursor.sql(text, params={k: v for k, v in params.items() if k in wanted}).pl()
        finally:
            cursor.close()

    def data_as_of(self) -> dt.date | None:
        return self.run("data_as_of")["as_of"][0]

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
