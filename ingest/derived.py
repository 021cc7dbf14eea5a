"""Build the derived tables of ingest/derived.sql inside a version being published (before CHECKPOINT)."""

from __future__ import annotations

from pathlib import Path

import duckdb

DERIVED_SQL = Path(__file__).with_name("derived.sql")
DERIVED_TABLES = ("household_spans", "income_pairs", "income_years", "project_spans", "fund_flows", "income_latest",
                  "household_persons", "household_member_counts")


def build_derived(con: duckdb.DuckDBPyConnection) -> None:
    """The derived tables, then the answers prepared from them (ingest/prepared.py)."""
    from ingest.prepared import build_prepared

    con.execute(DERIVED_SQL.read_text(encoding="utf-8"))
    build_prepared(con)
