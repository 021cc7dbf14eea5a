"""Build the derived tables of ingest/derived.sql inside a version being published (before CHECKPOINT)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb

from ingest.timing import phase

DERIVED_SQL = Path(__file__).with_name("derived.sql")
DERIVED_TABLES = ("household_spans", "income_pairs", "income_years", "project_spans", "fund_flows", "income_latest",
                  "household_persons", "household_member_counts")
_TABLE = re.compile(r"CREATE OR REPLACE (?:TEMP )?TABLE (\w+)")


DIGEST_KEY = "derived_digest"  # meta: which derived.sql built this version's derived tables


def derived_digest() -> str:
    """Fingerprint of this release's derived tables: a version whose meta holds another one was published by an
    older release, and its queries may ask for a column it lacks (`python -m ingest rebuild` rebuilds it)."""
    return hashlib.sha256(DERIVED_SQL.read_bytes()).hexdigest()[:16]


def build_derived(con: duckdb.DuckDBPyConnection, proofs=None) -> None:
    """The derived tables, then the answers prepared from them (ingest/prepared.py). proofs(con), when given, runs
    between the two: a publish checks there what the derived tables prove (ingest/load.py `_check_proven`)."""
    from ingest.prepared import build_prepared

    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [DIGEST_KEY, derived_digest()])
    for statement in re.split(r";\s*$", DERIVED_SQL.read_text(encoding="utf-8"), flags=re.MULTILINE):
        table = _TABLE.search(statement)
        if table is None:  # the comments after the last statement, or the DROP of a helper table
            if re.sub(r"--[^\n]*", "", statement).strip():
                con.execute(statement)
            continue
        with phase(f"派生表 {table.group(1)}"):
            con.execute(statement)
    if proofs is not None:
        with phase("核对引用（派生表计数）"):
            proofs(con)
    with phase("预备答案（合计）"):
        build_prepared(con)
