"""Tables of the 数据导入 page with Chinese headers: the problems an upload has, the import history and
the stored warnings. Pure functions (frame in, frame out), no Streamlit, no database."""

from __future__ import annotations

import json

import polars as pl

PROBLEM_COLUMNS = {"severity": "级别", "sheet": "表", "row": "行（Excel）", "column": "列", "value": "值",
                   "message": "说明"}
HISTORY_COLUMNS = {"import_id": "序号", "imported_at": "导入时间", "imported_by": "导入人", "mode_label": "方式",
                   "source": "来源", "files_text": "文件（sha256 前 12 位）", "rows_text": "行数", "warnings": "警告（条）"}
WARNING_COLUMNS = {"import_id": "导入序号", "sheet": "表", "excel_row": "行（Excel）", "column_name": "列",
                   "value": "值", "message": "说明"}


def problems_table(problems: pl.DataFrame, sheets: list[str] | None = None,
                   severities: list[str] | None = None) -> pl.DataFrame:
    """The problems of one upload, filtered by sheet and severity (None = all), with Chinese headers."""
    frame = problems
    if sheets:
        frame = frame.filter(pl.col("sheet").is_in(sheets))
    if severities:
        frame = frame.filter(pl.col("severity").is_in(severities))
    return frame.select([pl.col(k).alias(v) for k, v in PROBLEM_COLUMNS.items()])


def _files_text(files: str) -> str:
    try:
        return "；".join(f"{f['name']}（{f['sha256'][:12]}）" for f in json.loads(files))
    except (ValueError, TypeError, KeyError):
        return files or ""


def _rows_text(counts: str) -> str:
    try:
        return "，".join(f"{k} {v:,}" for k, v in json.loads(counts).items())
    except (ValueError, TypeError, AttributeError):
        return counts or ""


def history_table(history: pl.DataFrame) -> pl.DataFrame:
    """import_history.sql with the JSON columns spelled out for a person."""
    frame = history.with_columns(
        files_text=pl.col("files").map_elements(_files_text, return_dtype=pl.String),
        rows_text=pl.col("row_counts").map_elements(_rows_text, return_dtype=pl.String),
    )
    return frame.select([pl.col(k).alias(v) for k, v in HISTORY_COLUMNS.items()])


def warnings_table(warnings: pl.DataFrame) -> pl.DataFrame:
    return warnings.select([pl.col(k).alias(v) for k, v in WARNING_COLUMNS.items()])
