"""Tables with Chinese headers and units, and their Excel download.

A blank cell shows "—" (Streamlit's default is the word "None"); the viewer's own township can be
highlighted in a county-wide table; years and row numbers stay plain digits in Excel (never "2,020").
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path

import polars as pl
import streamlit as st
import xlsxwriter


BLANK = "—"
HIGHLIGHT_STYLE = "background-color: #fff3cd; font-weight: bold"
# Whole-number columns that are labels, not quantities: no thousands separator in Excel.
PLAIN_NUMBER_HINTS = ("年度", "年份", "行（Excel）", "行号", "编号")


def plain_number_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c, t in frame.schema.items() if t.is_integer() and any(h in c for h in PLAIN_NUMBER_HINTS)]


def to_excel(frame: pl.DataFrame, sheet: str = "数据") -> bytes:
    """The frame as an .xlsx workbook (headers as shown on the page; 年度 as 2020, not 2,020).

    Every text cell stays text: never a formula (=HYPERLINK(...) from a name), a live hyperlink (a URL-looking
    value) or a number."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False}) as book:
        frame.write_excel(book, worksheet=sheet[:31], autofit=True,
                          column_formats={c: "0" for c in plain_number_columns(frame)} or None)
    return buffer.getvalue()


def highlighted(frame: pl.DataFrame, column: str, value):
    """The frame as a pandas Styler with the rows whose `column` equals `value` shaded and bold (st.dataframe
    keeps column_config formats and sorting on a Styler); the frame itself when there is nothing to mark."""
    if value is None or column not in frame.columns:
        return frame
    marked = frame[column].to_list()
    if value not in marked:
        return frame
    return frame.to_pandas().style.apply(
        lambda row: [HIGHLIGHT_STYLE if marked[row.name] == value else "" for _ in row], axis=1)


def labelled(frame: pl.DataFrame, columns: Mapping[str, str]) -> pl.DataFrame:
    """Select and rename columns to their Chinese headers (with units), in the given order."""
    return frame.select([pl.col(k).alias(v) for k, v in columns.items()])


def table_with_download(frame: pl.DataFrame, file_stem: str, *, key: str, column_config=None,
                        height: int | str = "auto", highlight: tuple[str, object] | None = None) -> None:
    """The table (blank cells as "—"; highlight = (column, value) marks the viewer's own row) and its Excel."""
    shown = highlighted(frame, *highlight) if highlight else frame
    st.dataframe(shown, hide_index=True, column_config=column_config, height=height, width="stretch",
                 placeholder=BLANK)
    excel_download(frame, f"{file_stem}.xlsx", key=f"download-{key}")


def excel_download(frame: pl.DataFrame | Callable[[], pl.DataFrame], file_name: str, *, key: str,
                   sheet: str | None = None, label: str = "下载 Excel") -> None:
    """A download button whose workbook is written only when clicked (on every run it would cost a page up to
    half its time, for a file few download), and whose click goes into the audit trail. `frame` may be a
    function, so a download of every match (户情) is queried only when asked for."""
    def workbook() -> bytes:
        return to_excel(frame() if callable(frame) else frame, sheet or Path(file_name).stem)

    st.download_button(label, workbook, file_name=file_name,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=key, icon=":material/download:", on_click=_audit_export, args=(file_name,))


def _audit_export(file_name: str) -> None:
    import app_data  # the audit trail of exports; imported late to keep this module free of data access

    app_data.audit("导出", file_name)
