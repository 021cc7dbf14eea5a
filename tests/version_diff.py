"""What differs between two published versions, table by table: the proof that a faster publish publishes the same
thing. Tables are compared as multisets of rows (EXCEPT ALL both ways, in DuckDB, so a 1,000,000-household
version compares in seconds); the row order of a table is not compared (ties of its ORDER BY are in any order).
Floating-point columns are compared to 12 significant digits: a sum of doubles
depends on the order rows arrive in (a prepared 一升 differs in its last bit when income_pairs is laid out anew).
What names the moment or the release rather than the data (import_log's time, meta's digest of derived.sql) is
left out: SKIPPED_COLUMNS, SKIPPED_ROWS.

    python tests/version_diff.py A.duckdb B.duckdb     # prints the differences; exit status 1 if there are any
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

# Columns that differ between two publishes of the same export by nature: the publish time.
SKIPPED_COLUMNS = {"import_log": {"imported_at", "source"}}  # source: the demo is built in a temp folder
SKIPPED_ROWS = {"meta": "key <> 'derived_digest'"}


def _tables(con, alias: str) -> dict[str, list[str]]:
    rows = con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                       "WHERE table_catalog = ? AND table_schema = 'main' ORDER BY table_name, ordinal_position",
                       [alias]).fetchall()
    out: dict[str, list[str]] = {}
    for table, column, kind in rows:
        out.setdefault(table, []).append((column, kind))
    return out


def _compared(column: str, kind: str) -> str:
    if kind in ("DOUBLE", "FLOAT"):  # 12 significant digits (see the module's docstring)
        return (f'CASE WHEN "{column}" = 0 OR NOT isfinite("{column}") THEN "{column}" ELSE round("{column}", '
                f'11 - CAST(floor(log10(abs("{column}"))) AS INTEGER)) END')
    return f'"{column}"'


def differences(a: Path, b: Path) -> list[str]:
    """One line per difference (a table or column only one side has, rows only one side holds); [] if none."""
    con = duckdb.connect(":memory:")
    con.execute("ATTACH ? AS a (READ_ONLY)", [str(a)])
    con.execute("ATTACH ? AS b (READ_ONLY)", [str(b)])
    left, right = _tables(con, "a"), _tables(con, "b")
    found = [f"table {t} only in {side}" for side, mine, other in (("a", left, right), ("b", right, left))
             for t in sorted(set(mine) - set(other))]
    for table in sorted(set(left) & set(right)):
        if left[table] != right[table]:
            found.append(f"{table}: columns {left[table]} vs {right[table]}")
            continue
        columns = ", ".join(_compared(c, kind) for c, kind in left[table] if c not in SKIPPED_COLUMNS.get(table, ()))
        where = f"WHERE {SKIPPED_ROWS[table]}" if table in SKIPPED_ROWS else ""
        for this, that in (("a", "b"), ("b", "a")):
            extra = con.execute(f'SELECT count(*) FROM (SELECT {columns} FROM {this}.main."{table}" {where} '
                                f'EXCEPT ALL SELECT {columns} FROM {that}.main."{table}" {where})').fetchone()[0]
            if extra:
                found.append(f"{table}: {extra:,} rows only in {this}")
    con.close()
    return found


if __name__ == "__main__":
    diffs = differences(Path(sys.argv[1]), Path(sys.argv[2]))
    print("\n".join(diffs) if diffs else "identical")
    sys.exit(1 if diffs else 0)
