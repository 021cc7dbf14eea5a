"""The list of problems one import found: every error and warning, with the cell it is about.

Checks add whole frames of problems at once (a corrupted export can have a million bad cells), and the
CLI, the import page and the .xlsx error report all read the same frame.
"""

from __future__ import annotations

import polars as pl

from ingest.sheets import SHEETS

ERROR, WARNING = "错误", "警告"

SCHEMA = {
    "severity": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,  # as Excel shows it (header = row 1); null for a whole file or column
    "column": pl.String,
    "value": pl.String,
    "message": pl.String,
}
_MAX_VALUE_CHARS = 24
_SHEET_ORDER = {s.label: i for i, s in enumerate(SHEETS)}


class Problems:
    def __init__(self) -> None:
        self._frames: list[pl.DataFrame] = []

    def add(self, sheet: str, row: int | None, column: str | None, value: str | None, message: str,
            severity: str = ERROR) -> None:
        self._frames.append(pl.DataFrame(
            [{"severity": severity, "sheet": sheet, "row": row, "column": column, "value": value,
              "message": message}], schema=SCHEMA))

    def add_rows(self, sheet: str, column: str, rows: pl.DataFrame, message: str | pl.Expr,
                 severity: str = ERROR) -> None:
        """rows: a frame with `row` and `value` columns (and whatever `message` refers to)."""
        if rows.height == 0:
            return
        message_expr = pl.lit(message) if isinstance(message, str) else message
        self._frames.append(rows.select(
            pl.lit(severity).alias("severity"),
            pl.lit(sheet).alias("sheet"),
            pl.col("row").cast(pl.Int64),
            pl.lit(column).alias("column"),
            pl.col("value").cast(pl.String),
            message_expr.alias("message"),
        ))

    def extend(self, frame: pl.DataFrame) -> None:
        """Problems another Problems collected (a frame of SCHEMA's columns)."""
        if frame.height:
            self._frames.append(frame.select(list(SCHEMA)))

    def absorb(self, other: Problems) -> None:
        """What another Problems found (a part of the import checked on its own thread), after these."""
        self._frames.extend(other._frames)
        other._frames = []

    def file_error(self, name: str, message: str) -> None:
        self.add(name, None, None, None, message)

    def file_warning(self, name: str, message: str) -> None:
        self.add(name, None, None, None, message, WARNING)

    def as_found(self) -> pl.DataFrame:
        """Every problem in the order the checks said them (frame() sorts them; among problems of one cell this
        order stays): the same whichever thread checked what (ingest/workers.py)."""
        return pl.concat(self._frames, how="vertical_relaxed") if self._frames else pl.DataFrame(schema=SCHEMA)

    def frame(self) -> pl.DataFrame:
        """Errors first, then by sheet in the contract's order (files before sheets), row, column."""
        if not self._frames:
            return pl.DataFrame(schema=SCHEMA)
        frame = pl.concat(self._frames, how="vertical_relaxed")
        self._frames = [frame]
        order = pl.col("sheet").replace_strict(_SHEET_ORDER, default=-1, return_dtype=pl.Int32)
        return frame.sort(pl.col("severity") != ERROR, order, "sheet", "row", "column", nulls_last=False,
                          maintain_order=True)

    @property
    def has_errors(self) -> bool:
        return any((f["severity"] == ERROR).any() for f in self._frames)

    def count(self, severity: str) -> int:
        return sum(int((f["severity"] == severity).sum()) for f in self._frames)


def describe(problem: dict) -> str:
    """农户 第7行 户主身份证号「4302241980…」校验位错误，应为 X"""
    parts = [problem["sheet"]]
    if problem["row"] is not None:
        parts.append(f" 第{problem['row']}行")
    if problem["column"]:
        parts.append(f" {problem['column']}")
    value = problem["value"]
    if value is not None:
        shown = value if len(value) <= _MAX_VALUE_CHARS else value[:_MAX_VALUE_CHARS] + "…"
        parts.append(f"「{shown}」")
    text = "".join(parts)
    return f"{text}{'' if value is not None else '：'}{problem['message']}"
