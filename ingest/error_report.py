"""The .xlsx error report a clerk opens: the full problem list, and the offending rows of each sheet with
the bad cells filled red (errors) or yellow (warnings) and the reason as a cell comment.

Written with xlsxwriter (fast, streaming-friendly); one sheet per import sheet that has problems, each
row starting with its Excel row number in the clerk's own file so they can find it there.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import xlsxwriter

from ingest.problems import ERROR, Problems
from ingest.readers import ROW, Export, read_export

MAX_LISTED = 200_000  # problems listed on the first sheet (a workbook holds ~1M rows; nobody reads more)
MAX_ROWS_PER_SHEET = 20_000  # marked data rows per sheet
ERROR_FILL, WARNING_FILL = "#FFC7CE", "#FFEB9C"
LIST_SHEET = "问题清单"
HEADERS = ("级别", "表", "行（Excel）", "列", "值", "说明")


def marked_sheet_name(sheet_label: str) -> str:
    return f"{sheet_label}（标注）"[:31]


def error_report_bytes(problems: pl.DataFrame, source: Path | Export | None) -> bytes:
    """The report as .xlsx bytes. `source`: the export (or its path) whose rows are shown marked."""
    buffer = io.BytesIO()
    _write(problems, source, buffer)
    return buffer.getvalue()


def write_error_report(problems: pl.DataFrame, source: Path | Export | None, target: Path) -> Path:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(error_report_bytes(problems, source))
    return target


def _write(problems: pl.DataFrame, source: Path | Export | None, out) -> None:
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    bold = wb.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    fills = {ERROR: wb.add_format({"bg_color": ERROR_FILL}), "": wb.add_format({"bg_color": WARNING_FILL})}
    listing = wb.add_worksheet(LIST_SHEET)
    listing.write_row(0, 0, HEADERS, bold)
    for width, col in zip((6, 12, 10, 18, 26, 70), range(6)):
        listing.set_column(col, col, width)
    shown = problems.head(MAX_LISTED)
    for r, row in enumerate(shown.select("severity", "sheet", "row", "column", "value", "message").iter_rows(),
                            start=1):
        for c, value in enumerate(row):
            if value is not None:
                listing.write(r, c, value)
            if c == 0 and value == ERROR:
                listing.write(r, c, value, fills[ERROR])
    if problems.height > MAX_LISTED:
        listing.write(shown.height + 1, 5, f"…… 另有 {problems.height - MAX_LISTED:,} 条未列出")
    listing.freeze_panes(1, 0)
    listing.autofilter(0, 0, max(shown.height, 1), len(HEADERS) - 1)

    located = problems.filter(pl.col("row").is_not_null())
    export = source if isinstance(source, Export) else _export_of(source, set(located["sheet"].unique()))
    if export is not None:
        for sheet_label in [s for s in export.sheets if s in set(located["sheet"].unique())]:
            raw = export.sheets[sheet_label]
            _marked_sheet(wb, sheet_label, [(c.name, c.label) for c in raw.sheet.columns], raw.frame,
                          located.filter(pl.col("sheet") == sheet_label), bold, fills)
    if export is not None and export.person is not None and located.height:
        from ingest.person_export import raw_rows

        read = raw_rows(export.person)  # the person list, as the clerk sees it, with its own headers
        if read is not None:
            source, headers, frame = read
            mine = located.filter(pl.col("sheet") == source)
            if mine.height:
                _marked_sheet(wb, "人员表", headers, frame, mine, bold, fills)
    wb.close()


def _export_of(path: Path | None, sheets: set[str]) -> Export | None:
    """The file again, for marking its rows: a person-level list by its own headers, else the sheets that have
    problems on a row (a folder or .zip: only their CSV files are read)."""
    if path is None or not sheets or not Path(path).exists():
        return None
    from ingest.person_export import is_person_export

    if is_person_export(Path(path)):
        return Export(person=Path(path))
    return read_export(Path(path), Problems(), only=sheets)


def _marked_sheet(wb, label: str, columns: list[tuple[str, str]], frame: pl.DataFrame, problems: pl.DataFrame,
                  bold, fills) -> None:
    """The problem rows of one sheet: columns as (frame column, header shown), bad cells filled and commented."""
    ws = wb.add_worksheet(marked_sheet_name(label))
    ws.write_row(0, 0, ["行（Excel）"] + [shown for _, shown in columns], bold)
    ws.set_column(0, 0, 10)
    ws.set_column(1, len(columns), 14)
    rows = problems.select("row").unique().sort("row").head(MAX_ROWS_PER_SHEET)
    data = frame.join(rows, left_on=ROW, right_on="row", how="semi").sort(ROW)
    position = {}
    for i, (_, shown) in enumerate(columns):
        position.setdefault(shown, i + 1)
    notes: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for p in problems.iter_rows(named=True):
        for label in (p["column"] or "").split("+"):
            notes.setdefault((p["row"], position.get(label, 0)), []).append((p["severity"], p["message"]))
    for r, values in enumerate(data.select(ROW, *[name for name, _ in columns]).iter_rows(), start=1):
        ws.write_row(r, 0, values)
        for col in range(len(columns) + 1):
            found = notes.get((values[0], col))
            if found:
                fill = fills[ERROR] if any(s == ERROR for s, _ in found) else fills[""]
                ws.write(r, col, values[col], fill)
                ws.write_comment(r, col, "\n".join(m for _, m in found), {"author": "数据核查", "x_scale": 2})
    ws.freeze_panes(1, 1)
    if problems.select("row").n_unique() > MAX_ROWS_PER_SHEET:
        ws.write(data.height + 2, 0, f"只标注了前 {MAX_ROWS_PER_SHEET:,} 行，完整清单见「{LIST_SHEET}」")
