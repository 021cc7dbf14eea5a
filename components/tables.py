"""Tables with Chinese headers and units, and their Excel download."""

from __future__ import annotations

import io
from collections.abc import Mapping

import polars as pl
import streamlit as st


def to_excel(frame: pl.DataFrame, sheet: str = "数据") -> bytes:
    """The frame as an .xlsx workbook (headers as shown on the page)."""
    buffer = io.BytesIO()
    frame.write_excel(buffer, worksheet=sheet[:31], autofit=True)
    return buffer.getvalue()


def labelled(frame: pl.DataFrame, columns: Mapping[str, str]) -> pl.DataFrame:
    """Select and rename columns to their Chinese headers (with units), in the given order."""
    return frame.select([pl.col(k).alias(v) for k, v in columns.items()])


def table_with_download(frame: pl.DataFrame, file_stem: str, *, key: str, column_config=None,
                        height: int | str = "auto") -> None:
    st.dataframe(frame, hide_index=True, column_config=column_config, height=height, width="stretch")
    st.download_button("下载 Excel", to_excel(frame, file_stem), file_name=f"{file_stem}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"download-{key}", icon=":material/download:",
                       on_click=_audit_export, args=(f"{file_stem}.xlsx",))


def _audit_export(file_name: str) -> None:
    import app_data  # the audit trail of exports; imported late to keep this module free of data access

    app_data.audit("导出", file_name)
