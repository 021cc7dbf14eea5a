"""Tables with Chinese headers and units, and their Excel download.

A blank cell shows "—" (Streamlit's default is the word "None"); the viewer's own township can be
highlighted in a county-wide table; long headers are shortened on screen (the full one in the tooltip and the
Excel) so the key tables fit 1440 px; years and row numbers stay plain digits in Excel (never "2,020").
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path

import polars as pl
import streamlit as st
import xlsxwriter

from access import audit


BLANK = "—"
HIGHLIGHT_STYLE = "background-color: #fff3cd; font-weight: bold"
# Whole-number columns that are labels, not quantities: no thousands separator in Excel.
PLAIN_NUMBER_HINTS = ("年度", "年份", "行（Excel）", "行号", "编号")


# Issue 17 §3: the key tables fit a 1440 px projector without scrolling. Long headers are what made them wide, so
# the grid shows these short ones (the full header is the column's tooltip and stays in the Excel download).
SHORT_HEADERS = {
    # 综合排名: the five parts' points
    "一降（发生率下降）（分）": "一降(分)", "一升（收入增幅）（分）": "一升(分)", "年度目标进度（分）": "目标进度(分)",
    "项目完工率（分）": "完工率(分)", "资金结余率（越低越好）（分）": "结余率(分)",
    # 一升一降 and 村级排名
    "农业户籍人口（人）": "户籍人口", "年初贫困发生率（%）": "年初发生率%", "当前贫困发生率（%）": "发生率%",
    "贫困发生率（%）": "发生率%", "一降（个百分点）": "一降(百分点)", "年初以来下降（个百分点）": "一降(百分点)",
    "上年人均纯收入（元）": "上年人均(元)", "人均纯收入（元）": "人均收入(元)", "一升：收入增幅（%）": "一升%",
    "收入增幅（%）": "收入增幅%", "本年项目（个）": "本年项目", "已完工（个）": "已完工", "项目完工率（%）": "完工率%",
    # 资金 and 项目 lists
    "超期下达资金（万元）": "超期下达(万元)", "累计支出（万元）": "累计支出(万元)", "沉淀金额（万元）": "沉淀(万元)",
    "支出比例（%）": "支出比例%", "已下达（天）": "已下达天数", "首笔下达日期": "首笔下达", "计划完工日期": "计划完工",
    "最近填报日期": "最近填报", "形象进度（%）": "进度%", "计划投资（万元）": "计划投资(万元)",
}


def compact_headers(columns, column_config: Mapping | None = None) -> dict:
    """column_config showing SHORT_HEADERS for these columns, the full header as the tooltip; a column's own
    config (format, width) is kept, a label the page set itself wins."""
    config = dict(column_config or {})
    for column in columns:
        short = SHORT_HEADERS.get(column)
        base = config.get(column, {})
        if short is None or not isinstance(base, Mapping) or base.get("label"):
            continue
        config[column] = {**base, "label": short, "help": base.get("help") or column}
    return config


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


STYLED_ROWS_MAX = 300  # rows up to which the viewer's row is shaded by a pandas Styler


def highlighted(frame: pl.DataFrame, column: str, value):
    """The frame with the rows whose `column` equals `value` marked: up to STYLED_ROWS_MAX rows as a pandas Styler,
    shaded and bold (st.dataframe keeps column_config formats and sorting on a Styler); a longer table (a
    province's 2,000 townships, where the Styler costs seconds of every view) gets "▶ " before the value, as the
    charts mark their tick; the frame itself when there is nothing to mark."""
    if value is None or column not in frame.columns:
        return frame
    marked = frame[column].to_list()
    if value not in marked:
        return frame
    if frame.height > STYLED_ROWS_MAX:
        cell = pl.col(column).cast(pl.String)
        return frame.with_columns(pl.when(cell == str(value)).then(pl.lit("▶ ") + cell).otherwise(cell).alias(column))
    return frame.to_pandas().style.apply(
        lambda row: [HIGHLIGHT_STYLE if marked[row.name] == value else "" for _ in row], axis=1)


def labelled(frame: pl.DataFrame, columns: Mapping[str, str]) -> pl.DataFrame:
    """Select and rename columns to their Chinese headers (with units), in the given order."""
    return frame.select([pl.col(k).alias(v) for k, v in columns.items()])


def table_with_download(frame: pl.DataFrame, file_stem: str, *, key: str, column_config=None,
                        height: int | str = "auto", highlight: tuple[str, object] | None = None) -> None:
    """The table (blank cells as "—"; highlight = (column, value) marks the viewer's own row) and its Excel."""
    shown = highlighted(frame, *highlight) if highlight else frame
    st.dataframe(shown, hide_index=True, column_config=compact_headers(frame.columns, column_config), height=height,
                 width="stretch", placeholder=BLANK)
    excel_download(frame, f"{file_stem}.xlsx", key=f"download-{key}")


def excel_download(frame: pl.DataFrame | Callable[[], pl.DataFrame], file_name: str, *, key: str,
                   sheet: str | None = None, label: str = "下载 Excel") -> None:
    """A download button whose workbook is written only when clicked (on every run it would cost a page up to
    half its time, for a file few download), and whose click goes into the audit trail. `frame` may be a
    function, so a download of every match (户情) is queried only when asked for. The click does not rerun the
    page: a rerun would cost the page's time again, and it replaces the button's deferred file while the
    browser still asks for the old one (the download then never comes)."""
    def workbook() -> bytes:
        return to_excel(frame() if callable(frame) else frame, sheet or Path(file_name).stem)

    st.download_button(label, audit.on_download(file_name, workbook), file_name=file_name,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=key, icon=":material/download:", on_click="ignore")
