"""The .xlsx error report a clerk opens: the full problem list, and the offending rows with the bad cells
marked in red and the reason as a cell comment."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from ingest.problems import ERROR, Problems
from ingest.readers import ROW, read_export

MAX_ROWS_PER_SHEET = 20_000
_RED = PatternFill("solid", fgColor="FFC7CE")
_YELLOW = PatternFill("solid", fgColor="FFEB9C")
_BOLD = Font(bold=True)


def write_error_report(problems: pl.DataFrame, source: Path, target: Path) -> Path:
    wb = Workbook(write_only=False)
    summary = wb.active
    summary.title = "问题清单"
    summary.append(["级别", "表", "行（Excel）", "列", "值", "说明"])
    for cell in summary[1]:
        cell.font = _BOLD
    for row in problems.iter_rows():
        summary.append(list(row))
    for letter, width in zip("ABCDEF", (6, 12, 10, 16, 24, 60)):
        summary.column_dimensions[letter].width = width
    summary.freeze_panes = "A2"
    summary.auto_filter.ref = summary.dimensions

    export = read_export(source, Problems()) if source.exists() else None
    by_sheet = problems.filter(pl.col("row").is_not_null()).partition_by("sheet", as_dict=True)
    for (sheet_label,), sheet_problems in sorted(by_sheet.items()):
        raw = export.sheets.get(sheet_label) if export else None
        if raw is None:
            continue
        _marked_sheet(wb, raw, sheet_problems)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def _marked_sheet(wb: Workbook, raw, problems: pl.DataFrame) -> None:
    ws = wb.create_sheet(f"{raw.sheet.label}（标注）"[:31])
    columns = raw.sheet.columns
    ws.append(["Excel行号"] + [c.label for c in columns])
    for cell in ws[1]:
        cell.font = _BOLD
    rows = problems.select("row").unique().sort("row").head(MAX_ROWS_PER_SHEET)
    data = raw.frame.join(rows, left_on=ROW, right_on="row", how="semi").sort(ROW)
    position = {c.label: i + 2 for i, c in enumerate(columns)}
    notes: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for p in problems.iter_rows(named=True):
        for label in (p["column"] or "").split("+"):
            notes.setdefault((p["row"], position.get(label, 1)), []).append((p["severity"], p["message"]))
    for excel_row, values in enumerate(data.select(ROW, *[c.name for c in columns]).iter_rows(), start=2):
        ws.append(list(values))
        for col in range(1, len(columns) + 2):
            found = notes.get((values[0], col))
            if found:
                cell = ws.cell(row=excel_row, column=col)
                cell.fill = _RED if any(s == ERROR for s, _ in found) else _YELLOW
                cell.comment = Comment("\n".join(m for _, m in found), "数据核查")
    ws.freeze_panes = "B2"
