"""Tables with Chinese headers and units, and their Excel download."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import streamlit as st
import xlsxwriter


def to_excel(frame: pl.DataFrame, sheet: str = "数据") -> bytes:
    """The frame as an .xlsx workbook (headers as shown on the page).

    Every text cell stays text: never a formula (=HYPERLINK(...) from a name), a live hyperlink (a URL-looking
    value) or a number."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False}) as book:
        frame.write_excel(book, worksheet=sheet[:31], autofit=True)
    return buffer.getvalue()


def labelled(frame: pl.DataFrame, columns: Mapping[str, str]) -> pl.DataFrame:
    """Select and rename columns to their Chinese headers (with units), in the given order."""
    return frame.select([pl.col(k).alias(v) for k, v in columns.items()])


def table_with_download(frame: pl.DataFrame, file_stem: str, *, key: str, column_config=None,
                        height: int | str = "auto") -> None:
    st.dataframe(frame, hide_index=True, column_config=column_config, height=height, width="stretch")
    excel_download(frame, f"{file_stem}.xlsx", key=f"download-{key}")


def excel_download(frame: pl.DataFrame, file_name: str, *, key: str, sheet: str | None = None,
                   label: str = "下载 Excel") -> None:
    """A download button whose workbook is written only when clicked (on every run it would cost a page up to
    half its time, for a file few download), and whose click goes into the audit trail."""
    st.download_button(label, lambda: to_excel(frame, sheet or Path(file_name).stem), file_name=file_name,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=key, icon=":material/download:", on_click=_audit_export, args=(file_name,))


def _audit_export(file_name: str) -> None:
    import app_data  # the audit trail of exports; imported late to keep this module free of data access

    app_data.audit("导出", file_name)
