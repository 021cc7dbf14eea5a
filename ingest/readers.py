"""Read an export (a folder of <sheet>.csv, a .zip of them, or one .xlsx workbook) into raw text frames.

Everything is read as text: typing is validation's job, so that "三口" in a number column becomes a
message naming its cell rather than a parser exception. Each frame keeps the Excel row number of every
row (header = row 1) and the columns the contract does not know.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from ingest.problems import Problems
from ingest.sheets import SHEET_ALIASES, Sheet

ROW = "__row"  # Excel row number of each data row
_BRACKETED_SUFFIX = re.compile(r"\s*[\(\[].*?[\)\]]\s*$")


@dataclass
class RawSheet:
    sheet: Sheet
    frame: pl.DataFrame  # contract columns (English ids) as text, plus ROW
    extra: pl.DataFrame  # unknown columns, as text, plus ROW
    source: str  # file name shown to the user
    excel: bool = False  # cells came from a workbook (date cells may arrive as serial numbers)


@dataclass
class SourceFile:
    name: str
    sha256: str


@dataclass
class Export:
    sheets: dict[str, RawSheet] = field(default_factory=dict)  # by sheet label
    files: list[SourceFile] = field(default_factory=list)
    boundaries: bytes | None = None  # optional boundaries.geojson found beside the sheets


def normalize_header(text: str) -> str:
    """'  计划投资（万元） ' -> '计划投资'; 'Township_Code' -> 'township_code'."""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    text = _BRACKETED_SUFFIX.sub("", text).strip()
    return text.lower() if text.isascii() else text


def decode_text(data: bytes, name: str, problems: Problems) -> str | None:
    """UTF-8 with or without BOM, else GB18030 (what Excel on a Chinese Windows writes)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        problems.file_error(name, "无法识别文件编码：请另存为 UTF-8 或 GB18030 编码的 CSV")
        return None


def _sheet_for(stem: str) -> Sheet | None:
    return SHEET_ALIASES.get(normalize_header(stem))


def read_export(path: Path, problems: Problems) -> Export:
    path = Path(path)
    export = Export()
    if not path.exists():
        problems.file_error(str(path), "文件或文件夹不存在")
        return export
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        for p in files:
            _add_file(export, p.name, p.read_bytes(), problems)
        if not export.sheets and not problems.has_errors:
            problems.file_error(path.name, "文件夹中没有可识别的 <表名>.csv 文件（如 农户.csv）")
    elif path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.is_dir() or info.filename.startswith("__MACOSX"):
                        continue
                    # Zips made on Chinese Windows often store names in GBK without the UTF-8 flag.
                    name = info.filename
                    if not info.flag_bits & 0x800:
                        try:
                            name = info.filename.encode("cp437").decode("gb18030")
                        except (UnicodeEncodeError, UnicodeDecodeError):
                            pass
                    _add_file(export, Path(name).name, archive.read(info), problems)
        except zipfile.BadZipFile:
            problems.file_error(path.name, "不是有效的 .zip 压缩包")
    elif path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        data = path.read_bytes()
        export.files.append(SourceFile(path.name, hashlib.sha256(data).hexdigest()))
        _read_workbook(export, path.name, data, problems)
    elif path.suffix.lower() == ".csv":
        _add_file(export, path.name, path.read_bytes(), problems)
    else:
        problems.file_error(path.name, "不支持的文件类型：请提供 .xlsx 工作簿、.zip 压缩包或 CSV 文件夹")
    return export


def _add_file(export: Export, name: str, data: bytes, problems: Problems) -> None:
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    if suffix == ".geojson" or (suffix == ".json" and "边界" in stem) or stem == "boundaries":
        export.boundaries = data
        export.files.append(SourceFile(name, hashlib.sha256(data).hexdigest()))
        return
    if suffix in (".xlsx", ".xlsm"):
        export.files.append(SourceFile(name, hashlib.sha256(data).hexdigest()))
        _read_workbook(export, name, data, problems)
        return
    if suffix != ".csv":
        return
    sheet = _sheet_for(stem)
    if sheet is None:
        problems.file_warning(name, f"文件名「{stem}」不是已知的表名，已忽略")
        return
    export.files.append(SourceFile(name, hashlib.sha256(data).hexdigest()))
    text = decode_text(data, name, problems)
    if text is None:
        return
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            infer_schema=False,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError as exc:
        problems.file_error(name, f"CSV 格式无法解析：{str(exc).splitlines()[0]}")
        return
    _add_frame(export, sheet, frame, name, problems)


def _read_workbook(export: Export, name: str, data: bytes, problems: Problems) -> None:
    try:
        reader = fastexcel.read_excel(data)
    except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types for broken files
        problems.file_error(name, f"无法打开 Excel 工作簿：{str(exc).splitlines()[0]}")
        return
    for sheet_name in reader.sheet_names:
        sheet = _sheet_for(sheet_name)
        if sheet is None:
            problems.file_warning(name, f"工作表「{sheet_name}」不是已知的表名，已忽略")
            continue
        try:
            frame = reader.load_sheet(sheet_name, dtypes="string").to_polars()
        except Exception as exc:  # noqa: BLE001
            problems.file_error(f"{name}［{sheet_name}］", f"工作表无法读取：{str(exc).splitlines()[0]}")
            continue
        _add_frame(export, sheet, frame, f"{name}［{sheet_name}］", problems, excel=True)


def _add_frame(export: Export, sheet: Sheet, frame: pl.DataFrame, source: str, problems: Problems,
               *, excel: bool = False) -> None:
    if sheet.label in export.sheets:
        problems.file_error(source, f"表「{sheet.label}」出现了两次（{export.sheets[sheet.label].source}）")
        return
    by_header: dict[str, str] = {}
    for column in sheet.columns:
        by_header[normalize_header(column.label)] = column.name
        by_header[column.name] = column.name
    rename: dict[str, str] = {}
    extra_cols: list[str] = []
    for header in frame.columns:
        target = by_header.get(normalize_header(header))
        if target is None or target in rename.values():
            extra_cols.append(header)
        else:
            rename[header] = target
    missing = [c for c in sheet.columns if c.required and c.name not in rename.values()]
    for column in missing:
        problems.add(sheet.label, None, column.label, None, f"缺少必填列「{column.label}」（或英文列名 {column.name}）")
    frame = frame.with_columns(pl.all().cast(pl.String))
    frame = frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    # A row whose every cell is blank is not data (Excel leaves them after deletes and at the end).
    cells = [c for c in frame.columns if c != ROW]
    if cells:
        blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in cells)
        frame = frame.filter(~blank)
    known = frame.select(ROW, *[pl.col(h).alias(n) for h, n in rename.items()])
    for column in sheet.columns:
        if column.name not in known.columns:
            known = known.with_columns(pl.lit(None, pl.String).alias(column.name))
    extra = frame.select(ROW, *extra_cols)
    export.sheets[sheet.label] = RawSheet(sheet, known, extra, source, excel)
