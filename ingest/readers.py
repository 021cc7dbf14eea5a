"""Read an export (a folder of <sheet>.csv, a .zip of them, or one .xlsx workbook) into raw text frames.

Everything is read as text: typing is validation's job, so that "三口" in a number column becomes a
message naming its cell rather than a parser exception. Each frame keeps the row number as Excel shows
it (a sheet's first line = row 1, so with the header on line 1 the first data row is row 2; blank and
title lines above the header count too) and the columns the contract does not know.

What it may not do: judge values. It only reports what makes a file unreadable (encoding, broken
quoting, a row with more cells than the header, a missing required column, a sheet given twice).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import unicodedata
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ingest.problems import WARNING, Problems
from ingest.sheets import SHEET_ALIASES, Sheet
from ingest.timing import phase
from ingest.vocabulary import load as vocabulary, norm_value
from ingest.workbook import Workbook, percent_text
from ingest.workers import Workers
from ingest.zip_limits import read_member, zip_problem

ROW = "__row"  # Excel row number of each data row
HEADER_SEARCH_ROWS = 10  # a title line or two above the header is common in county exports
# "计划投资（万元）", "计划投资[万元]", "计划投资【万元】": NFKC turns full-width brackets into ASCII ones.
_BRACKETED_SUFFIX = re.compile(r"\s*[\(\[【〔<].*?[\)\]】〕>]\s*$")
_REQUIRED_MARK = re.compile(r"^[*＊★※]+|[*＊★※]+$")


@dataclass
class RawSheet:
    sheet: Sheet
    frame: pl.DataFrame  # contract columns (English ids) as text, plus ROW
    extra: pl.DataFrame  # unknown columns, as text (named by their header), plus ROW
    source: str  # file name shown to the user
    excel: bool = False  # cells came from a workbook (date cells may arrive as serial numbers)
    missing: frozenset[str] = frozenset()  # contract columns (English ids) absent from the file
    header_row: int = 1
    meta: pl.DataFrame | None = None  # the sheet's file-level columns present (Sheet.meta), as text, plus ROW


@dataclass
class SourceFile:
    name: str
    sha256: str


@dataclass
class Export:
    sheets: dict[str, RawSheet] = field(default_factory=dict)  # by sheet label
    files: list[SourceFile] = field(default_factory=list)
    boundaries: bytes | None = None  # optional boundaries.geojson found beside the sheets
    person: Path | None = None  # a 建档立卡 person-level list: re-read by the error report to mark its cells


def normalize_header(text: str) -> str:
    """'  计划投资（万元） ' -> '计划投资'; '*户编号' -> '户编号'; 'Township_Code' -> 'township_code'."""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    text = _BRACKETED_SUFFIX.sub("", text).strip()
    text = _REQUIRED_MARK.sub("", text).strip()
    if text.isascii():
        return re.sub(r"[\s\-]+", "_", text.lower())
    return re.sub(r"\s+", "", text)


def decode_text(data: bytes, name: str, problems: Problems) -> str | None:
    """UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 (what Excel on a Chinese Windows writes)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
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


def read_export(path: Path, problems: Problems, only: set[str] | None = None, *, each=None) -> Export:
    """only: the sheet labels wanted (the error report marks the rows of a few sheets); CSV files of other
    sheets in a folder or .zip are not read at all.

    each(raw): work on a sheet as soon as it is read (validation types it). Where the export allows it (a folder
    or .zip of CSV files, no sheet given twice) the files are read two at a time on worker threads, each sheet
    handed to `each` on the thread that read it, while the next file is read; what the files say comes out in the
    same order as read one by one. Otherwise (a workbook) nothing is handed over: the caller works on the sheets
    it was not called with."""
    path = Path(path)
    export = Export()
    if not path.exists():
        problems.file_error(str(path), "文件或文件夹不存在")
        return export
    if path.is_dir():
        files = [p for p in sorted(p for p in path.iterdir() if p.is_file()) if _wanted(p.name, only)]
        if each is not None and _side_by_side([p.name for p in files]):
            _read_side_by_side(export, [(p.name, p.stat().st_size, p.read_bytes) for p in files], problems, each)
        else:
            for p in files:
                _add_file(export, p.name, p.read_bytes(), problems)
        if not export.sheets and not problems.has_errors:
            problems.file_error(path.name, "文件夹中没有可识别的 <表名>.csv 文件（如 农户.csv）")
    elif path.suffix.lower() == ".zip":
        _read_zip(export, path, problems, only, each)
    elif path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        data = path.read_bytes()
        export.files.append(SourceFile(path.name, hashlib.sha256(data).hexdigest()))
        _read_workbook(export, path.name, data, problems)
    elif path.suffix.lower() == ".csv":
        _add_file(export, path.name, path.read_bytes(), problems)
    else:
        problems.file_error(path.name, "不支持的文件类型：请提供 .xlsx 工作簿、.zip 压缩包或 CSV 文件夹")
    return export


def _side_by_side(names: list[str]) -> bool:
    """Whether the files can be read side by side: no workbook (its sheets are known only once it is open) and
    no sheet given by two CSV files (which one is refused depends on the order)."""
    sheets = []
    for name in names:
        kind = _kind(name)
        if kind == "workbook":
            return False
        if kind == "csv" and (sheet := _sheet_for(Path(name).stem)) is not None:
            sheets.append(sheet.label)
    return len(sheets) == len(set(sheets))


def _read_side_by_side(export: Export, files: list[tuple[str, int, object]], problems: Problems, each) -> None:
    """files: (name, size, a function giving its bytes). Read two at a time, the largest first, each file into an
    Export and a Problems of its own, then taken in the files' order: the export and its problems are what
    reading them one by one gives."""
    def read(name: str, data) -> tuple[Export, Problems]:
        part, said = Export(), Problems()
        with phase(f"读取 {name}"):
            _add_file(part, name, data(), said)
        for raw in part.sheets.values():
            each(raw)
        return part, said

    with Workers() as workers:
        futures = workers.start({i: (size, functools.partial(read, name, data))
                                 for i, (name, size, data) in enumerate(files)})
        for i in range(len(files)):
            part, said = futures[i].result()
            export.files += part.files
            export.sheets.update(part.sheets)
            if part.boundaries is not None:
                export.boundaries = part.boundaries
            problems.absorb(said)


def _wanted(name: str, only: set[str] | None) -> bool:
    """Whether a file of an export is read: every file, or with `only` a CSV of one of those sheets."""
    if only is None or Path(name).suffix.lower() != ".csv":
        return True
    sheet = _sheet_for(Path(name).stem)
    return sheet is not None and sheet.label in only


def _read_zip(export: Export, path: Path, problems: Problems, only: set[str] | None = None, each=None) -> None:
    refused = zip_problem(path)  # a zip bomb is refused from its directory, before anything is inflated
    if refused:
        problems.file_error(path.name, refused)
        return
    try:
        with zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX")]
            wanted = []
            for info in members:
                # Zips made on Chinese Windows often store names in GBK without the UTF-8 flag.
                name = info.filename
                if not info.flag_bits & 0x800:
                    try:
                        name = info.filename.encode("cp437").decode("gb18030")
                    except (UnicodeEncodeError, UnicodeDecodeError):
                        pass
                if _wanted(Path(name).name, only):
                    wanted.append((Path(name).name, info))
            if each is not None and _side_by_side([name for name, _ in wanted]):
                # ZipFile reads members from several threads (each read takes its lock); zlib lets go of the GIL.
                _read_side_by_side(export, [(name, info.file_size, functools.partial(read_member, archive, info))
                                            for name, info in wanted], problems, each)
            else:
                for name, info in wanted:
                    _add_file(export, name, read_member(archive, info), problems)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        problems.file_error(path.name, f"不是有效的 .zip 压缩包（{exc}）")
        return
    if not export.sheets and not problems.has_errors:
        problems.file_error(path.name, "压缩包中没有可识别的 <表名>.csv 文件（如 农户.csv）")


def _kind(name: str) -> str:
    """What a file of an export is: skip (an Excel lock file, .DS_Store), boundaries, workbook, csv, other."""
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    if name.startswith(("~$", ".")):
        return "skip"
    if suffix == ".geojson" or (suffix == ".json" and "边界" in stem) or stem == "boundaries":
        return "boundaries"
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return "workbook"
    return "csv" if suffix == ".csv" else "other"


def _add_file(export: Export, name: str, data: bytes, problems: Problems) -> None:
    stem, kind = Path(name).stem, _kind(name)
    if kind == "boundaries":
        export.boundaries = data
        export.files.append(SourceFile(name, hashlib.sha256(data).hexdigest()))
        return
    if kind == "workbook":
        export.files.append(SourceFile(name, hashlib.sha256(data).hexdigest()))
        _read_workbook(export, name, data, problems)
        return
    if kind != "csv":
        return
    sheet = _sheet_for(stem)
    if sheet is None:
        problems.file_warning(name, f"文件名「{stem}」不是已知的表名，已忽略")
        return
    # The file's SHA-256 (import_log) is worked out on a second thread while the CSV is parsed (hashlib lets go
    # of the GIL): on a million-household export it costs a second of wall time otherwise.
    with ThreadPoolExecutor(1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        grid = _csv_grid(data, name, problems)
        export.files.append(SourceFile(name, digest.result()))
    if grid is not None:
        _add_grid(export, sheet, grid, name, problems)


def _csv_grid(data: bytes, name: str, problems: Problems) -> pl.DataFrame | None:
    """All lines of a CSV as text columns c0, c1, ... (no header yet); row i is Excel row i + 1."""
    utf8 = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    # Most exports are UTF-8: polars reads the bytes as they are (and refuses invalid UTF-8, e.g. GBK, which is
    # then decoded here), so a large file is not decoded twice.
    if _blank(utf8):
        problems.file_error(name, "文件是空的")
        return None
    grid = _polars_grid(utf8)
    if grid is not None:
        return grid
    try:
        text = utf8.decode("utf-8")
    except UnicodeDecodeError:
        text = decode_text(data, name, problems)
        if text is None:
            return None
        if _blank(text.encode("utf-8")):
            problems.file_error(name, "文件是空的")
            return None
        grid = _polars_grid(text.encode("utf-8"))
        if grid is not None:
            return grid
    # ragged rows or broken quoting: find out where, with the standard library
    return _csv_grid_slow(text, name, problems)


def _blank(data: bytes) -> bool:
    """Nothing but white space (the first kilobyte decides for any real file, without copying the rest)."""
    return not data[:1024].strip() and not data.strip()


def _polars_grid(utf8: bytes) -> pl.DataFrame | None:
    try:
        grid = pl.read_csv(io.BytesIO(utf8), has_header=False, infer_schema=False)
    except pl.exceptions.PolarsError:
        return None
    return grid.rename({c: f"c{i}" for i, c in enumerate(grid.columns)})


def _csv_grid_slow(text: str, name: str, problems: Problems) -> pl.DataFrame | None:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        problems.add(name, reader.line_num, None, None,
                     f"CSV 格式无法解析（{exc}）：请检查该行附近是否有未配对的英文双引号")
        return None
    width = max(len(r) for r in rows)
    padded = [r + [""] * (width - len(r)) for r in rows]
    return pl.DataFrame({f"c{i}": [r[i] or None for r in padded] for i in range(width)},
                        schema={f"c{i}": pl.String for i in range(width)})


def _read_workbook(export: Export, name: str, data: bytes, problems: Problems) -> None:
    refused = zip_problem(data, name)  # an .xlsx is a zip: same limits before calamine inflates it
    if refused:
        problems.file_error(name, refused)
        return
    try:
        book = Workbook(data)
        sheet_names = book.sheet_names
    except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types for broken files
        problems.file_error(name, f"无法打开 Excel 工作簿：{str(exc).splitlines()[0] if str(exc) else exc}")
        return
    for sheet_name in sheet_names:
        sheet = _sheet_for(sheet_name)
        if sheet is None:
            problems.file_warning(name, f"工作表「{sheet_name}」不是已知的表名，已忽略")
            continue
        try:
            # Blank lines above the data are kept, so row i is Excel row i+1; merged cells are filled down.
            grid = book.grid(sheet_name)
        except Exception as exc:  # noqa: BLE001
            problems.file_error(f"{name}［{sheet_name}］", f"工作表无法读取：{str(exc).splitlines()[0]}")
            continue
        _add_grid(export, sheet, grid, f"{name}［{sheet_name}］", problems, excel=True,
                  percent_rows=lambda columns, s=sheet_name: book.percent_rows(s, columns))


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _header_index(grid: pl.DataFrame, known: dict[str, str]) -> int | None:
    """The first of the top lines that names a contract column; else the first non-blank line."""
    top = grid.head(HEADER_SEARCH_ROWS).rows()
    first_filled: int | None = None
    for i, row in enumerate(top):
        cells = [c for c in row if c is not None and str(c).strip()]
        if not cells:
            continue
        if first_filled is None:
            first_filled = i
        if any(normalize_header(c) in known for c in cells):
            return i
    return first_filled


def _add_grid(export: Export, sheet: Sheet, grid: pl.DataFrame, source: str, problems: Problems,
              *, excel: bool = False, percent_rows=None) -> None:
    if sheet.label in export.sheets:
        problems.file_error(source, f"表「{sheet.label}」出现了两次（另见 {export.sheets[sheet.label].source}）")
        return
    known: dict[str, str] = {}
    for column in sheet.columns + sheet.meta:
        known[normalize_header(column.label)] = column.name
        known[normalize_header(column.name)] = column.name
    for name, headers in vocabulary().sheet_headers.get(sheet.label, {}).items():  # the county's own spellings
        for header in headers:
            known.setdefault(normalize_header(header), name)
    grid = grid.with_columns(pl.all().cast(pl.String))
    header_at = _header_index(grid, known) if grid.height else None
    if header_at is None:
        problems.add(sheet.label, None, None, None, f"表是空的，或前 {HEADER_SEARCH_ROWS} 行中没有表头：第一行应为表头（如 "
                     + "、".join(c.label for c in sheet.columns[:3]) + "）")
        return
    headers = list(grid.row(header_at))
    body = grid.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64)).slice(header_at + 1)
    header_row = header_at + 1

    last_header = max(i for i, h in enumerate(headers) if h is not None and str(h).strip())
    rename: dict[str, str] = {}  # grid column -> contract column
    extra: dict[str, str] = {}  # grid column -> header as shown
    for i, (col, header) in enumerate(zip(grid.columns, headers)):
        letter = _column_letter(i)
        shown = str(header).strip() if header is not None else ""
        target = known.get(normalize_header(shown)) if shown else None
        if target is not None and target not in rename.values():
            rename[col] = target
            continue
        if target is not None:
            first = next(c for c, t in rename.items() if t == target)
            problems.add(sheet.label, header_row, shown, None,
                         f"列「{shown}」出现了两次（{_column_letter(grid.columns.index(first))}列和{letter}列），"
                         f"使用{_column_letter(grid.columns.index(first))}列，{letter}列作为附加列保留", WARNING)
        if not shown:
            filled = body.filter(pl.col(col).str.strip_chars().str.len_chars() > 0)
            if filled.height == 0:
                continue  # an empty column with no header: nothing to keep
            if not excel and i > last_header:
                # A CSV line with more cells than the header: usually an unquoted comma shifted the row.
                problems.add_rows(sheet.label, f"{letter}列", filled.select(
                    pl.col(ROW).alias("row"), pl.col(col).alias("value")),
                    "该行的单元格多于表头的列数，可能是某个单元格中含有未加引号的英文逗号")
                continue
            shown = f"（无表头）{letter}列"
        name = shown
        while name in extra.values():
            name += "'"
        extra[col] = name

    contract = {c.name for c in sheet.columns}
    missing = [c for c in sheet.columns if c.required and c.name not in rename.values()]
    for column in missing:
        problems.add(sheet.label, header_row, column.label, None,
                     f"缺少必填列「{column.label}」（或英文列名 {column.name}）：请检查第{header_row}行的表头")
    # A row whose every cell is blank is not data (Excel leaves them after deletes and at the end).
    if grid.width:  # looked at in full only where the first cell is blank (stripping every cell costs seconds)
        blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in grid.columns)
        first_blank = pl.col(grid.columns[0]).is_null() | pl.col(grid.columns[0]).str.contains(r"^\s*$")
        # A first cell starting with a digit (a code, 序号: nearly every row) is not blank, told by two comparisons.
        blank_rows = body.filter(~_digit_first(grid.columns[0])).filter(first_blank).filter(blank)[ROW]
        if blank_rows.len():
            body = body.filter(~pl.col(ROW).is_in(blank_rows.implode()))
    key = next((g for g, n in rename.items() if n == (sheet.key or (sheet.columns[0].name,))[0]), None)
    body = drop_footer(body, grid.columns, key, source if excel else sheet.label, problems)
    pct = [g for g, n in rename.items() if n in contract and sheet.column(n).kind == "pct"]
    if excel and percent_rows is not None and pct and body.height:
        body = _percent_cells_as_numbers(body, pct, percent_rows([int(g[1:]) for g in pct]))
    frame = body.select(ROW, *[pl.col(g).alias(n) for g, n in rename.items()])
    meta = frame.select(ROW, *[n for n in rename.values() if n not in contract])
    absent = [c.name for c in sheet.columns if c.name not in frame.columns]
    frame = frame.with_columns(pl.lit(None, pl.String).alias(n) for n in absent)
    frame = frame.select(ROW, *[c.name for c in sheet.columns])
    extra_frame = body.select(ROW, *[pl.col(g).alias(n) for g, n in extra.items()])
    export.sheets[sheet.label] = RawSheet(sheet, frame, extra_frame, source, excel, frozenset(absent),
                                          header_row, meta)


def drop_footer(body: pl.DataFrame, columns: list[str], key: str | None, source: str,
                problems: Problems) -> pl.DataFrame:
    """Rows under the data that are not data (合计, 制表人, 审核人, 填表说明, 备注 …; data/vocabulary.toml): the
    first row whose first filled cell starts with a footer word, and every later row without a key value, are
    dropped with one notice naming them. A later row with a key is data and stays."""
    if body.height == 0 or not columns:
        return body
    words = vocabulary().footer_words
    pattern = "^(?:" + "|".join(re.escape(w) for w in words) + ")"
    # A row whose first cell starts with an ASCII digit is none: that cell is its first filled one, and no footer
    # word starts with a digit. Where no other row starts a footer either (nearly always), nothing is cut, told
    # without the look at every row below.
    if not any(w[:1].isascii() and w[:1].isdigit() for w in words) \
            and _footer_rows(body.filter(~_digit_first(columns[0])), columns, key, pattern).filter("__footer").is_empty():
        return body
    flagged = _footer_rows(body, columns, key, pattern)
    hits = flagged.filter("__footer")
    if hits.height == 0:
        return body
    start = int(hits[ROW][0])
    footer = flagged.filter((pl.col(ROW) == start) | ((pl.col(ROW) > start) & ~pl.col("__key"))
                            | ((pl.col(ROW) > start) & pl.col("__footer")))
    named = [t if len(t) <= 12 else t[:12] + "…" for t in footer["__first"].drop_nulls().to_list()]
    rows = footer[ROW].to_list()
    where = f"第{rows[0]}行" if len(rows) == 1 else f"第{rows[0]}–{rows[-1]}行"
    problems.add(source, rows[0], None, None,
                 f"表尾 {len(rows)} 行不是数据，已跳过（{where}：{'；'.join(named[:6])}{'……' if len(named) > 6 else ''}）",
                 WARNING)
    return body.join(footer.select(ROW), on=ROW, how="anti")


def _footer_rows(body: pl.DataFrame, columns: list[str], key: str | None, pattern: str) -> pl.DataFrame:
    """Of the rows that do not start with a number: ROW, the first filled cell, whether the key is filled and
    whether the row starts a footer (drop_footer)."""
    # The first filled cell of each row, computed once; only rows whose first cell is text can be a footer.
    first = pl.coalesce([pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c)) for c in columns])
    # Rows that start with a number (序号, a code) are data: set aside before the wider look at each row.
    body_numbered = pl.col(columns[0]).str.contains(r"^\s*[\d.\-]+\s*$").fill_null(False)
    flagged = body.filter(~body_numbered).select(ROW, first.alias("__first"),
                          (pl.col(key).is_not_null() & (pl.col(key).str.strip_chars() != "")).alias("__key")
                          if key else pl.lit(False).alias("__key"))
    candidate = pl.col("__first").str.contains(r"^[\d\s.\-+]*$").not_()  # a number (序号) is never a footer
    return flagged.with_columns(__footer=(candidate & pl.col("__first").str.normalize("NFKC")
                                          .str.replace_all(r"\s+", "").str.contains(pattern)).fill_null(False))


def _digit_first(column: str) -> pl.Expr:
    """The cell starts with an ASCII digit 0-9 (two comparisons of the text, no pattern matched per row)."""
    return ((pl.col(column) >= "0") & (pl.col(column) < ":")).fill_null(False)


def _percent_cells_as_numbers(body: pl.DataFrame, columns: list[str], rows: dict[int, set[int]]) -> pl.DataFrame:
    """A cell formatted as a percentage holds 0.85 for 85%: read it as the 85 the clerk sees."""
    out = []
    for g in columns:  # in Python, not a polars callback (those can deadlock the server under load)
        marked = rows.get(int(g[1:]), set())
        if not marked:
            continue
        values = [percent_text(v) if r - 1 in marked else v for r, v in zip(body[ROW].to_list(), body[g].to_list())]
        out.append(pl.Series(g, values, dtype=pl.String))
    return body.with_columns(out) if out else body
