"""How the rows of an imported sheet meet the rows being served (DESIGN.md "Partial files").

Every sheet is merged by its natural key: a row with a new key is added, a row whose key is already there
replaces it, and served rows the file does not mention stay. A row whose key has a blank part (资金下达
without 文号) and every row of a sheet without a natural key (资金支出) can only be compared whole. When the
file holds every such served row (a cumulative export of the sheet), its equal rows are those same records
and only the others are added; otherwise rows equal to served ones are appended only once the clerk has
confirmed them (a re-imported week would count twice). Replacing a whole sheet happens only when asked for,
and the preview says how many rows go.

The preview (SheetChange per sheet) is what the CLI prints and the 数据导入 page shows before publishing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ingest.readers import ROW
from ingest.sheets import SHEETS, SHEETS_BY_LABEL, SHEETS_BY_TABLE, SHEET_ALIASES, Sheet

# The natural key of each sheet: what identifies "the same row" in a later file. One table, in the
# contract's order; a sheet with () has none (each row is a fact of its own, e.g. one payment).
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "townships": ("township_code",),                     # 乡镇代码
    "villages": ("village_code",),                       # 村代码
    "households": ("household_id",),                     # 户编号
    "household_members": ("id_number",),                 # 身份证号: a person is in one household
    "household_events": ("household_id", "date", "event"),  # 户编号 + 日期 + 事件
    "incomes": ("household_id", "year"),                 # 户编号 + 年度
    "projects": ("project_id",),                         # 项目编号
    "project_progress": ("project_id", "report_date"),   # 项目编号 + 填报日期
    # 文号 + 项目编号 + 资金来源: one document allocates to a project from one source, so a corrected amount
    # or date replaces the row. Rows without 文号 have no key and are treated like 资金支出.
    "fund_allocations": ("document_no", "project_id", "source"),
    "fund_payments": (),                                 # 项目编号 + 支付日期 + 金额 may repeat legitimately
    "annual_plans": ("year", "township_code"),           # 年度 + 乡镇代码
    "village_collective_income": ("village_code", "year"),  # 村代码 + 年度
}
_SCALE = {"money": 4, "yuan": 2, "pct": 2}  # as stored (schema.sql): values compare at this precision
EXAMPLES = 3


@dataclass
class SheetChange:
    """What publishing would do to one sheet of the served data."""

    sheet: str  # label
    replace: bool  # the whole sheet is replaced (asked for, or the served data is the demo county)
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    kept: int = 0  # served rows the file does not mention, left as they are (merge only)
    would_remove: int = 0  # served rows a replacement of the whole sheet would delete
    identical: int = 0  # rows without a key that equal a served row (appended only when confirmed)
    served: int = 0
    after: int = 0  # rows once published
    examples: dict[str, list[str]] = field(default_factory=dict)  # added / changed / removed -> a few keys


def key_of(table: str) -> tuple[str, ...]:
    return NATURAL_KEYS[table]


def key_labels(table: str) -> str:
    sheet = SHEETS_BY_TABLE[table]
    return "+".join(sheet.column(c).label for c in key_of(table)) or "（无，整行比较）"


def resolve_sheet_names(names, problems=None) -> tuple[set[str], list[str]]:
    """--replace arguments (Chinese sheet names or table ids) -> table names, and the names not known."""
    tables, unknown = set(), []
    for name in names or ():
        sheet = SHEET_ALIASES.get(str(name).strip())
        if sheet is None:
            unknown.append(str(name))
        else:
            tables.add(sheet.table)
    return tables, unknown


def _columns(sheet: Sheet) -> list[str]:
    return [c.name for c in sheet.columns] + (["event_order"] if sheet.table == "household_events" else [])


def _comparable(sheet: Sheet) -> list[pl.Expr]:
    """Each column as a value that is equal for the same stored value (money text vs stored decimal)."""
    out = []
    for column in sheet.columns:
        scale = _SCALE.get(column.kind)
        expr = pl.col(column.name)
        out.append((expr.cast(pl.Float64, strict=False).round(scale) if scale is not None else expr.cast(pl.String))
                   .alias(f"__v_{column.name}"))
    return out


def _signature(frame: pl.DataFrame, sheet: Sheet) -> pl.DataFrame:
    """The frame with a __sig column: all its values as one comparable string."""
    values = frame.with_columns(_comparable(sheet))
    names = [f"__v_{c.name}" for c in sheet.columns]
    sig = pl.concat_str([pl.col(n).cast(pl.String).fill_null("\x00") for n in names], separator="\x1f")
    return values.with_columns(sig.alias("__sig")).drop(names)


def _shown_key(sheet: Sheet, columns: tuple[str, ...] | list[str]) -> pl.Expr:
    return pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in columns], separator=" ")


def _examples(frame: pl.DataFrame, sheet: Sheet, columns) -> list[str]:
    if frame.height == 0:
        return []
    return frame.head(EXAMPLES).select(_shown_key(sheet, columns).alias("k"))["k"].to_list()


def _as_incoming(existing: pl.DataFrame, incoming: pl.DataFrame, sheet: Sheet) -> pl.DataFrame:
    """Served rows in the dtypes of validated rows (decimals as text, as validation leaves them), ROW null."""
    cols = _columns(sheet)
    return existing.select(
        [pl.col(c).cast(incoming.schema[c]) for c in cols]).with_columns(pl.lit(None, pl.Int64).alias(ROW))


def merge_sheet(sheet: Sheet, incoming: pl.DataFrame, existing: pl.DataFrame | None, *,
                replace: bool) -> tuple[pl.DataFrame, SheetChange, pl.DataFrame]:
    """The sheet as it will be published, what changes, and the incoming rows identical to served ones
    that have no key (ROW, __shown) — the caller refuses or confirms them."""
    cols = _columns(sheet)
    no_identical = pl.DataFrame(schema={ROW: pl.Int64, "__shown": pl.String})
    if existing is None or existing.height == 0:
        change = SheetChange(sheet.label, replace, added=incoming.height, after=incoming.height,
                             examples={"added": _examples(incoming, sheet, key_of(sheet.table) or cols)})
        return incoming, change, no_identical
    key = list(key_of(sheet.table))
    old = _signature(_as_incoming(existing, incoming, sheet), sheet).with_row_index("__old")
    new = _signature(incoming.select(cols + [ROW]), sheet)
    has_key = pl.all_horizontal([pl.col(k).is_not_null() for k in key]) if key else pl.lit(False)
    old_keyed, old_free = old.filter(has_key), old.filter(~has_key)
    new_keyed, new_free = new.filter(has_key), new.filter(~has_key)
    shown_key = key or cols

    # Keyed rows: by key.
    if key:
        matched = new_keyed.join(old_keyed.select(key).unique(), on=key, how="semi")
        same = matched.join(old_keyed.select(key + ["__sig"]).unique(), on=key + ["__sig"], how="semi")
        changed = matched.join(same.select(key + ["__sig"]), on=key + ["__sig"], how="anti")
        added_keyed = new_keyed.join(old_keyed.select(key).unique(), on=key, how="anti")
        untouched_keyed = old_keyed.join(new_keyed.select(key).unique(), on=key, how="anti")
    else:
        matched = same = changed = added_keyed = new_keyed
        untouched_keyed = old_keyed
    replaced_old = old_keyed.height - untouched_keyed.height
    # Rows without a key: by their whole value (with multiplicity, so that two equal payments are two).
    def counted(frame):
        return frame.with_columns(pl.int_range(pl.len()).over("__sig").alias("__n"))

    old_free_n, new_free_n = counted(old_free), counted(new_free)
    free_same = new_free_n.join(old_free_n.select("__sig", "__n"), on=["__sig", "__n"], how="semi")
    free_new = new_free_n.join(old_free_n.select("__sig", "__n"), on=["__sig", "__n"], how="anti")
    free_gone = old_free_n.join(new_free_n.select("__sig", "__n"), on=["__sig", "__n"], how="anti")
    # The file holds every served row without a key (a cumulative export): its equal rows are the same ones.
    # A row with a bad (null) required cell is refused anyway and may be one of the served rows.
    unreadable = new_free.filter(pl.any_horizontal([pl.col(c.name).is_null() for c in sheet.columns if c.required]))
    cumulative = old_free.height > 0 and free_gone.height <= unreadable.height
    identical = new_free.join(old_free.select("__sig").unique(), on="__sig", how="semi")
    if cumulative or replace:
        identical = identical.clear()

    change = SheetChange(sheet.label, replace, served=old.height, identical=identical.height,
                         would_remove=untouched_keyed.height + free_gone.height)
    change.changed = changed.height
    examples_changed = _examples(changed, sheet, shown_key)
    if replace:
        change.added = added_keyed.height + free_new.height
        change.unchanged = same.height + free_same.height
        change.removed = untouched_keyed.height + free_gone.height + max(0, replaced_old - matched.height)
        change.examples = {"added": _examples(added_keyed, sheet, shown_key) + _examples(free_new, sheet, cols),
                           "changed": examples_changed,
                           "removed": _examples(untouched_keyed, sheet, shown_key) + _examples(free_gone, sheet, cols)}
        merged = incoming
    else:
        appended = free_new if cumulative else new_free
        change.added = added_keyed.height + appended.height
        change.unchanged = same.height + (free_same.height if cumulative else 0)
        # Served rows replaced by fewer file rows of the same key (a key that repeated) are removed rows.
        change.removed = max(0, replaced_old - matched.height)
        change.kept = untouched_keyed.height + (0 if cumulative else old_free.height)
        change.examples = {"added": _examples(added_keyed, sheet, shown_key) + _examples(appended, sheet, cols),
                           "changed": examples_changed}
        # A cumulative file's rows without a key stand for the served ones (the same records, and more).
        kept_free = old_free.clear() if cumulative else old_free
        kept_rows = pl.concat([untouched_keyed.select(cols + [ROW, "__old"]),
                               kept_free.select(cols + [ROW, "__old"])]).sort("__old").drop("__old")
        merged = pl.concat([kept_rows, incoming.select(cols + [ROW])], how="vertical_relaxed")
    change.after = merged.height
    shown = identical.select(pl.col(ROW), _shown_key(sheet, [c.name for c in sheet.columns]).alias("__shown"))
    return merged, change, shown


def changes_table(changes: list[SheetChange]) -> pl.DataFrame:
    """The preview as the page shows it: one row per sheet, counts and a few example keys."""
    rows = []
    for c in changes:
        rows.append({
            "表": c.sheet,
            "方式": "替换整表" if c.replace else "按主键合并",
            "主键": key_labels(SHEETS_BY_LABEL[c.sheet].table),
            "当前行数": c.served, "新增": c.added, "修改": c.changed, "相同": c.unchanged, "删除": c.removed,
            "文件中没有（保留）": c.kept, "发布后行数": c.after,
            "示例": _examples_text(c),
        })
    schema = {"表": pl.String, "方式": pl.String, "主键": pl.String, "当前行数": pl.Int64, "新增": pl.Int64,
              "修改": pl.Int64, "相同": pl.Int64, "删除": pl.Int64, "文件中没有（保留）": pl.Int64,
              "发布后行数": pl.Int64, "示例": pl.String}
    return pl.DataFrame(rows, schema=schema)


_EXAMPLE_LABELS = {"added": "新增", "changed": "修改", "removed": "删除"}


def _examples_text(change: SheetChange) -> str:
    parts = [f"{_EXAMPLE_LABELS[k]}：{'、'.join(v)}" for k, v in change.examples.items() if v]
    return "；".join(parts)


def change_line(change: SheetChange, bold: bool = False) -> str:
    """One line of the preview: 项目进度（按 项目编号+填报日期 合并）：新增 1 行，修改 1 行，… 例 新增：P1903 2020-11-10
    (bold: the sheet name in Markdown, for the page)."""
    how = "替换整表" if change.replace else f"按 {key_labels(SHEETS_BY_LABEL[change.sheet].table)} 合并"
    counts = f"新增 {change.added:,} 行，修改 {change.changed:,} 行，相同 {change.unchanged:,} 行，删除 {change.removed:,} 行"
    if not change.replace and change.served:
        counts += f"，文件中没有而保留 {change.kept:,} 行"
    examples = _examples_text(change)
    name = f"**{change.sheet}**" if bold else change.sheet
    return f"{name}（{how}）：{counts}" + (f"。例 {examples}" if examples else "")


def removals_text(changes: list[SheetChange]) -> str | None:
    """The warning before a publish that deletes rows (None when nothing goes)."""
    gone = [c for c in changes if c.removed]
    if not gone:
        return None
    return "发布将删除当前数据中的 " + "、".join(f"{c.sheet} {c.removed:,} 行" for c in gone) + "（文件中没有这些行）。"


def identical_message(change: SheetChange) -> str:
    """Why a row without a key that equals a served row is refused, and the two ways forward."""
    return (f"与当前数据中已有的一行完全相同（本表共 {change.identical:,} 行如此），可能是重复导入：确为新的记录请勾选"
            f"「确认追加相同的行」（命令行加 --confirm-duplicates）；文件是整表的完整导出请替换整表"
            f"（--replace {change.sheet}，将删除 {change.would_remove:,} 行）")


__all__ = ["NATURAL_KEYS", "SheetChange", "merge_sheet", "changes_table", "change_line", "removals_text",
           "resolve_sheet_names", "identical_message", "SHEETS"]
