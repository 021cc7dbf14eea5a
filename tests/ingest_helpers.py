"""Helpers for the import tests: copy the tiny county, edit one cell as a clerk would, and fingerprint
the served database so a test can prove a refused import changed nothing."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny"


def copy_tiny(target: Path) -> Path:
    shutil.copytree(TINY, target)
    return target


def read_sheet(folder: Path, sheet: str, encoding: str = "utf-8") -> list[list[str]]:
    with (folder / f"{sheet}.csv").open(encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def write_sheet(folder: Path, sheet: str, rows: list[list[str]], encoding: str = "utf-8") -> None:
    with (folder / f"{sheet}.csv").open("w", encoding=encoding, newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def set_cell(folder: Path, sheet: str, excel_row: int, column: str, value: str) -> str:
    """Put `value` in the cell a clerk sees at (excel_row, column) of <sheet>.csv; returns the old value."""
    rows = read_sheet(folder, sheet)
    col = rows[0].index(column)
    old = rows[excel_row - 1][col]
    rows[excel_row - 1][col] = value
    write_sheet(folder, sheet, rows)
    return old


def append_row(folder: Path, sheet: str, values: dict[str, str]) -> int:
    """Add a data row; returns its Excel row number."""
    rows = read_sheet(folder, sheet)
    rows.append([values.get(h, "") for h in rows[0]])
    write_sheet(folder, sheet, rows)
    return len(rows)


def fingerprint(db: Path) -> dict[str, str]:
    """Every file of the logical database's folder -> sha256 (symlinks -> their target), to compare. The
    access store beside it (accounts, audit trail) is not the served data: a refused import is audited."""
    out = {}
    for p in sorted(Path(db).parent.iterdir()):
        if ".access.sqlite" in p.name:
            continue
        if p.is_symlink():
            out[p.name] = "-> " + os.readlink(p)
        elif p.is_file():
            out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def problem_cells(problems: pl.DataFrame, severity: str | None = None) -> set[tuple]:
    """{(sheet, row, column)} of the problems, to assert exactly which cells were named."""
    if severity:
        problems = problems.filter(pl.col("severity") == severity)
    return set(problems.select("sheet", "row", "column").iter_rows())


def rows_of(db: Path, sql: str) -> list[tuple]:
    """`sql` on the version the logical database `db` serves (read-only)."""
    import duckdb

    from ingest import publish

    con = duckdb.connect(str(publish.current(db)), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()
