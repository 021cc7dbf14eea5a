"""The county's name, taken from the import for the 报头 of the meeting papers (queries/county_name.sql reads
meta county_name): the person export's 县(市、区、旗) column, or the 乡镇 sheet's optional 县名称 column.

A file carries one county. Several names mean a file of several counties (an export made at city level):
its households would be counted, and its townships created, as this county's, so it is an error naming the
rows of the other counties. No name (no column, or blank cells) publishes nothing: the served name stays
(ingest/load.py carries the served meta into the new version).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from ingest.problems import WARNING, Problems
from ingest.readers import ROW, Export

META_KEY = "county_name"


def from_column(frame: pl.DataFrame, column: str, source: str, shown: str, problems: Problems,
                served: Path | None) -> dict[str, str]:
    """{META_KEY: name} from `column` of frame (ROW + text cells), {} when it has no name or several (error).
    `shown`: the column as problems name it. A name other than the served version's is a warning."""
    if column not in frame.columns:
        return {}
    # As vocabulary.norm_value: full-width = half-width, spaces dropped ("某某县 " = "某某县").
    name = pl.col(column).cast(pl.String).str.normalize("NFKC").str.replace_all(r"\s", "")
    names = frame.select(ROW, name.alias("name")).filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
    if names.height == 0:
        return {}
    counts = names.group_by("name").agg(n=pl.len(), first=pl.col(ROW).min()).sort(
        ["n", "first"], descending=[True, False])
    main = counts["name"][0]
    if counts.height > 1:
        listed = "、".join(f"「{name}」{n:,} 行" for name, n in zip(counts["name"], counts["n"]))
        problems.add_rows(source, shown, names.filter(pl.col("name") != main).select(
            pl.col(ROW).alias("row"), pl.col("name").alias("value")),
            f"本文件含多个县（{listed}）：作战室只导入本县的数据，请在系统中按本县导出（或删去其他县的行）后再导入")
        return {}
    before = served_name(served)
    if before is not None and before != main:
        problems.add(source, int(counts["first"][0]), shown, main,
                     f"县名与当前数据的「{before}」不同：发布后通报、讲评的报头将改为「{main}」，请确认导入的是本县的文件",
                     WARNING)
    return {META_KEY: main}


def from_sheets(export: Export, problems: Problems, served: Path | None) -> dict[str, str]:
    """The county name of a multi-sheet export: the 县名称 column of a sheet that declares it (乡镇)."""
    meta: dict[str, str] = {}
    for raw in export.sheets.values():
        if raw.meta is not None and META_KEY in raw.meta.columns:
            label = next(c.label for c in raw.sheet.meta if c.name == META_KEY)
            meta.update(from_column(raw.meta, META_KEY, raw.sheet.label, label, problems, served))
    return meta


def served_name(version: Path | None) -> str | None:
    """The county name the served version's import set (None: none, or nothing served)."""
    if version is None:
        return None
    con = duckdb.connect(str(version), read_only=True)
    try:
        found = con.execute("SELECT value FROM meta WHERE key = ?", [META_KEY]).fetchall()
    finally:
        con.close()
    return found[0][0] if found else None
