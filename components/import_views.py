"""Tables and texts of the 数据导入 page with Chinese headers: what an upload is (and why it is refused
before reading), the problems it has, a person-level snapshot's summary, the import history and the stored
warnings. Pure functions (frame or bytes in, frame or text out), no Streamlit, no database."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from ingest.zip_limits import zip_problem

PROBLEM_COLUMNS = {"severity": "级别", "sheet": "表", "row": "行（Excel）", "column": "列", "value": "值",
                   "message": "说明"}
HISTORY_COLUMNS = {"import_id": "序号", "imported_at": "导入时间", "imported_by": "导入人", "mode_label": "方式",
                   "source": "来源", "files_text": "文件（sha256 前 12 位）", "rows_text": "行数", "warnings": "警告（条）"}
WARNING_COLUMNS = {"import_id": "导入序号", "sheet": "表", "excel_row": "行（Excel）", "column_name": "列",
                   "value": "值", "message": "说明"}


UPLOAD_TYPES = ("xlsx", "xls", "csv", "zip")
ZIP_MAGIC = b"PK\x03\x04"  # .xlsx and .zip are both zip containers
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # the old Excel .xls
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text"; ingest.readers decodes it
NOT_A_PERSON_CSV = ("单个 CSV 文件只能是建档立卡人员表（每人一行，表头含 户编号、姓名、与户主关系、乡镇、村）。"
                    "多张表的导出（乡镇.csv、农户.csv……）请把全部 CSV 文件打包成一个 .zip 压缩包上传。")


def upload_problem(name: str, data: bytes, max_mb: int) -> str | None:
    """Why an upload cannot be read, from its name and first bytes alone (None: go on and read it).
    A renamed file is refused here with a reason the clerk can act on, not as a parser's error."""
    suffix = Path(name).suffix.lower()
    if suffix.lstrip(".") not in UPLOAD_TYPES:
        return ("只接受 Excel 工作簿（.xlsx、.xls）、建档立卡人员表（.xlsx、.xls 或 .csv），"
                "或每张表一个 CSV 的压缩包（.zip）")
    if len(data) > max_mb * 1024 * 1024:
        return f"文件超过 {max_mb} MB，请分批导出（例如只导出本周更新的表）"
    if suffix == ".xls" and data.startswith(ZIP_MAGIC):
        return "这个 .xls 文件实际是 .xlsx 工作簿：请把扩展名改为 .xlsx 后重新上传"
    expected = {".xlsx": ZIP_MAGIC, ".zip": ZIP_MAGIC, ".xls": OLE2_MAGIC}.get(suffix)
    if expected is not None and not data.startswith(expected):
        return f"文件内容不是 {suffix} 格式（可能是改了扩展名的其他文件），请从系统重新导出"
    if suffix in (".xlsx", ".zip"):  # a zip bomb: refused from its directory, before it is saved or read
        bomb = zip_problem(data, name)
        if bomb:
            return bomb
    binary = b"\x00" in data[:4096] and not data.startswith(UTF16_BOMS)  # UTF-16 text has NULs too
    if suffix == ".csv" and (data.startswith((ZIP_MAGIC, OLE2_MAGIC)) or binary):
        return "文件内容不是文本 CSV（可能是改了扩展名的 Excel 文件）：请直接上传 .xlsx / .xls，或另存为 CSV（UTF-8）"
    return None


def pending_removals_text(entry: dict | None) -> str | None:
    """The clerk's to-do when a snapshot left households out and they are not recorded as 清退 yet."""
    pending = (entry or {}).get("removals_pending", 0)
    if not pending:
        return None
    return (f"另有 {pending:,} 户在上一快照中、本快照中没有，未记为清退（见问题清单中的「清退候选」）。"
            "请逐户核实；确认确已清退后，勾选上方「确认清退」再发布，即按本快照的统计时间记为清退。")


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
    frame = history.with_columns(  # in this thread, not as a polars callback (see components/privacy.py)
        files_text=pl.Series([_files_text(v) for v in history["files"]], dtype=pl.String),
        rows_text=pl.Series([_rows_text(v) for v in history["row_counts"]], dtype=pl.String),
    )
    return frame.select([pl.col(k).alias(v) for k, v in HISTORY_COLUMNS.items()])


def warnings_table(warnings: pl.DataFrame) -> pl.DataFrame:
    return warnings.select([pl.col(k).alias(v) for k, v in WARNING_COLUMNS.items()])
