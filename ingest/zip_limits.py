"""Refuse a zip bomb before anything is unpacked: a .zip of CSV files and an .xlsx workbook (a zip too).

A 457 KB upload that unpacks to 128 MiB, or 3.6 MB to 1 GiB, must not reach a reader that holds what it
unpacks (issue 15 §5). The zip's central directory states every member's packed and unpacked size; it is read
without inflating anything, so the refusal costs no memory. Members are then read through `read_member`,
which never returns more than the size the directory declared (zipfile stops at it and checks the CRC), so a
directory that lies cannot grow memory past the limit either.

What it may not do: judge the content. It only says "too big to unpack" in the clerk's words.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

MAX_UNPACKED_BYTES = 1024**3  # all members together; a county's full export unpacks to a few hundred MB
MAX_RATIO = 100  # unpacked / packed of one member; real sheets and CSV compress 5-20 times
RATIO_FROM_BYTES = 8 * 1024**2  # small members (styles, an empty sheet) may compress better: not judged
MAX_MEMBERS = 10_000
ZIP_MAGIC = b"PK\x03\x04"


def _mb(n: int) -> str:
    return f"{n / 1024**2:,.0f} MB" if n < 1024**3 else f"{n / 1024**3:,.1f} GB"


def zip_problem(source: bytes | Path, name: str | None = None) -> str | None:
    """Why this zip (or .xlsx) must not be unpacked, in Chinese; None when it may be read (or is no zip at
    all: the reader then says what is wrong with it)."""
    name = name or (Path(source).name if isinstance(source, Path) else "文件")
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            if not bytes(source[:4]) == ZIP_MAGIC:
                return None
            archive = zipfile.ZipFile(io.BytesIO(source))
        else:
            with open(source, "rb") as f:
                if f.read(4) != ZIP_MAGIC:
                    return None
            archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError):
        return None
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir()]
    kind = "工作簿" if Path(name).suffix.lower() in (".xlsx", ".xlsm") else "压缩包"
    if len(members) > MAX_MEMBERS:
        return f"{name}：{kind}中有 {len(members):,} 个文件，超过 {MAX_MEMBERS:,} 个，不予解压。请检查文件是否正确"
    total = sum(i.file_size for i in members)
    packed = sum(i.compress_size for i in members)
    if total > MAX_UNPACKED_BYTES:
        return (f"{name}：{kind}解压后为 {_mb(total)}（压缩后 {_mb(packed)}），超过 {_mb(MAX_UNPACKED_BYTES)} 的上限，"
                "未解压、未读取。请分批导出（如按乡镇或只导出本次更新的表）后再导入")
    for info in members:
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return (f"{name}：{kind}中的「{info.filename}」压缩比异常（{_mb(info.compress_size)} 解压后为 "
                    f"{_mb(info.file_size)}，约 {info.file_size // max(info.compress_size, 1):,} 倍），"
                    "疑似“压缩炸弹”，未解压、未读取。请从系统重新导出原始文件")
    return None


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, chunk: int = 1024**2) -> bytes:
    """A member's bytes, read in chunks and never more than its declared size (zipfile stops there and
    raises BadZipFile on a CRC mismatch, i.e. when the directory lied about the size)."""
    out = io.BytesIO()
    with archive.open(info) as f:
        while block := f.read(chunk):
            out.write(block)
            if out.tell() > info.file_size:
                raise zipfile.BadZipFile(f"{info.filename}: 解压后的大小与目录记录不符")
    return out.getvalue()
