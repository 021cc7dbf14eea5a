"""Turn raw text sheets into typed frames, and say in Chinese what is wrong with each bad cell.

Checks run column-wise on whole frames (polars expressions), so a million-row export is validated in
seconds and every problem of a file is reported in one pass. Rows with a bad cell stay in the frames
with that cell null; the import is refused anyway as soon as there is one error.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ingest.problems import ERROR, WARNING, Problems
from ingest.readers import ROW, Export
from ingest.sheets import SHEETS, SHEETS_BY_TABLE, Column, Sheet

EVENT_ORDER = {"纳入": 1, "脱贫": 2, "返贫": 3, "清退": 4}
_FULL_WIDTH = [chr(0xFF10 + i) for i in range(10)] + ["．", "－", "＋", "，"]
_HALF_WIDTH = [str(i) for i in range(10)] + [".", "-", "+", ","]
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_DATE = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00(?:\.0+)?)?)?$"
_EXCEL_EPOCH = pl.date(1899, 12, 30)


@dataclass
class Validated:
    tables: dict[str, pl.DataFrame]  # by table name; typed columns plus ROW (null for kept rows)
    provided: list[str]  # tables that came from the export (the rest were kept from the served version)


def _clean(name: str) -> pl.Expr:
    text = pl.col(name).str.strip_chars(" \t\r\n\u3000\u00a0")
    return pl.when(text == "").then(None).otherwise(text)


def _number_text(name: str) -> pl.Expr:
    return _clean(name).str.replace_many(_FULL_WIDTH, _HALF_WIDTH).str.replace_all(",", "")


def _parse(column: Column, excel: bool) -> tuple[pl.Expr, pl.Expr, str]:
    """(typed value, ok flag for a non-blank cell, what was expected) for one column."""
    c = column.name
    if column.kind in ("text", "code"):
        value = _clean(c)
        if column.kind == "code":  # Excel turns numeric codes into 431299101.0
            value = value.str.replace(r"^(\d+)\.0+$", "${1}")
        return value, pl.lit(True), ""
    if column.kind in ("int", "year"):
        text = _number_text(c)
        ok = text.str.contains(r"^[+-]?\d+(?:\.0*)?$")
        value = pl.when(ok).then(text.str.replace(r"\.0*$", "").cast(pl.Int64, strict=False))
        if column.kind == "year":
            return value, ok & value.is_between(1980, 2100), "四位年份，如 2020"
        return value, ok, "整数（阿拉伯数字，如 3）"
    if column.kind in ("money", "yuan", "pct"):
        text = _number_text(c)
        ok = text.str.contains(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")
        unit = {"money": "万元", "yuan": "元", "pct": "%"}[column.kind]
        return pl.when(ok).then(text), ok, f"数字（单位：{unit}）"
    if column.kind == "date":
        text = _clean(c)
        parts = text.str.extract_groups(_DATE)
        iso = pl.concat_str(
            parts.struct.field("1"),
            parts.struct.field("2").str.zfill(2),
            parts.struct.field("3").str.zfill(2),
            separator="-",
        )
        value = iso.str.to_date("%Y-%m-%d", strict=False)
        if excel:
            serial = text.str.extract(r"^(\d{5})(?:\.0+)?$").cast(pl.Int64, strict=False)
            value = pl.coalesce(value, _EXCEL_EPOCH + pl.duration(days=serial))
        return value, value.is_not_null(), "日期，格式 YYYY-MM-DD（如 2020-03-05）"
    if column.kind == "bool":
        text = _clean(c)
        return text.replace_strict({"是": True, "否": False}, default=None, return_dtype=pl.Boolean), \
            text.is_in(["是", "否"]), "「是」或「否」"
    if column.kind == "enum":
        text = _clean(c)
        return text, text.is_in(list(column.values)), "以下之一：" + "、".join(column.values)
    if column.kind == "id_number":
        text = _clean(c).str.to_uppercase()
        return text, pl.lit(True), ""
    raise ValueError(f"unknown column kind {column.kind}")


def _type_sheet(sheet: Sheet, frame: pl.DataFrame, excel: bool, problems: Problems) -> pl.DataFrame:
    exprs = [pl.col(ROW)]
    checks = []
    for column in sheet.columns:
        value, ok, expected = _parse(column, excel)
        raw = _clean(column.name)
        exprs.append(value.alias(column.name))
        checks.append(pl.struct(
            raw.alias("raw"), ok.alias("ok"),
        ).alias(column.name))
    typed = frame.select(*exprs)
    flags = frame.select(pl.col(ROW), *checks)
    for column in sheet.columns:
        _, _, expected = _parse(column, excel)
        f = flags.select(pl.col(ROW).alias("row"), pl.col(column.name).struct.unnest())
        if column.required:
            blank = f.filter(pl.col("raw").is_null()).with_columns(pl.lit(None, pl.String).alias("value"))
            problems.add_rows(sheet.label, column.label, blank, "必填，不能为空")
        bad = f.filter(pl.col("raw").is_not_null() & ~pl.col("ok")).rename({"raw": "value"})
        problems.add_rows(sheet.label, column.label, bad, f"无法识别，应为{expected}")
    return typed


def _check_ranges(sheet: Sheet, typed: pl.DataFrame, problems: Problems) -> pl.DataFrame:
    """Signs and bounds of numbers; 身份证号 form, birth date and check digit."""
    for column in sheet.columns:
        c = column.name
        rows = typed.select(pl.col(ROW).alias("row"), pl.col(c).alias("value"))
        if column.kind in ("int", "money", "yuan", "pct"):
            number = pl.col("value").cast(pl.Float64, strict=False)
            problems.add_rows(sheet.label, column.label, rows.filter(number < 0), "不能为负数")
            if column.kind == "pct":
                problems.add_rows(sheet.label, column.label, rows.filter(number > 100), "超出范围，应在 0–100 之间")
            if c == "size":
                problems.add_rows(sheet.label, column.label, rows.filter(number == 0), "家庭人口数应至少为 1")
        if column.kind == "id_number":
            typed = typed.with_columns(_check_id_numbers(sheet, column, rows, problems).alias(c))
    if sheet.table == "households":
        over = typed.filter(pl.col("labor_count") > pl.col("size")).select(
            pl.col(ROW).alias("row"), pl.col("labor_count").cast(pl.String).alias("value"),
            pl.format("大于家庭人口数（{}）", pl.col("size")).alias("msg"))
        problems.add_rows(sheet.label, "劳动力人数", over, pl.col("msg"))
    if sheet.table == "projects":
        backwards = typed.filter(pl.col("planned_end") < pl.col("planned_start")).select(
            pl.col(ROW).alias("row"), pl.col("planned_end").cast(pl.String).alias("value"),
            pl.format("早于计划开工日期（{}）", pl.col("planned_start")).alias("msg"))
        problems.add_rows(sheet.label, "计划完工日期", backwards, pl.col("msg"))
    return typed


def _check_id_numbers(sheet: Sheet, column: Column, rows: pl.DataFrame, problems: Problems) -> pl.Series:
    v = pl.col("value")
    digits17 = [v.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(_ID_WEIGHTS)]
    expected = (pl.sum_horizontal(digits17) % 11).replace_strict(
        dict(enumerate(_ID_CHECK)), return_dtype=pl.String, default=None)
    birth = pl.when(v.str.len_chars() == 18).then(v.str.slice(6, 8)).otherwise("19" + v.str.slice(6, 6))
    born = birth.str.to_date("%Y%m%d", strict=False)
    checked = rows.with_columns(
        long=v.str.contains(r"^\d{17}[\dX]$"),
        short=v.str.contains(r"^\d{15}$"),
        born=born,
        expected=expected,
    )
    nonblank = checked.filter(pl.col("value").is_not_null())
    bad_form = nonblank.filter(~pl.col("long") & ~pl.col("short")).with_columns(
        msg=pl.format("长度或格式错误（{}位），应为18位：17位数字加一位数字或 X", pl.col("value").str.len_chars()))
    problems.add_rows(sheet.label, column.label, bad_form, pl.col("msg"))
    formed = nonblank.filter(pl.col("long") | pl.col("short"))
    bad_birth = formed.filter(pl.col("born").is_null() | (pl.col("born") < pl.date(1900, 1, 1))
                              | (pl.col("born") > pl.lit(_today())))
    problems.add_rows(sheet.label, column.label, bad_birth, "出生日期无效（第7–14位应为真实的出生日期）")
    bad_check = formed.filter(pl.col("long") & pl.col("born").is_not_null()
                              & (pl.col("value").str.slice(17, 1) != pl.col("expected")))
    problems.add_rows(sheet.label, column.label, bad_check, pl.format("校验位错误，应为 {}", pl.col("expected")))
    problems.add_rows(sheet.label, column.label, formed.filter(pl.col("short") & pl.col("born").is_not_null()),
                      "15位旧身份证号，已接受，请核实后更新为18位", WARNING)
    return checked["value"]


def _today():
    import datetime as _dt

    return _dt.date.today()


def _check_keys(sheet: Sheet, typed: pl.DataFrame, problems: Problems) -> None:
    if not sheet.key:
        return
    key = list(sheet.key)
    labels = "+".join(sheet.column(k).label for k in key)
    present = typed.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in key))
    dupes = present.with_columns(first=pl.col(ROW).min().over(key)).filter(pl.col(ROW) != pl.col("first"))
    shown = pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator="+")
    problems.add_rows(sheet.label, labels, dupes.select(pl.col(ROW).alias("row"), shown.alias("value"), "first"),
                      pl.format("重复，与第{}行相同", pl.col("first")))


def _check_references(tables: dict[str, pl.DataFrame], problems: Problems) -> None:
    for sheet in SHEETS:
        child = tables.get(sheet.table)
        if child is None:
            continue
        for column, parent_table, parent_column in sheet.refs:
            parent = tables.get(parent_table)
            keys = parent.select(pl.col(parent_column).alias(column)).unique() if parent is not None else \
                pl.DataFrame(schema={column: pl.String})
            orphans = child.filter(pl.col(column).is_not_null()).join(keys, on=column, how="anti")
            label = SHEETS_BY_TABLE[parent_table].label
            problems.add_rows(sheet.label, sheet.column(column).label,
                              orphans.select(pl.col(ROW).alias("row"), pl.col(column).alias("value")),
                              f"在「{label}」表中不存在")


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
    rules = pl.DataFrame(
        [{"prev": p, "event": e, "msg": m} for (p, e), m in _SEQUENCE_RULES.items()],
        schema={"prev": pl.String, "event": pl.String, "msg": pl.String})
    ordered = (
        events.filter(pl.col("household_id").is_not_null() & pl.col("date").is_not_null()
                      & pl.col("event").is_not_null())
        .sort("household_id", "date", "event_order")
        .with_columns(prev=pl.col("event").shift(1).over("household_id"),
                      prev_date=pl.col("date").shift(1).over("household_id"))
    )
    bad = ordered.join(rules, on=["prev", "event"], how="inner", nulls_equal=True)
    bad = bad.with_columns(msg=pl.when(pl.col("prev_date").is_not_null())
                           .then(pl.format("{}（上一条：{} {}）", "msg", "prev_date", "prev"))
                           .otherwise(pl.col("msg")))
    problems.add_rows("农户状态", "事件", bad.select(pl.col(ROW).alias("row"), pl.col("event").alias("value"),
                                                  "msg"), pl.col("msg"))


def _cross_sheet_warnings(tables: dict[str, pl.DataFrame], problems: Problems) -> None:
    allocations, payments = tables.get("fund_allocations"), tables.get("fund_payments")
    if allocations is not None and payments is not None:
        allocated = allocations.group_by("project_id").agg(a=pl.col("amount").cast(pl.Float64).sum())
        paid = payments.group_by("project_id").agg(p=pl.col("amount").cast(pl.Float64).sum(),
                                                   row=pl.col(ROW).max())
        over = paid.join(allocated, on="project_id", how="left").with_columns(pl.col("a").fill_null(0.0))
        over = over.filter(pl.col("p") > pl.col("a") + 1e-9)
        problems.add_rows("资金支出", "金额", over.select(
            "row", pl.col("project_id").alias("value"),
            pl.format("项目累计支出 {} 万元，超过累计下达 {} 万元", pl.col("p").round(4), pl.col("a").round(4)).alias("m")),
            pl.col("m"), WARNING)
    progress = tables.get("project_progress")
    if progress is not None:
        done_early = progress.filter(pl.col("status").is_in(["已完工", "已验收"])
                                     & (pl.col("progress_pct").cast(pl.Float64, strict=False) < 100))
        problems.add_rows("项目进度", "形象进度", done_early.select(
            pl.col(ROW).alias("row"), pl.col("progress_pct").alias("value"), pl.col("status")),
            pl.format("状态为「{}」但形象进度不足 100", pl.col("status")), WARNING)
    members, households = tables.get("household_members"), tables.get("households")
    if members is not None and households is not None and "household_members" in tables:
        counted = members.group_by("household_id").agg(n=pl.len())
        mismatch = households.join(counted, on="household_id", how="left").with_columns(
            pl.col("n").fill_null(0)).filter(pl.col("size").is_not_null() & (pl.col("n") != pl.col("size")))
        problems.add_rows("农户", "家庭人口数", mismatch.select(
            pl.col(ROW).alias("row"), pl.col("size").cast(pl.String).alias("value"), "n"),
            pl.format("与家庭成员表中的人数（{}）不一致", pl.col("n")), WARNING)
        shared = members.filter(pl.col("id_number").is_not_null()).with_columns(
            homes=pl.col("household_id").n_unique().over("id_number"),
            first=pl.col("household_id").first().over("id_number"),
        ).filter((pl.col("homes") > 1) & (pl.col("household_id") != pl.col("first")))
        problems.add_rows("家庭成员", "身份证号", shared.select(
            pl.col(ROW).alias("row"), pl.col("id_number").alias("value"), "first"),
            pl.format("同一身份证号出现在两个户中（另见户 {}）", pl.col("first")), WARNING)


def validate(export: Export, problems: Problems, existing: dict[str, pl.DataFrame] | None = None) -> Validated:
    """Type and check an export. `existing`: the served version's tables, for a partial update."""
    tables: dict[str, pl.DataFrame] = {}
    provided: list[str] = []
    for sheet in SHEETS:
        raw = export.sheets.get(sheet.label)
        if raw is None:
            if existing is not None and sheet.table in existing:
                tables[sheet.table] = existing[sheet.table].with_columns(pl.lit(None, pl.Int64).alias(ROW))
            elif sheet.required and existing is None:
                problems.add(sheet.label, None, None, None, f"缺少必需的表「{sheet.label}」")
            continue
        typed = _type_sheet(sheet, raw.frame, raw.excel, problems)
        typed = _check_ranges(sheet, typed, problems)
        _check_keys(sheet, typed, problems)
        if sheet.table == "household_events":
            typed = typed.with_columns(pl.col("event").replace_strict(EVENT_ORDER, default=None,
                                                                       return_dtype=pl.Int8).alias("event_order"))
        tables[sheet.table] = typed
        provided.append(sheet.table)
    if existing is not None and not provided:
        problems.add("导入文件", None, None, None, "没有找到任何可识别的表")
    _check_references(tables, problems)
    if "household_events" in tables and "household_events" in provided:
        _check_event_sequences(tables["household_events"], problems)
    _cross_sheet_warnings(tables, problems)
    return Validated(tables, provided)


__all__ = ["validate", "Validated", "EVENT_ORDER", "ERROR", "WARNING"]
