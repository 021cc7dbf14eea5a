"""Turn raw text sheets into typed frames, and say in Chinese what is wrong with each bad cell.

Checks run column-wise on whole frames (polars expressions), so a million-row export is validated in
seconds and every problem of a file is reported in one pass. Rows with a bad cell stay in the frames
with that cell null; the import is refused anyway as soon as there is one error.
"""

from __future__ import annotations

import contextlib
import functools
import re
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ingest import vocabulary
from ingest.problems import ERROR, WARNING, Problems
from ingest.readers import ROW, Export, RawSheet
from ingest.timing import phase
from ingest.workers import Workers, in_order
from ingest.sheets import GUARANTEE_COLUMNS, SHEETS, SHEETS_BY_TABLE, YES_NO, Column, Sheet

EVENT_ORDER = {"纳入": 1, "脱贫": 2, "返贫": 3, "清退": 4}
_FULL_WIDTH = [chr(0xFF10 + i) for i in range(10)] + ["．", "－", "＋", "，"]
_HALF_WIDTH = [str(i) for i in range(10)] + [".", "-", "+", ","]
# What NFKC would change in a value cell, as the lists show it: full-width brackets, punctuation, spaces.
_WIDE = ["（", "）", "，", "、", "；", "／", "：", "　", " ", "\t", "\u00a0"]
_NARROW = ["(", ")", ",", "、", ";", "/", ":", "", "", "", ""]
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# 2020-03-05, 2020/3/5, 2020.3.5, 2020年3月5日; a time of day after it (Excel datetime cells) is dropped.
_DATE = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_EXCEL_EPOCH = pl.date(1899, 12, 30)
_FIRST_DATE, _LAST_DATE = pl.date(1980, 1, 1), pl.date(2100, 12, 31)
# Upper bounds: what a person would type, well inside the database's column types.
_MAX = {"int": 10_000_000, "money": 100_000_000, "yuan": 10_000_000, "pct": 100}
_MAX_BY_COLUMN = {"size": 99, "labor_count": 99}
_ID_SHOWN = 10  # 身份证号 in messages: the first 10 characters (region and birth year), never the whole number


@dataclass
class Validated:
    tables: dict[str, pl.DataFrame]  # by table name; typed columns plus ROW (null for kept rows)
    provided: list[str]  # tables that came from the export (the rest were kept from the served version)
    recomputed: set[str] = field(default_factory=set)  # sheets whose cross-sheet warnings were recomputed
    changes: list = field(default_factory=list)  # ingest.merge.SheetChange per provided sheet (the preview)
    meta: dict[str, str] = field(default_factory=dict)  # published as the version's meta (e.g. county_name)
    shapes: pl.DataFrame | None = None  # the export's township boundaries, parsed once (ingest/boundaries.py)
    # validate(alongside=...): its result, and a Problems of what it said (for the caller to take in its order).
    alongside: tuple[object, Problems] | None = None


def _clean(name: str) -> pl.Expr:
    text = pl.col(name).str.strip_chars(" \t\r\n\u3000\u00a0")
    return pl.when(text == "").then(None).otherwise(text)


def _number_text(name: str) -> pl.Expr:
    return pl.col(name).str.replace_many(_FULL_WIDTH, _HALF_WIDTH).str.replace_all(",", "")


def _normalised(name: str) -> pl.Expr:
    """A cell as vocabulary.norm_value compares it (NFKC: （） = (), no spaces)."""
    # replace_many (one Aho-Corasick pass) rather than NFKC on every cell: a million-row list stays fast.
    return pl.col(name).str.replace_many(_WIDE, _NARROW)


def _enum(column: Column) -> tuple[pl.Expr, pl.Expr, str]:
    """One of the column's values, or a county spelling of one (data/vocabulary.toml); a field that may hold
    several ("残疾,长期慢性病") keeps them all, in the contract's order, joined by 、."""
    words = vocabulary.load()
    aliases = words.value_map(column.name, column.values)
    expected = "以下之一：" + "、".join(column.values)
    if column.name not in words.multiple:
        value = _normalised(column.name).replace_strict(aliases, default=None, return_dtype=pl.String)
        return value, value.is_not_null(), expected
    split = "[" + re.escape("".join(words.separators)) + "]"
    text = _normalised(column.name)
    single = text.replace_strict(aliases, default=None, return_dtype=pl.String)
    several = text.str.contains(split)  # only these cells take the (slower) list path
    parts = pl.when(several).then(text).str.replace_all(split, "\x1f").str.split("\x1f")
    order = {v: i for i, v in enumerate(column.values)}
    mapped = parts.list.eval(pl.element().filter(pl.element() != "")
                             .replace_strict(aliases, default=None, return_dtype=pl.String))
    ok = pl.when(several).then((mapped.list.len() > 0) & ~mapped.list.eval(pl.element().is_null()).list.any()) \
        .otherwise(single.is_not_null())
    ranked = mapped.list.eval(pl.element().sort_by(
        pl.element().replace_strict(order, default=99, return_dtype=pl.Int32))).list.unique(maintain_order=True)
    # 健康 beside an illness is a slip of the hand: the illness counts.
    cleaned = ranked.list.eval(pl.element().filter((pl.element() != "健康") | (pl.len() == 1)))
    value = pl.when(several).then(cleaned.list.join("、")).otherwise(single)
    return pl.when(ok).then(value), ok, expected + "（可填多项，用逗号或顿号分隔）"


# A column whose every cell is written plainly (ASCII digits, as a database export writes them) is typed without the
# normalising steps (full-width digits, thousands separators, 2020年, Excel serial dates), which change nothing there:
# the same values and flags, at a fraction of the cost on a million-row sheet. Any other cell: the full path.
# The test runs on the raw text: a plain cell has no white space to strip and is never blank, so it is its own
# cleaned value (a blank "" cell, or one with spaces around it, sends its column the full way).
_PLAIN = {"code": r"^[0-9A-Za-z-]+$", "int": r"^[0-9]{1,15}$", "year": r"^[0-9]{1,15}$",
          "money": r"^[0-9]{1,15}(?:\.[0-9]+)?$", "yuan": r"^[0-9]{1,15}(?:\.[0-9]+)?$",
          "pct": r"^[0-9]{1,15}(?:\.[0-9]+)?$", "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
          "id_number": r"^[0-9]+X?$"}


def _plain_columns(sheet: Sheet, frame: pl.DataFrame, known: set[str] = frozenset()) -> set[str]:
    """The columns of the frame whose non-blank cells are all plainly written (_PLAIN), in one pass. known: code
    and ID columns already seen to hold only digits (an X at the end allowed), which are plain."""
    candidates = [c for c in sheet.columns if c.kind in _PLAIN and c.name in frame.columns and c.name not in known]
    if not candidates or frame.height == 0:
        return set(known)
    flags = frame.select(pl.col(c.name).str.contains(_PLAIN[c.kind]).all().alias(c.name) for c in candidates)
    return {name for name, plain in flags.row(0, named=True).items() if plain} | set(known)


def _parse_plain(column: Column) -> tuple[pl.Expr, pl.Expr, str]:
    """What _parse gives for a plainly written column (see _PLAIN), without its normalising steps."""
    c = column.name
    if column.kind in ("code", "id_number"):  # no full-width digit, no x to upper-case, no Excel .0
        return pl.col(c), pl.lit(True), ""
    if column.kind in ("int", "year"):
        value = pl.col(c).cast(pl.Int64, strict=False)
        if column.kind == "year":
            return value, value.is_between(1980, 2100), "四位年份（1980–2100），如 2020"
        return value, value.is_not_null(), "整数（阿拉伯数字，如 3）"
    if column.kind == "date":
        value = pl.col(c).str.to_date("%Y-%m-%d", strict=False)
        value = pl.when(value.is_between(_FIRST_DATE, _LAST_DATE)).then(value)
        return value, value.is_not_null(), "日期，格式 YYYY-MM-DD（如 2020-03-05），年份在 1980–2100 之间"
    unit = {"money": "万元", "yuan": "元", "pct": "%"}[column.kind]
    return pl.col(c), pl.lit(True), f"数字（单位：{unit}）"


def _parse(column: Column, excel: bool) -> tuple[pl.Expr, pl.Expr, str]:
    """(typed value, ok flag for a non-blank cell, what was expected) for one column, already _clean-ed."""
    c = column.name
    if column.kind == "text" and column.name == "main_cause":  # 因病致贫 = 因病, then the county's spellings
        aliases = vocabulary.load().value_map("main_cause")
        plain = _normalised(c).str.replace(r"致贫$", "")
        return pl.coalesce(plain.replace_strict(aliases, default=None, return_dtype=pl.String), plain), \
            pl.lit(True), ""
    if column.kind in ("text", "code"):
        value = pl.col(c)
        if column.kind == "code":  # Excel turns numeric codes into 431299101.0; full-width digits happen
            value = value.str.replace_many(_FULL_WIDTH[:10], _HALF_WIDTH[:10]).str.replace(r"^(\d+)\.0+$", "${1}")
        return value, pl.lit(True), ""
    if column.kind in ("int", "year"):
        text = _number_text(c)
        if column.kind == "year":  # 2020年, 2020年度, as the national system writes 脱贫年度
            text = text.str.replace(r"\s*年度?$", "")
        ok = text.str.contains(r"^[+-]?\d{1,15}(?:\.0*)?$")
        value = pl.when(ok).then(text.str.replace(r"\.0*$", "").cast(pl.Int64, strict=False))
        if column.kind == "year":
            return value, ok & value.is_between(1980, 2100), "四位年份（1980–2100），如 2020"
        return value, ok & value.is_not_null(), "整数（阿拉伯数字，如 3）"
    if column.kind in ("money", "yuan", "pct"):
        text = _number_text(c)
        if column.kind == "pct":
            text = text.str.strip_suffix("%")
        ok = text.str.contains(r"^[+-]?(?:\d{1,15}\.?\d*|\.\d+)$")
        unit = {"money": "万元", "yuan": "元", "pct": "%"}[column.kind]
        return pl.when(ok).then(text.str.replace(r"^\+", "")), ok, f"数字（单位：{unit}）"
    if column.kind == "date":
        text = pl.col(c).str.replace_many(_FULL_WIDTH[:12] + ["／", "　"], _HALF_WIDTH[:12] + ["/", " "])  # ２０２０－０３－０５
        parts = text.str.extract_groups(_DATE)
        iso = pl.concat_str(
            parts.struct.field("1"),
            parts.struct.field("2").str.zfill(2),
            parts.struct.field("3").str.zfill(2),
            separator="-",
        )
        value = pl.coalesce(iso.str.to_date("%Y-%m-%d", strict=False),
                            text.str.extract(r"^(\d{8})$").str.to_date("%Y%m%d", strict=False))
        if excel:  # a date cell, or a number formatted as General: days since 1899-12-30
            serial = text.str.extract(r"^(\d{5})(?:\.0+)?$").cast(pl.Int64, strict=False)
            value = pl.coalesce(value, _EXCEL_EPOCH + pl.duration(days=serial))
        value = pl.when(value.is_between(_FIRST_DATE, _LAST_DATE)).then(value)
        return value, value.is_not_null(), "日期，格式 YYYY-MM-DD（如 2020-03-05），年份在 1980–2100 之间"
    if column.kind == "bool":
        words = vocabulary.load().value_map("bool", YES_NO)
        text = _normalised(c).replace_strict(words, default=None, return_dtype=pl.String)
        return text.replace_strict({"是": True, "否": False}, default=None, return_dtype=pl.Boolean), \
            text.is_not_null(), "「是」或「否」"
    if column.kind == "enum":
        return _enum(column)
    if column.kind == "id_number":
        text = pl.col(c).str.replace_many(_FULL_WIDTH[:10] + ["ｘ", "Ｘ"], _HALF_WIDTH[:10] + ["X", "X"])
        return text.str.to_uppercase(), pl.lit(True), ""
    raise ValueError(f"unknown column kind {column.kind}")


def _type_sheet(sheet: Sheet, frame: pl.DataFrame, excel: bool, problems: Problems,
                missing: frozenset[str] = frozenset(), damaged_out: set[str] | None = None) -> pl.DataFrame:
    """Typed columns; every blank required cell and every cell that does not parse becomes a problem.

    One lazy pass computes all values and flags (cleaning each cell once); problem rows are only
    gathered for the columns whose flags say something is wrong. A column of few distinct spellings (an
    enum, 是/否, dates, 与户主关系) is typed once per spelling and looked up per row (_by_spelling).
    """
    checked = [c for c in sheet.columns if c.name not in missing]  # a missing column is reported once
    digits: set[str] = set()
    with phase(f"校验 {sheet.label}：长数字"):
        frame, damaged = _long_codes_stored_as_numbers(sheet, frame, checked, problems, digits)
    if damaged_out is not None:
        damaged_out |= damaged
    plain = _plain_columns(sheet, frame, digits - damaged) - damaged
    parsed = {column.name: _parse_plain(column) if column.name in plain else _parse(column, excel)
              for column in sheet.columns}
    looked_up = {column.name: table for column in sheet.columns
                 if column.name not in plain and column.name not in damaged
                 and (table := _by_spelling(column, frame, parsed[column.name])) is not None}
    blank = {}
    for c in checked:
        if not c.required:
            continue
        if c.name in looked_up:
            blank[c.name] = pl.col(f"__blank_{c.name}")
        elif c.name in damaged:
            blank[c.name] = pl.col(c.name).is_null() & ~pl.col(f"__damaged_{c.name}")
        else:
            blank[c.name] = pl.col(c.name).is_null()
    cleaned = _clean_already(frame, [c.name for c in sheet.columns if c.name not in plain and c.name not in looked_up])
    out = (
        frame.lazy()
        .with_columns(_looked_up_columns(frame, looked_up))
        .with_columns(_clean(c.name).alias(c.name) for c in sheet.columns
                      if c.name not in plain and c.name not in looked_up and c.name not in cleaned)
        .select(
            pl.col(ROW),
            *[pl.col(f"__value_{name}").alias(name) if name in looked_up else value.alias(name)
              for name, (value, _, _) in parsed.items()],
            *[flag.alias(f"__blank_{name}") for name, flag in blank.items()],
            *[(pl.col(f"__bad_{c.name}") if c.name in looked_up else
               (pl.col(c.name).is_not_null() & ~parsed[c.name][1]).fill_null(True)).alias(f"__bad_{c.name}")
              for c in checked],
        )
        .collect()
    )
    flags = [c for c in out.columns if c.startswith(("__blank_", "__bad_"))]
    any_flag = out.select(pl.col(flags).any()).row(0, named=True) if flags else {}
    for column in checked:
        name = column.name
        if any_flag.get(f"__blank_{name}"):
            blank_rows = out.filter(pl.col(f"__blank_{name}")).select(
                pl.col(ROW).alias("row"), pl.lit(None, pl.String).alias("value"))
            problems.add_rows(sheet.label, column.label, blank_rows, "必填，不能为空")
        if any_flag.get(f"__bad_{name}"):
            bad = frame.filter(out[f"__bad_{name}"]).select(
                pl.col(ROW).alias("row"), _shown(column)(name).str.strip_chars().alias("value"))
            if column.kind == "enum":
                bad = bad.with_columns(_suggestion(column, bad["value"]))
                problems.add_rows(sheet.label, column.label, bad,
                                  pl.format("无法识别，应为{}{}", pl.lit(parsed[name][2]), pl.col("hint")))
            else:
                problems.add_rows(sheet.label, column.label, bad, f"无法识别，应为{parsed[name][2]}")
    return out.drop(flags)


_SPACE = " \t\r\n\u3000\u00a0"  # what _clean strips


def _clean_already(frame: pl.DataFrame, names: list[str]) -> set[str]:
    """The columns _clean would leave as they are (no cell blank or with white space at either end), told by cheap
    comparisons of each cell's ends rather than by stripping every cell."""
    if not names or frame.height == 0:
        return set()
    def untidy(name: str) -> pl.Expr:
        text = pl.col(name)
        return pl.any_horizontal([text == ""] + [text.str.starts_with(c) | text.str.ends_with(c) for c in _SPACE]) \
            .any().alias(name)
    flags = frame.select(untidy(n) for n in names).row(0, named=True)
    return {name for name, messy in flags.items() if not messy}


_LOOKUP_KINDS = ("enum", "bool", "date", "year", "int", "text")
_LOOKUP_SAMPLE = 20_000  # rows looked at first: a column of names or ID numbers is not worth a lookup
_LOOKUP_MAX = 0.05  # at most this share of the rows distinct (in the sample, then in the whole column)


def _by_spelling(column: Column, frame: pl.DataFrame, parsed: tuple[pl.Expr, pl.Expr, str]) -> pl.DataFrame | None:
    """The column's distinct raw spellings, each cleaned and typed as _parse types a cell (value, ok, blank), or
    None when the column has too many to be worth it. Every step of _clean and _parse looks at one cell only,
    so typing a spelling once gives each row holding it exactly what typing that row gives."""
    name = column.name
    if column.kind not in _LOOKUP_KINDS or frame.height < 2 * _LOOKUP_SAMPLE:
        return None
    sample = frame[name].head(_LOOKUP_SAMPLE).n_unique()
    if sample > _LOOKUP_SAMPLE * _LOOKUP_MAX:
        return None
    spellings = frame.select(pl.col(name).unique().drop_nulls())
    if spellings.height > frame.height * _LOOKUP_MAX:
        return None
    value, ok, _ = parsed
    return spellings.with_columns(pl.col(name).alias("__raw")).with_columns(_clean(name).alias(name)).select(
        "__raw",
        value.alias("__value"),
        pl.col(name).is_null().alias("__blank"),
        (pl.col(name).is_not_null() & ~ok).fill_null(True).alias("__bad"),
    )


def _looked_up_columns(frame: pl.DataFrame, looked_up: dict[str, pl.DataFrame]) -> list[pl.Series]:
    """Per row, the typed value and flags of its spelling (a null cell: null value, blank, not bad)."""
    out = []
    for name, table in looked_up.items():
        raw = frame[name]
        index = raw.cast(pl.Enum(table["__raw"]), strict=False).to_physical()  # the row's spelling in the table
        out.append(table["__value"].gather(index).alias(f"__value_{name}"))
        out.append((table["__blank"].gather(index).fill_null(True) if table["__blank"].any() else raw.is_null())
                   .alias(f"__blank_{name}"))
        out.append((table["__bad"].gather(index).fill_null(False) if table["__bad"].any()
                    else pl.Series([False], dtype=pl.Boolean).new_from_index(0, frame.height)).alias(f"__bad_{name}"))
    return out


def _suggestion(column: Column, values: pl.Series) -> pl.Series:
    """"；最接近的是「低保贫困户」" for each unknown value (data/vocabulary.toml: add the spelling to accept it)."""
    words = vocabulary.load()
    hints = {}
    for value in values.drop_nulls().unique().head(500).to_list():
        near = words.suggest(column.name, value, column.values)
        hints[value] = ("；最接近的是" + "或".join(f"「{v}」" for v in near) if near else "") + \
            "（本县的写法可在 data/vocabulary.toml 中登记）"
    return values.replace_strict(hints, default="", return_dtype=pl.String).alias("hint")


_SCIENTIFIC = r"^\d(?:\.\d+)?[eE]\+?\d+$"
_ZERO_TAIL = r"^[1-9]\d{14}0+(?:\.0+)?$"  # 15 significant digits, then zeros: what Excel keeps of a long number
_LONG = r"^\d{16,}(?:\.0+)?$"


def _long_codes_stored_as_numbers(sheet: Sheet, frame: pl.DataFrame, checked: list[Column],
                                  problems: Problems, digits: set[str] | None = None) -> tuple[pl.DataFrame, set[str]]:
    """户编号 / 身份证号 typed into a number cell: Excel keeps 15 significant digits, the rest became zeros (or
    the cell shows 4.31E+17). That is one problem of the column with one fix, not thousands of wrong codes or a
    misleading 校验位错误: reported once per column, and the damaged cells are taken out of every other check."""
    damaged: set[str] = set()
    candidates = [c for c in checked if c.kind in ("code", "id_number")]
    sound = _clearly_sound(frame, [c.name for c in candidates], digits, {c for c, *_ in sheet.refs})
    for column in candidates:
        if column.name in sound:
            continue
        # A reference (a 户编号 on every 收入 and 农户状态 row of its household) is looked at once per distinct cell,
        # with how many rows hold it; other columns (keys, 身份证号) are nearly all distinct: one row each. Cleaned
        # once (CSE does not reach into sums); every flag is counted over the rows.
        if column.name in {c for c, *_ in sheet.refs}:
            cells = frame.group_by(column.name).len("__rows")
        else:
            cells = frame.select(column.name, pl.lit(1, pl.UInt32).alias("__rows"))
        cells = cells.with_columns(_clean(column.name).str.replace(r"\.0+$", "").alias("__text"))
        text = pl.col("__text")
        long = text.str.contains(_LONG).fill_null(False)
        zero_tail = text.str.contains(_ZERO_TAIL).fill_null(False)
        # A reader may print the double exactly (431299196503020032) rather than as Excel showed it
        # (431299196503020000): both are "15 significant digits, rounded, as a double". Only a long number that is
        # itself a double can be one, and below 2**53 only one ending in 0 (mostly a zero tail already), so the
        # exact test runs on those few rows, not on every 户编号 of a million-row sheet.
        number = text.cast(pl.Int64, strict=False)
        maybe_double = (long & ~zero_tail & ((number >= 2**53) | text.str.ends_with("0"))
                        & (number.cast(pl.Float64).cast(pl.Int64, strict=False) == number)).fill_null(False)
        sci = text.str.contains(_SCIENTIFIC).fill_null(False)

        def rows(flag: pl.Expr) -> pl.Expr:
            return pl.when(flag).then(pl.col("__rows")).otherwise(0).sum()

        counts = cells.select(s=rows(sci), t=rows(zero_tail), l=rows(long), m=rows(maybe_double)).row(0)
        n_sci, n_tail, n_long, n_maybe = (int(x) for x in counts)
        exact = cells.clear()
        if n_maybe and (n_tail + n_maybe) * 2 >= n_long:
            exact = cells.filter(maybe_double).filter(_printed_double(text))
            n_tail += int(exact["__rows"].sum())
        # A 16-digit code ending in 0 looks the same either way: a column is judged, not a cell. Excel's damage
        # hits every long value of the column (or shows E+); genuine codes end in zeros only now and then.
        if not (n_sci or (n_tail and n_tail * 2 >= n_long)):
            continue
        damaged_cells = cells.filter(sci | zero_tail)[column.name].append(exact[column.name])
        mask = frame.select(pl.col(column.name).is_in(damaged_cells.implode()).fill_null(False)).to_series()
        first = frame.filter(mask).select(pl.col(ROW), _shown(column)(column.name).alias("shown")).row(0, named=True)
        problems.add(sheet.label, int(first[ROW]), column.label, first["shown"],
                     f"该列有 {int(mask.sum()):,} 个值被 Excel 存成了数字，超过 15 位的数字已经丢失（变成 0 或科学计数法）："
                     f"请在导出（或录入）前把「{column.label}」列设为「文本」格式，重新导出后再导入"
                     "（在本文件中改格式无法找回丢失的数字）")
        frame = frame.with_columns(pl.when(mask).then(None).otherwise(pl.col(column.name)).alias(column.name),
                                   mask.alias(f"__damaged_{column.name}"))
        damaged.add(column.name)
    return frame, damaged


def _clearly_sound(frame: pl.DataFrame, names: list[str], digits: set[str] | None = None,
                   runs: set[str] = frozenset()) -> set[str]:
    """The columns the test below would pass, told in one cheap pass over the raw text: every cell plain ASCII
    digits (an X at the end allowed), so nothing to clean, no .0 and no E+; and too few long values ending in 0
    or being exact doubles (the only ones that can count as damaged) to reach half of the long ones. The other
    columns take the full test. A column in `runs` (a reference, its value repeated row after row) is looked at
    once per run of equal cells, each counted for its rows."""
    if not names or frame.height == 0:
        return set()
    flags = {}
    for name in names:
        if name in runs:
            cells = frame[name].rle().struct.unnest().rename({"value": name, "len": "__rows"})
        else:
            cells = frame.select(name, pl.lit(1, pl.UInt32).alias("__rows"))
        text, rows = pl.col(name), pl.col("__rows")
        long = (text.str.len_bytes() >= 16) & ~text.str.ends_with("X")
        number = text.cast(pl.Int64, strict=False)
        double = (number.cast(pl.Float64).cast(pl.Int64, strict=False) == number).fill_null(False)
        # A zero tail ends in 0; a maybe-double ends in 0 or is at least 2**53 and an exact double.
        suspect = long & (text.str.ends_with("0") | ((number >= 2**53).fill_null(False) & double))
        flags[name] = cells.select(digits=text.str.contains(r"^[0-9]+X?$").all(),
                                   long=pl.when(long).then(rows).otherwise(0).sum(),
                                   suspect=pl.when(suspect).then(rows).otherwise(0).sum()).row(0, named=True)
    if digits is not None:  # told to the caller: such a column is plainly written (_PLAIN)
        digits |= {name for name in names if flags[name]["digits"]}
    return {name for name in names if flags[name]["digits"]
            and (flags[name]["suspect"] * 2 < flags[name]["long"] or flags[name]["long"] == 0)}


def _printed_double(text: pl.Expr) -> pl.Expr:
    """Whether a long integer (text) equals its value rounded to 15 significant digits, as a double."""
    number = text.cast(pl.Int64, strict=False)
    scale = pl.lit(10, pl.Int64).pow(text.str.len_chars() - 15)
    rounded = (number + scale // 2) // scale * scale
    return (rounded.cast(pl.Float64).cast(pl.Int64, strict=False) == number).fill_null(False)


def _shown(column: Column):
    """How a cell's value appears in a message: 身份证号 shortened (personal data), others as typed."""
    if column.kind == "id_number":
        return lambda name: pl.when(pl.col(name).str.len_chars() > _ID_SHOWN).then(
            pl.col(name).str.slice(0, _ID_SHOWN) + "…").otherwise(pl.col(name))
    return lambda name: pl.col(name)


def _check_ranges(sheet: Sheet, typed: pl.DataFrame, problems: Problems) -> pl.DataFrame:
    """Signs and bounds of numbers; 身份证号 form, birth date and check digit; row-level consistency."""
    numbers = [c for c in sheet.columns if c.kind in _MAX and c.name in typed.columns]
    # One pass says which number columns hold anything out of range at all; only those are looked at row by row.
    flagged = typed.select(_out_of_range(c).any().alias(c.name) for c in numbers).row(0, named=True) \
        if numbers and typed.height else {}
    for column in sheet.columns:
        c = column.name
        if not flagged.get(c) and column.kind != "id_number":
            continue
        rows = typed.select(pl.col(ROW).alias("row"), pl.col(c).alias("value")).filter(pl.col("value").is_not_null())
        if column.kind in _MAX:
            number = pl.col("value").cast(pl.Float64, strict=False)
            top = _MAX_BY_COLUMN.get(c, _MAX[column.kind])
            problems.add_rows(sheet.label, column.label, rows.filter(number < 0), "不能为负数")
            if column.kind == "pct":
                problems.add_rows(sheet.label, column.label, rows.filter(number > 100), "超出范围，应在 0–100 之间")
            else:
                unit = f" {column.unit}" if column.unit else ""
                problems.add_rows(sheet.label, column.label, rows.filter(number > top),
                                  f"数值过大（超过 {top:,}{unit}），请检查单位或是否多打了数字")
            if c == "size":
                problems.add_rows(sheet.label, column.label, rows.filter(number == 0), "家庭人口数应至少为 1")
        if column.kind == "id_number":
            _check_id_numbers(sheet, column, rows, problems)
    if sheet.table == "households":
        over = typed.filter(pl.col("labor_count") > pl.col("size")).select(
            pl.col(ROW).alias("row"), pl.col("labor_count").cast(pl.String).alias("value"),
            pl.format("劳动力人数大于家庭人口数（{}）", pl.col("size")).alias("msg"))
        problems.add_rows(sheet.label, "劳动力人数", over, pl.col("msg"))
        heads = typed.filter(pl.col("head_id_number").is_not_null() & _duplicated(typed["head_id_number"])) \
            .with_columns(
            first=pl.col(ROW).min().over("head_id_number"),
            first_id=pl.col("household_id").first().over("head_id_number"),
        ).filter(pl.col(ROW) != pl.col("first"))
        problems.add_rows(sheet.label, "户主身份证号", heads.select(
            pl.col(ROW).alias("row"), _shown(sheet.column("head_id_number"))("head_id_number").alias("value"),
            "first", "first_id"),
            pl.format("与第{}行（户编号 {}）的户主身份证号相同，可能重复建档", pl.col("first"), pl.col("first_id")),
            WARNING)
    if sheet.table == "households":
        _warn_unknown_guarantees(sheet, typed, problems)
    if sheet.table == "projects":
        backwards = typed.filter(pl.col("planned_end") < pl.col("planned_start")).select(
            pl.col(ROW).alias("row"), pl.col("planned_end").cast(pl.String).alias("value"),
            pl.format("计划完工日期早于计划开工日期（{}）", pl.col("planned_start")).alias("msg"))
        problems.add_rows(sheet.label, "计划完工日期", backwards, pl.col("msg"))
    return typed


def _out_of_range(column: Column) -> pl.Expr:
    """Whether a cell of a number column breaks one of _check_ranges' bounds (its messages say which)."""
    number = pl.col(column.name).cast(pl.Float64, strict=False)
    top = 100 if column.kind == "pct" else _MAX_BY_COLUMN.get(column.name, _MAX[column.kind])
    bad = (number < 0) | (number > top)
    return (bad | (number == 0)) if column.name == "size" else bad


def _warn_unknown_guarantees(sheet: Sheet, typed: pl.DataFrame, problems: Problems) -> None:
    """One notice per guarantee the file leaves unknown (its column absent or cells blank): stored as unknown."""
    if typed.height == 0:
        return
    blanks = typed.select(pl.col(c).is_null().sum() for c in GUARANTEE_COLUMNS).row(0, named=True)
    for name, count in blanks.items():
        if not count:
            continue
        label = sheet.column(name).label
        first = typed.filter(pl.col(name).is_null())[ROW].min()
        what = (f"文件中没有「{label}」列" if count == typed.height else f"{count:,} 户的「{label}」为空")
        problems.add(sheet.label, None if count == typed.height else first, label, None,
                     f"{what}：记为「未知」（不按「是」计，数据核查中列为待核实）", WARNING)


def _check_id_numbers(sheet: Sheet, column: Column, rows: pl.DataFrame, problems: Problems) -> None:
    v = pl.col("value")
    # Most numbers are sound (18 characters, a real birth date, the right check digit) and none of the messages
    # below names them: told apart in one cheap pass, so that the full checks run on the rest only.
    rows = rows.filter(~_sound_id_numbers(rows["value"]))
    digits17 = [v.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(_ID_WEIGHTS)]
    expected = (pl.sum_horizontal(digits17) % 11).replace_strict(
        dict(enumerate(_ID_CHECK)), return_dtype=pl.String, default=None)
    birth = pl.when(v.str.len_chars() == 18).then(v.str.slice(6, 8)).otherwise("19" + v.str.slice(6, 6))
    born = birth.str.to_date("%Y%m%d", strict=False)
    checked = rows.with_columns(
        long=v.str.contains(r"^\d{17}[\dX]$"),
        short=v.str.contains(r"^\d{15}$"),
        scientific=v.str.contains(r"^\d(?:\.\d+)?E\+?\d+$"),
        born=born,
        expected=expected,
        shown=_shown(column)("value"),
    )
    bad_form = checked.filter(~pl.col("long") & ~pl.col("short")).with_columns(
        msg=pl.when(pl.col("scientific"))
        .then(pl.lit("被 Excel 存成了数字（科学计数法），后几位已丢失：请把该列设为文本后重新录入"))
        .otherwise(pl.format("长度或格式错误（{}位），应为18位：17位数字加一位数字或 X",
                             pl.col("value").str.len_chars())))
    problems.add_rows(sheet.label, column.label, bad_form.with_columns(value="shown"), pl.col("msg"))
    formed = checked.filter(pl.col("long") | pl.col("short"))
    bad_birth = formed.filter(pl.col("born").is_null() | (pl.col("born") < pl.date(1900, 1, 1))
                              | (pl.col("born") > pl.lit(_today())))
    problems.add_rows(sheet.label, column.label, bad_birth.with_columns(value="shown"),
                      "出生日期无效（第7–14位应为真实的出生日期）")
    bad_check = formed.filter(pl.col("long") & pl.col("born").is_not_null()
                              & (pl.col("value").str.slice(17, 1) != pl.col("expected")))
    problems.add_rows(sheet.label, column.label, bad_check.with_columns(value="shown"),
                      pl.format("校验位错误，应为 {}", pl.col("expected")))
    problems.add_rows(sheet.label, column.label,
                      formed.filter(pl.col("short") & pl.col("born").is_not_null()).with_columns(value="shown"),
                      "15位旧身份证号，已接受，请核实后更新为18位", WARNING)


def _sound_id_numbers(values: pl.Series) -> pl.Series:
    """Whether each 18-character number is well formed, born on a real date from 1900 to today and carries the
    right check digit: what _check_id_numbers' messages test, by integer arithmetic on the first 17 digits
    (weighted digit sums looked up per 6-digit group, birth dates in a set of every valid day)."""
    v = pl.col("value")
    frame = values.alias("value").to_frame().select(
        form=v.str.contains(r"^\d{17}[\dX]$").fill_null(False),
        head=v.str.slice(0, 17).cast(pl.Int64, strict=False),
        last=pl.when(v.str.ends_with("X")).then(pl.lit(10, pl.Int64)).otherwise(
            v.str.slice(17, 1).cast(pl.Int64, strict=False)),
    )
    head = frame["head"].fill_null(0).clip(0, 10**17 - 1).to_numpy()
    high, middle, low = _id_weight_tables()
    total = high[head // 10**12] + middle[(head // 10**6) % 10**6] + low[head % 10**6]
    born = pl.Series((head // 1000) % 10**8).is_in(_valid_birth_days().implode())
    expected = pl.Series((12 - total % 11) % 11)  # _ID_CHECK[r] is X (10) or the digit (12 - r) % 11
    return (frame["form"] & frame["head"].is_not_null() & born & (frame["last"] == expected)).fill_null(False)


@functools.cache
def _id_weight_tables():
    """Sum of digit * _ID_WEIGHTS over the first 5, the next 6 and the last 6 of 17 digits, for every value."""
    def table(weights):
        x = np.arange(10 ** len(weights), dtype=np.int64)
        return sum(((x // 10 ** (len(weights) - 1 - i)) % 10) * w for i, w in enumerate(weights))
    return table(_ID_WEIGHTS[:5]), table(_ID_WEIGHTS[5:11]), table(_ID_WEIGHTS[11:])


def _valid_birth_days() -> pl.Series:
    """Every day from 1900-01-01 to today as the integer YYYYMMDD."""
    return _birth_days(_today())


@functools.cache
def _birth_days(today) -> pl.Series:
    import datetime as _dt

    days = pl.date_range(_dt.date(1900, 1, 1), today, eager=True)
    return days.dt.strftime("%Y%m%d").cast(pl.Int64)


def _today():
    import datetime as _dt

    return _dt.date.today()


def _check_keys(sheet: Sheet, typed: pl.DataFrame, problems: Problems) -> None:
    if not sheet.key:
        return
    key = list(sheet.key)
    labels = "+".join(sheet.column(k).label for k in key)
    present = typed.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in key))
    present = present.filter(_repeated(present, key))  # only rows whose key repeats can be duplicates
    dupes = present.with_columns(first=pl.col(ROW).min().over(key)).filter(pl.col(ROW) != pl.col("first"))
    shown = pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator="+")
    problems.add_rows(sheet.label, labels, dupes.select(pl.col(ROW).alias("row"), shown.alias("value"), "first"),
                      pl.format("重复，与第{}行相同", pl.col("first")))


def _repeated(frame: pl.DataFrame, key: list[str]) -> pl.Series:
    """Whether each row's key (no part null) is on another row too. An export usually lists its rows in key order,
    or in a few runs in key order (one county after another): when the runs' key ranges do not overlap, equal keys
    are neighbours, told by comparing each row with the one above. Otherwise one hash pass."""
    if frame.height < 2:
        return pl.Series([False] * frame.height, dtype=pl.Boolean)
    in_order = None  # the key is at least the one above (lexicographically)
    for k in reversed(key):
        here, above = pl.col(k), pl.col(k).shift(1)
        in_order = (here >= above) if in_order is None else ((here > above) | ((here == above) & in_order))
    breaks = frame.select(pl.arg_where(~in_order.fill_null(True))).to_series().to_list()
    if len(breaks) <= _MAX_RUNS:
        starts, ends = [0] + breaks, [b - 1 for b in breaks] + [frame.height - 1]
        first, last = frame[starts].select(key).rows(), frame[ends].select(key).rows()
        runs = sorted(zip(first, last))
        if all(later[0] > earlier[1] for earlier, later in zip(runs, runs[1:])):
            same = pl.all_horizontal([pl.col(k) == pl.col(k).shift(1) for k in key]).fill_null(False)
            return frame.select(same | same.shift(-1).fill_null(False)).to_series()
    return _duplicated(frame[key[0]]) if len(key) == 1 else frame.select(pl.struct(key).is_duplicated()).to_series()


def _duplicated(values: pl.Series) -> pl.Series:
    """values.is_duplicated(), told by 64-bit hashes first: sorted, equal neighbours are the few hashes on several
    rows, and only the rows holding one of those are compared by value (every copy of a repeated value has its
    hash, so none is missed). A million 身份证号: 0.07 CPU-s instead of 1.0."""
    hashes = values.hash().to_numpy()
    ordered = np.sort(hashes)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    maybe = pl.Series(values.name, np.isin(hashes, repeated) if repeated.size else np.zeros(len(hashes), bool))
    at = maybe.arg_true()
    return maybe.scatter(at, values.gather(at).is_duplicated()) if at.len() else maybe


_MAX_RUNS = 64


def _check_references(tables: dict[str, pl.DataFrame], provided: list[str], problems: Problems,
                      damaged: set[tuple[str, str]] = frozenset()) -> None:
    """damaged: (table, column) whose codes Excel turned into numbers, reported once already: rows pointing at
    them are not reported again as unknown (one problem, not thousands of knock-on errors)."""
    for sheet in SHEETS:
        _check_references_of(sheet, tables, provided, damaged, problems)


def _check_references_of(sheet: Sheet, tables: dict[str, pl.DataFrame], provided: list[str],
                         damaged: set[tuple[str, str]], problems: Problems) -> None:
    """The references of one sheet's rows (_check_references)."""
    child = tables.get(sheet.table)
    if child is None:
        return
    for column, parent_table, parent_column in sheet.refs:
        parent = tables.get(parent_table)
        if parent is None:
            continue  # the parent sheet is missing: reported once as a missing sheet
        if (parent_table, parent_column) in damaged or (sheet.table, column) in damaged:
            continue
        if sheet.table not in provided and parent_table not in provided:
            continue  # both kept from the served version, which was checked when it was imported
        known = parent[parent_column].implode()
        # Each run of equal values once (a 户编号 on every 收入 row of its household): usually none is unknown.
        values = child[column].rle().struct.field("value")
        if not (values.is_not_null() & ~values.is_in(known)).any():
            continue
        orphans = child.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(known))
        if orphans.height == 0:
            continue
        label = SHEETS_BY_TABLE[parent_table].label
        if sheet.table in provided:
            problems.add_rows(sheet.label, sheet.column(column).label,
                              orphans.filter(pl.col(ROW).is_not_null()).select(
                                  pl.col(ROW).alias("row"), pl.col(column).alias("value")),
                              f"在「{label}」表中不存在")
            orphans = orphans.filter(pl.col(ROW).is_null())  # served rows merged with the file's
        if orphans.height:  # served rows now point at rows the new parent sheet no longer has
            examples = "、".join(orphans[column].unique(maintain_order=True).head(5).to_list())
            problems.add(sheet.label, None, sheet.column(column).label, None,
                         f"当前数据中有 {orphans.height:,} 行引用了新「{label}」表中没有的"
                         f"{sheet.column(column).label}（如 {examples}）：替换「{label}」表时请保留它们，"
                         f"或同时替换「{sheet.label}」表")


_SEQUENCE_RULES = {
    # (previous event or None, event) -> reason it makes no sense
    (None, "脱贫"): "此前没有「纳入」记录，不能脱贫",
    (None, "返贫"): "此前没有「脱贫」记录，不能返贫",
    (None, "清退"): "此前没有「纳入」记录，不能清退",
    ("纳入", "纳入"): "已纳入且未脱贫，不能再次纳入",
    ("返贫", "纳入"): "已返贫（在册），不能再次纳入",
    ("脱贫", "纳入"): "已脱贫的户再次致贫应记为「返贫」而不是「纳入」",
    ("纳入", "返贫"): "未脱贫的户不能返贫",
    ("返贫", "返贫"): "连续两次返贫，中间缺少「脱贫」",
    ("脱贫", "脱贫"): "连续两次脱贫，中间缺少「返贫」",
    ("清退", "脱贫"): "已清退的户不能脱贫",
    ("清退", "返贫"): "已清退的户不能返贫",
    ("清退", "清退"): "已清退，不能再次清退",
}


def _check_event_sequences(events: pl.DataFrame, problems: Problems) -> None:
    # Sorted by household, each row's previous event is the row above when it is the same household's (a shift and
    # a comparison, not a window per household); the pairs that break a rule are looked up by their event orders.
    rules = {(EVENT_ORDER[p] if p else 0) * 8 + EVENT_ORDER[e]: m for (p, e), m in _SEQUENCE_RULES.items()}
    same = pl.col("household_id") == pl.col("household_id").shift(1)
    ordered = (
        events.filter(pl.col("household_id").is_not_null() & pl.col("date").is_not_null()
                      & pl.col("event_order").is_not_null())
        .sort("household_id", "date", "event_order", ROW)
    )
    pair = (pl.when(same).then(pl.col("event_order").shift(1)).otherwise(0).cast(pl.Int32) * 8
            + pl.col("event_order").cast(pl.Int32))
    bad = ordered.with_columns(
        prev_order=pl.when(same).then(pl.col("event_order").shift(1)),
        prev_date=pl.when(same).then(pl.col("date").shift(1)),
        pair=pair,
    ).filter(pl.col("pair").is_in(list(rules)))
    # The rule's message, and the previous event by its order (event_order is EVENT_ORDER of the event).
    names = pl.DataFrame({"prev_order": list(EVENT_ORDER.values()), "prev": list(EVENT_ORDER)},
                         schema={"prev_order": pl.Int8, "prev": pl.String})
    bad = (bad.join(pl.DataFrame({"pair": list(rules), "msg": list(rules.values())},
                                 schema={"pair": pl.Int32, "msg": pl.String}), on="pair", how="left", maintain_order="left")
           .join(names, on="prev_order", how="left", maintain_order="left"))
    bad = bad.with_columns(msg=pl.when(pl.col("prev_date").is_not_null())
                           .then(pl.format("{}（上一条：{} {}）", "msg", "prev_date", "prev"))
                           .otherwise(pl.col("msg")))
    # A served row (merged with the file's) that the file's rows now contradict: name it, it has no Excel row.
    bad = bad.with_columns(msg=pl.when(pl.col(ROW).is_null())
                           .then(pl.format("当前数据中 户 {} 在 {} 的「{}」与本次导入的记录矛盾：{}", "household_id",
                                           "date", "event", "msg"))
                           .otherwise(pl.col("msg")))
    problems.add_rows("农户状态", "事件", bad.select(pl.col(ROW).alias("row"), pl.col("event").alias("value"),
                                                  "msg"), pl.col("msg"))


CROSS_SHEET = "跨表核对："  # prefix of warnings computed from several sheets (recomputed on every import)


def _cross_sheet_warnings(tables: dict[str, pl.DataFrame], provided: list[str], problems: Problems) -> set[str]:
    """Warnings that need several sheets; returns the sheets whose cross-sheet warnings were recomputed."""
    recomputed: set[str] = set()
    for warn in _CROSS_SHEET_WARNINGS:
        recomputed |= warn(tables, provided, problems)
    return recomputed


def _involved(tables: dict[str, pl.DataFrame], provided: list[str], *names: str) -> bool:
    return all(n in tables for n in names) and any(n in provided for n in names)


def _warn_overspent(tables: dict[str, pl.DataFrame], provided: list[str], problems: Problems) -> set[str]:
    """The payment that takes a project's cumulative spending above everything allocated to it."""
    if not _involved(tables, provided, "fund_allocations", "fund_payments", "projects"):
        return set()
    allocated = tables["fund_allocations"].group_by("project_id").agg(
        a=pl.col("amount").cast(pl.Float64, strict=False).sum())
    known = tables["projects"].select("project_id")  # an unknown project is an error already
    paid = (tables["fund_payments"].join(known, on="project_id", how="semi")
            .with_columns(x=pl.col("amount").cast(pl.Float64, strict=False).fill_null(0.0))
            .sort("project_id", "date", ROW, nulls_last=True)
            .with_columns(cum=pl.col("x").cum_sum().over("project_id"))
            .join(allocated, on="project_id", how="left").with_columns(pl.col("a").fill_null(0.0))
            .filter(pl.col("cum") > pl.col("a") + 1e-6)
            .group_by("project_id").agg(pl.all().first()))
    problems.add_rows("资金支出", "金额", paid.select(
        pl.col(ROW).alias("row"), pl.col("amount").cast(pl.String).alias("value"),
        pl.format(CROSS_SHEET + "项目 {} 累计支出 {} 万元，超过累计下达 {} 万元", pl.col("project_id"),
                  pl.col("cum").round(4), pl.col("a").round(4)).alias("m")),
        pl.col("m"), WARNING)
    return {"资金支出"}


def _warn_progress(tables: dict[str, pl.DataFrame], provided: list[str], problems: Problems) -> set[str]:
    """项目进度 rows 已完工 or 已验收 below 100, and a column of fractions (said once)."""
    if "project_progress" not in provided:
        return set()
    progress = tables["project_progress"]
    done_early = progress.filter(pl.col(ROW).is_not_null() & pl.col("status").is_in(["已完工", "已验收"])
                                 & (pl.col("progress_pct").cast(pl.Float64, strict=False) < 100))
    _warn_fraction_progress(progress, problems)
    problems.add_rows("项目进度", "形象进度", done_early.select(
        pl.col(ROW).alias("row"), pl.col("progress_pct").cast(pl.String).alias("value"), pl.col("status")),
        pl.format("状态为「{}」但形象进度不足 100", pl.col("status")), WARNING)
    return set()


def _warn_members(tables: dict[str, pl.DataFrame], provided: list[str], problems: Problems) -> set[str]:
    """家庭人口数 against the members listed, and one 身份证号 in two households."""
    if not _involved(tables, provided, "household_members", "households"):
        return set()
    members, households = tables["household_members"], tables["households"]
    counted = _counts(members, "household_id")
    if counted["household_id"].equals(households["household_id"]):  # the same households in the same order
        joined = households.with_columns(counted["n"])
    else:
        joined = households.join(counted, on="household_id", how="left")
    mismatch = joined.with_columns(pl.col("n").fill_null(0)).filter(pl.col("size").is_not_null() & (pl.col("n") != pl.col("size")))
    problems.add_rows("农户", "家庭人口数", mismatch.select(
        pl.col(ROW).alias("row"), pl.col("size").cast(pl.String).alias("value"), "n"),
        pl.format(CROSS_SHEET + "与家庭成员表中的人数（{}）不一致", pl.col("n")), WARNING)
    # Only a number on several rows can be in two households: those few rows get the windows below.
    shared = members.filter(pl.col("id_number").is_not_null() & _duplicated(members["id_number"])).with_columns(
        homes=pl.col("household_id").n_unique().over("id_number"),
        first=pl.col("household_id").first().over("id_number"),
    ).filter((pl.col("homes") > 1) & (pl.col("household_id") != pl.col("first")))
    problems.add_rows("家庭成员", "身份证号", shared.select(
        pl.col(ROW).alias("row"), _shown(SHEETS_BY_TABLE["household_members"].column("id_number"))(
            "id_number").alias("value"), "first"),
        pl.format(CROSS_SHEET + "同一身份证号出现在两个户中（另见户 {}）", pl.col("first")), WARNING)
    return {"农户", "家庭成员"}


# In the order their warnings are listed (the problem list keeps it for warnings on the same cell).
_CROSS_SHEET_WARNINGS = (_warn_overspent, _warn_progress, _warn_members)
_WARNING_NAMES = {_warn_overspent: "资金超支", _warn_progress: "项目进度", _warn_members: "家庭人口与身份证号"}


def _counts(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Rows per value of the column (null left out), as group_by(column).len() gives them. Rows listed value by
    value (家庭成员 household after household) are counted by their runs, without hashing every row."""
    runs = frame[column].rle().struct.unnest().filter(pl.col("value").is_not_null())
    runs = runs.select(pl.col("value").alias(column), pl.col("len").cast(pl.UInt32).alias("n"))
    if not _repeated(runs, [column]).any():
        return runs
    return frame.filter(pl.col(column).is_not_null()).group_by(column).agg(n=pl.len())


def _warn_fraction_progress(progress: pl.DataFrame, problems: Problems) -> None:
    """形象进度 is 0-100. A column of fractions (0.85 typed for 85%, in a cell not formatted as a percentage, or a
    CSV) would reach the pages as 0.85 %: said once, so the clerk can check the export."""
    values = progress.filter(pl.col(ROW).is_not_null()).select(  # the file's rows, not the served ones merged in
        pl.col(ROW), x=pl.col("progress_pct").cast(pl.Float64, strict=False)).drop_nulls("x")
    if values.height == 0 or values["x"].max() > 1 or not ((values["x"] > 0) & (values["x"] < 1)).any():
        return
    first = values.filter((pl.col("x") > 0) & (pl.col("x") < 1)).row(0, named=True)
    problems.add("项目进度", int(first[ROW]) if first[ROW] is not None else None, "形象进度", str(first["x"]),
                 "形象进度全部不超过 1，看起来是小数（0.85 = 85%）：形象进度应填 0–100 的数字（85 表示 85%）。"
                 "若确是百分比，请在 Excel 中把该列设为「百分比」格式或填 85，再导入", WARNING)


@dataclass
class Checked:
    """One sheet typed and checked on its own (types, ranges, keys), before it meets the served rows and the
    other sheets: what check_sheet found, to be taken into the import's problems in the contract's order."""

    typed: pl.DataFrame
    problems: Problems
    damaged: set[str]  # columns whose codes Excel turned into numbers (reported once)


def check_sheet(raw: RawSheet, release=None) -> Checked:
    """Type and check one sheet of the export on its own. Safe on a worker thread beside other sheets (it touches
    nothing but the sheet and a Problems of its own). release: see validate."""
    sheet, problems, lost = raw.sheet, Problems(), set()
    with phase(f"校验 {sheet.label}：类型"):
        typed = _type_sheet(sheet, raw.frame, raw.excel, problems, raw.missing, lost)
    if release is not None:
        release(raw)
    with phase(f"校验 {sheet.label}：范围与主键"):
        typed = _check_ranges(sheet, typed, problems)
        _check_keys(sheet, typed, problems)
    if sheet.table == "household_events":
        typed = typed.with_columns(pl.col("event").replace_strict(EVENT_ORDER, default=None,
                                                                   return_dtype=pl.Int8).alias("event_order"))
    return Checked(typed, problems, lost)


def validate(export: Export, problems: Problems, existing: dict[str, pl.DataFrame] | None = None, *,
             combine=None, release=None, checked: dict[str, Checked] | None = None, alongside=None) -> Validated:
    """Type and check an export. `existing`: the served version's tables, for a partial update.
    combine(sheet, typed) -> frame: the sheet as it will be published (ingest.merge: the file's rows merged
    with the served ones), so that references and event sequences are checked on the result.
    release(raw): called with each raw sheet once it is typed (ingest/raw_rows.py sets its text aside).
    checked: sheets check_sheet has done already (while the export was read), by label.
    alongside(tables, problems): more work on the finished tables that no check here waits for (the boundaries
    matched to the townships), run on a worker beside the cross-sheet checks: Validated.alongside.

    The sheets are checked two at a time on worker threads, the cross-sheet checks too; what each finds is
    taken in the contract's order, so the problems are the same whichever finishes first."""
    tables: dict[str, pl.DataFrame] = {}
    provided: list[str] = []
    damaged: set[tuple[str, str]] = set()
    checked = checked or {}
    with Workers() as workers:
        todo = {sheet.label: (raw.frame.height * raw.frame.width, functools.partial(check_sheet, raw, release))
                for sheet in SHEETS if (raw := export.sheets.get(sheet.label)) is not None
                and sheet.label not in checked}
        started = workers.start(todo)
        for sheet in SHEETS:
            raw = export.sheets.get(sheet.label)
            if raw is None:
                if existing is not None and sheet.table in existing:
                    tables[sheet.table] = existing[sheet.table].with_columns(pl.lit(None, pl.Int64).alias(ROW))
                elif sheet.required and existing is None:
                    problems.add(sheet.label, None, None, None, f"缺少必需的表「{sheet.label}」（工作表或 {sheet.label}.csv）")
                continue
            done = checked[sheet.label] if sheet.label in checked else started[sheet.label].result()
            problems.absorb(done.problems)
            damaged |= {(sheet.table, c) for c in done.damaged}
            # Merged on this thread in the contract's order while the workers type the next sheets.
            tables[sheet.table] = done.typed if combine is None else combine(sheet, done.typed)
            provided.append(sheet.table)
        if existing is not None and not provided and not problems.has_errors:
            problems.add("导入文件", None, None, None, "没有找到任何可识别的表")
        beside = None
        if alongside is not None:  # started first: the longest task, and mostly Python (holding the GIL)
            beside = workers.start({0: (float("inf"), functools.partial(_said, alongside, tables))})[0]
        with phase("校验：跨表（引用、事件顺序、核对）"):
            recomputed = _cross_sheet_checks(tables, provided, problems, damaged, workers)
        return Validated(tables, provided, recomputed, alongside=beside.result() if beside is not None else None)


def _said(work, *args, name: str | None = None) -> tuple[object, Problems]:
    """work(*args, problems) run with a Problems of its own (timed as phase `name`): (its result, what it said)."""
    found = Problems()
    with phase(name) if name else contextlib.nullcontext():
        return work(*args, found), found


def _cross_sheet_checks(tables: dict[str, pl.DataFrame], provided: list[str], problems: Problems,
                        damaged: set[tuple[str, str]], workers: Workers) -> set[str]:
    """References, event sequences and cross-sheet warnings: independent reads of the typed tables, run on the
    workers, their problems taken in the order one after another gives them. Returns the sheets whose
    cross-sheet warnings were recomputed."""
    def part(name: str, check, *args):
        return functools.partial(_said, check, *args, name=name)

    rows = {table: frame.height for table, frame in tables.items()}
    tasks = [(rows[s.table] * len(s.refs), part(f"校验：跨表引用 {s.label}", _check_references_of, s, tables,
                                                 provided, damaged)) for s in SHEETS if s.refs and s.table in tables]
    if "household_events" in provided:
        tasks.append((rows["household_events"], part("校验：事件顺序", _check_event_sequences,
                                                      tables["household_events"])))
    sizes = {_warn_overspent: rows.get("fund_payments", 0), _warn_progress: rows.get("project_progress", 0),
             _warn_members: rows.get("household_members", 0) + rows.get("households", 0)}
    tasks += [(sizes[warn], part(f"校验：跨表核对 {_WARNING_NAMES[warn]}", warn, tables, provided))
              for warn in _CROSS_SHEET_WARNINGS]
    recomputed: set[str] = set()
    for said, found in in_order(tasks, workers):
        problems.absorb(found)
        recomputed |= said or set()
    return recomputed


__all__ = ["validate", "check_sheet", "Checked", "Validated", "EVENT_ORDER", "ERROR", "WARNING", "CROSS_SHEET"]
