"""Read a workbook's sheets as text grids the way the clerk sees them: merged cells filled down, and the cells
formatted as a percentage known (85% is stored as 0.85).

Values come from calamine (fastexcel), fast at any size. Calamine does not report merges or number formats,
so those are read beside it: for .xlsx the sheet XML's <mergeCell> list (scanned as bytes, never parsed
whole) and, only for the columns asked about, openpyxl's number formats; for .xls, xlrd with formatting_info.

What it may not do: judge values, or read a workbook that zip_limits refused (the caller checks first).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import fastexcel
import numpy as np
import polars as pl

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)\d+')
_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_ALT = re.compile(r'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_ALT = re.compile(r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 20  # sheet XML is scanned for merges in blocks of this size


def column_index(letters: str | bytes) -> int:
    """'A' -> 0, 'AB' -> 27."""
    if isinstance(letters, bytes):
        letters = letters.decode()
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass
class Workbook:
    """One .xlsx / .xls workbook's bytes; sheets are read on demand."""

    data: bytes
    reader: object = field(init=False)
    _xls: object = field(init=False, default=None)
    _paths: dict[str, str] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.reader = fastexcel.read_excel(self.data)

    @property
    def sheet_names(self) -> list[str]:
        return self.reader.sheet_names

    @property
    def is_xlsx(self) -> bool:
        return self.data.startswith(ZIP_MAGIC)

    def grid(self, sheet: str, n_rows: int | None = None) -> pl.DataFrame:
        """All cells as text columns c0, c1, … (c0 = column A); row i is Excel row i + 1; vertically merged
        cells carry the merged value on every row they cover."""
        kwargs = {"n_rows": n_rows} if n_rows else {}
        grid = self.reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string", **kwargs).to_polars()
        offset, merges = self._layout(sheet, merges=n_rows is None)  # a peek at the header needs no merges
        width = offset + grid.width
        grid = grid.rename({c: f"c{i + offset}" for i, c in enumerate(grid.columns)})
        grid = grid.with_columns(pl.all().cast(pl.String))
        if offset:
            grid = grid.select(*[pl.lit(None, pl.String).alias(f"c{i}") for i in range(offset)], pl.all())
        return _fill_down(grid, [m for m in merges if m[2] < width])

    def percent_rows(self, sheet: str, columns: list[int]) -> dict[int, set[int]]:
        """For each column asked about (0 = A): the 0-based rows whose cell is formatted as a percentage."""
        if not columns:
            return {}
        found: dict[int, set[int]] = {c: set() for c in columns}
        if self.is_xlsx:
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(self.data), read_only=True, data_only=True)
            try:
                ws = book[sheet]
                for c in columns:
                    for row in ws.iter_rows(min_col=c + 1, max_col=c + 1):
                        for cell in row:
                            fmt = getattr(cell, "number_format", None) or ""
                            if "%" in fmt and isinstance(cell.value, (int, float)):
                                found[c].add(cell.row - 1)
            finally:
                book.close()
            return found
        book = self._xls_book()
        ws = book.sheet_by_name(sheet)
        for c in columns:
            for r in range(ws.nrows):
                if c >= ws.row_len(r) or ws.cell_type(r, c) != 2:  # XL_CELL_NUMBER
                    continue
                fmt = book.format_map.get(book.xf_list[ws.cell_xf_index(r, c)].format_key)
                if fmt is not None and "%" in fmt.format_str:
                    found[c].add(r)
        return found

    # ---------------------------------------------------------------------------------------------
    def _xls_book(self):
        if self._xls is None:
            import xlrd

            self._xls = xlrd.open_workbook(file_contents=self.data, formatting_info=True, on_demand=True)
        return self._xls

    def _layout(self, sheet: str, merges: bool = True) -> tuple[int, list[tuple[int, int, int]]]:
        """(first column calamine returns, vertical merges as (first row, last row, column), 0-based)."""
        if self.is_xlsx:
            return self._xlsx_layout(sheet, merges)
        try:
            book = self._xls_book()
            ws = book.sheet_by_name(sheet)
        except Exception:  # noqa: BLE001 - no merges known is the old behaviour, never worse
            return 0, []
        merges = [(rlo, rhi - 1, clo) for rlo, rhi, clo, chi in ws.merged_cells if rhi - rlo > 1]
        filled = [c for r in range(ws.nrows) for c in range(ws.row_len(r)) if ws.cell_type(r, c) not in (0, 6)]
        return (min(filled) if filled else 0), merges

    def _xlsx_layout(self, sheet: str, want_merges: bool = True) -> tuple[int, list[tuple[int, int, int]]]:
        try:
            with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
                path = self._sheet_paths(archive).get(sheet)
                if path is None:
                    return 0, []
                offset, merges, tail = 0, [], b""
                with archive.open(path) as f:
                    head = True
                    while block := f.read(_CHUNK):
                        text = tail + block
                        if head:
                            found = _DIMENSION.search(text)
                            offset = column_index(found.group(1)) if found else 0
                            head = False
                            if not want_merges:
                                return offset, []
                        cut = max(0, len(text) - 200)  # a tag that may be cut off is searched again next time
                        merges += [m for m in _MERGE.finditer(text) if m.start() < cut]
                        tail = text[cut:]
                    merges += list(_MERGE.finditer(tail))
        except (zipfile.BadZipFile, KeyError, OSError):
            return 0, []
        out = []
        for m in merges:
            r0, r1 = int(m.group(2)) - 1, int(m.group(4)) - 1
            if r1 > r0:
                out.append((r0, r1, column_index(m.group(1))))
        return offset, out

    def _sheet_paths(self, archive: zipfile.ZipFile) -> dict[str, str]:
        if self._paths is None:
            book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            ids = dict(_SHEET.findall(book)) or {n: i for i, n in _SHEET_ALT.findall(book)}
            targets = dict(_REL.findall(rels)) or {i: t for t, i in _REL_ALT.findall(rels)}
            paths = {}
            for name, rid in ids.items():
                target = targets.get(rid, "")
                target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                paths[_xml_unescape(name)] = target
            self._paths = paths
        return self._paths


def _xml_unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


def _fill_down(grid: pl.DataFrame, merges: list[tuple[int, int, int]]) -> pl.DataFrame:
    """Each vertically merged range's value on every row it covers (Excel keeps it in the first row only)."""
    if not merges or grid.height == 0:
        return grid
    by_column: dict[int, list[tuple[int, int]]] = {}
    for r0, r1, c in merges:
        if r0 < grid.height:
            by_column.setdefault(c, []).append((r0, min(r1, grid.height - 1)))
    filled = []
    for c, ranges in by_column.items():
        name = f"c{c}"
        if name not in grid.columns:
            continue
        starts = np.array([r0 for r0, _ in ranges], dtype=np.int64)
        lengths = np.array([r1 - r0 for r0, r1 in ranges], dtype=np.int64)
        total = int(lengths.sum())
        if total == 0:
            continue
        source = np.arange(grid.height, dtype=np.int64)
        firsts = np.repeat(starts, lengths)
        steps = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths) + 1
        source[firsts + steps] = firsts
        filled.append(grid[name].gather(pl.Series(source)).alias(name))
    return grid.with_columns(filled) if filled else grid


def percent_text(value: str | None) -> str | None:
    """'0.85' (a cell formatted as 85%) -> '85'; exact, as decimal text."""
    if value is None:
        return None
    try:
        number = Decimal(value.strip()) * 100
    except InvalidOperation:
        return value
    text = format(number.normalize(), "f")
    return text
