"""Township names in boundary files as GIS offices write them, matched to the county's 乡镇名称.

A land office's file names a township its own way: "湖南省某某县白沙镇" in one field, Traditional script
("白沙鎮"), full-width letters or stray spaces, or a name the county spells differently. Matching, per
feature, after the clerk's mapping file (which always wins):

1. normalise both sides: NFKC (full/half width), no whitespace, Traditional -> Simplified with OpenCC's
   data (the `OpenCC` package, so no hand-kept character table);
2. the whole name, then the name with its leading administrative prefix stripped (cut after any
   省/市/州/盟/县/区/旗 character, longest remainder first, so "某某县新市镇" is 新市镇, not 镇);
3. the stripped prefix tells a city- or province-wide file's other counties apart: the prefix that names
   most of this county's townships is the county's own, a feature whose prefix names another county is
   set aside (not an error), a feature without one "may belong" to the county.

The mapping file is `<db stem>.boundary_names.csv` beside the logical database (next to the accounts
and rectification files, sidecar.py), with columns 文件中的名称, 乡镇 (a 乡镇代码 or 乡镇名称, or 不导入 to set a
feature aside, e.g. a 国有林场 polygon). It is read as UTF-8 or GBK, as Excel saves it.
"""

from __future__ import annotations

import csv
import difflib
import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ADMIN_CHARS = "省市州盟县区旗"  # a character that can end a province/city/county name
SKIP_WORDS = ("不导入", "忽略", "跳过")
TOWNSHIP_SUFFIXES = ("街道办事处", "街道办", "街道", "民族乡", "苏木", "乡", "镇")
MAPPING_HEADER = ("文件中的名称", "乡镇")


class NameFileError(ValueError):
    """The mapping file cannot be read (message in Chinese, naming file and row)."""


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Full/half width folded, whitespace gone, Traditional characters as Simplified."""
    folded = unicodedata.normalize("NFKC", str(text))
    folded = "".join(folded.split())
    return _converter().convert(folded) if folded else folded


def how_normalised(raw: str) -> list[str]:
    """What normalising changed in a name, in the clerk's words (for the match table)."""
    notes = []
    text = str(raw)
    if unicodedata.normalize("NFKC", text) != text:
        notes.append("全角转半角")
    folded = "".join(unicodedata.normalize("NFKC", text).split())
    if folded != unicodedata.normalize("NFKC", text):
        notes.append("去空格")
    if folded and _converter().convert(folded) != folded:
        notes.append("繁体转简体")
    return notes


def splits(name: str) -> list[tuple[str, str]]:
    """(prefix, rest) for the whole name and after each administrative character, longest rest first."""
    out = [("", name)]
    for i, char in enumerate(name[:-1]):
        if char in ADMIN_CHARS:
            out.append((name[: i + 1], name[i + 1:]))
    return out


def bare(name: str) -> str:
    """A township name without its 乡/镇/街道 suffix ("白沙镇" -> "白沙"), for suggestions and a unique fallback."""
    for suffix in TOWNSHIP_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class NameHit:
    code: str
    prefix: str  # the administrative prefix stripped ("" when the whole name matched)
    how: str  # "名称一致" / "去掉乡镇后缀" ...


class TownshipNames:
    """The county's townships by normalised name, for matching and suggestions."""

    def __init__(self, codes: list[str], names: list[str]):
        self.name_of = dict(zip(codes, names))
        self.by_name: dict[str, str] = {}
        bare_codes: dict[str, list[str]] = {}
        for code, name in zip(codes, names):
            key = normalise(name)
            self.by_name.setdefault(key, code)
            bare_codes.setdefault(bare(key), []).append(code)
        self.by_bare = {k: v[0] for k, v in bare_codes.items() if len(v) == 1}

    def lookup(self, name: str) -> NameHit | None:
        """The township a normalised feature name stands for, trying the longest remainder first."""
        candidates = splits(name)
        for prefix, rest in candidates:
            if rest in self.by_name:
                return NameHit(self.by_name[rest], prefix, "名称一致")
        for prefix, rest in candidates:  # "白沙" for 白沙镇, only when no other township shares the stem
            if bare(rest) in self.by_bare and len(bare(rest)) >= 2:
                return NameHit(self.by_bare[bare(rest)], prefix, "去掉乡镇后缀后一致")
        return None

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Nearest township names to an unmatched feature name (its stripped forms tried too)."""
        names = list(self.by_name)
        scored: dict[str, float] = {}
        for _, rest in splits(name):
            for candidate in names:
                ratio = max(difflib.SequenceMatcher(None, rest, candidate).ratio(),
                            difflib.SequenceMatcher(None, bare(rest), bare(candidate)).ratio())
                scored[candidate] = max(scored.get(candidate, 0.0), ratio)
        best = sorted((c for c in scored if scored[c] >= 0.4), key=lambda c: -scored[c])[:n]
        return [self.name_of[self.by_name[c]] for c in best]


def last_part(prefix: str) -> str:
    """The county-level part of a prefix: after its last administrative character that leaves at least two
    characters ("湖南省郴州市苏仙区" -> 苏仙区, "湖南省郴州市" -> 郴州市, "某某县" -> 某某县)."""
    for i in range(len(prefix) - 3, -1, -1):
        if prefix[i] in ADMIN_CHARS:
            return prefix[i + 1:]
    return prefix


# ---------------------------------------------------------------------------------------------------
# The clerk's mapping file


def mapping_path(db: Path) -> Path:
    """`data/county.duckdb` -> `data/county.boundary_names.csv`."""
    db = Path(db)
    stem = db.name[: -len(".duckdb")] if db.name.endswith(".duckdb") else db.name
    return db.parent / f"{stem}.boundary_names.csv"


def read_mapping(path: Path | None, name_of: dict[str, str]) -> dict[str, str | None]:
    """Normalised file name -> 乡镇代码 (None: set aside). A missing file is an empty mapping; a row naming
    no township of the county is an error naming the row, so a typo never silently drops a feature."""
    if path is None or not Path(path).exists():
        return {}
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gbk", errors="replace")
    code_by_name = {normalise(n): c for c, n in name_of.items()}
    mapping: dict[str, str | None] = {}
    for row_no, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (row_no == 1 and cells[:1] == [MAPPING_HEADER[0]]):
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise NameFileError(f"{Path(path).name} 第 {row_no} 行：应为两列「文件中的名称,乡镇」，两列都不能为空")
        target = cells[1]
        if target in SKIP_WORDS:
            mapping[normalise(cells[0])] = None
        elif target in name_of:
            mapping[normalise(cells[0])] = target
        elif normalise(target) in code_by_name:
            mapping[normalise(cells[0])] = code_by_name[normalise(target)]
        else:
            raise NameFileError(f"{Path(path).name} 第 {row_no} 行：「{target}」不是本县的乡镇代码或乡镇名称"
                                f"（也可写「不导入」）")
    return mapping


def save_mapping(path: Path, entries: dict[str, str]) -> None:
    """Add or replace rows (file name -> 乡镇代码 or 不导入), keeping the clerk's other rows and order.
    Written as UTF-8 with a BOM, so that Excel opens it with Chinese intact."""
    path = Path(path)
    rows: list[list[str]] = []
    if path.exists():
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gbk", errors="replace")
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
        if rows and rows[0][:1] == [MAPPING_HEADER[0]]:
            rows = rows[1:]
    wanted = {normalise(k): (k, v) for k, v in entries.items()}
    kept = [r for r in rows if not r or normalise(r[0].strip()) not in wanted]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MAPPING_HEADER)
    writer.writerows(kept)
    writer.writerows([name, target] for name, target in wanted.values())
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(out.getvalue().encode("utf-8-sig"))
    tmp.replace(path)


COUNTY_KEYS = ("县", "县名", "县名称", "区县", "区县名称", "县(市、区)", "县（市、区）", "县级", "所属县", "QXMC", "qxmc",
               "XMC", "xmc", "COUNTY", "county", "County")

