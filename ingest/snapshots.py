"""A person-level export is a snapshot of the county at its 统计时间: turn each newer snapshot into history.

The indicators are defined on status events (DESIGN.md "Household status at D"), and the national system
exports states, not events. Comparing a snapshot with the status the served database has just before it
gives the events, all dated at the snapshot's 统计时间:

    a household not counted before (new, or 清退 earlier)       -> 纳入 (and 脱贫 the same day if 已脱贫)
    未脱贫 before, 已脱贫 now                                   -> 脱贫
    已脱贫 before, 未脱贫 now (返贫 / 未脱贫 / 预脱贫)           -> 返贫
    counted before, absent now                                  -> 清退, only with confirm_removals;
                                                                   otherwise listed as candidates
Snapshots go forward only: an older one than the last is refused, the same one again changes nothing
(detected by 统计时间 + the file's SHA-256, recorded in meta), and 人均纯收入 replaces the household's income
record of the snapshot's year.

What it may not do: write into the served file. `check` returns tables in the shape ingest/validate.py gives
the loader, plus the snapshot's summary (SnapshotValidated.entry); ingest/load.py::load recognises a person
export, calls `check` and publishes it like any other import (import_log mode 'snapshot').
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ingest import publish
from ingest.person_export import EXITED, POOR, PersonExport, as_of_in_file, read_person_export, to_contract
from ingest.problems import WARNING, Problems
from ingest.readers import ROW, Export, SourceFile
from ingest.sheets import SHEETS, SHEETS_BY_TABLE
from ingest.validate import EVENT_ORDER, Validated

META_KEY = "person_snapshots"  # meta value: JSON list of the snapshots loaded, oldest first
SNAPSHOT_TABLES = ("households", "household_members", "household_events", "incomes")
_DTYPES = {"code": pl.String, "text": pl.String, "enum": pl.String, "id_number": pl.String, "int": pl.Int64,
           "year": pl.Int64, "bool": pl.Boolean, "date": pl.Date, "yuan": pl.Decimal(14, 2),
           "money": pl.Decimal(18, 4), "pct": pl.Decimal(6, 2)}


def schema(table: str) -> dict[str, pl.DataType]:
    """The polars types a contract table has between validation and the database (plus event_order)."""
    sheet = SHEETS_BY_TABLE[table]
    columns = {c.name: _DTYPES[c.kind] for c in sheet.columns}
    if table == "household_events":
        columns["event_order"] = pl.Int8
    return columns


def canonical(table: str, frame: pl.DataFrame | None) -> pl.DataFrame:
    """`frame` with exactly the contract columns of `table` in their types, plus ROW (null when absent)."""
    columns = schema(table)
    if frame is None:
        return pl.DataFrame(schema={**columns, ROW: pl.Int64})
    exprs = [(pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c) for c, t in columns.items()]
    row = pl.col(ROW).cast(pl.Int64) if ROW in frame.columns else pl.lit(None, pl.Int64).alias(ROW)
    return frame.select(*exprs, row)


# ----------------------------------------------------------------------------------------------------
# Deriving history


@dataclass
class Derivation:
    tables: dict[str, pl.DataFrame]  # the contract tables this snapshot changes, in full
    events: dict[str, int] = field(default_factory=dict)  # derived events by kind
    removal_candidates: int = 0  # counted before, absent now, not confirmed
    persons: int = 0
    households: int = 0


def status_before(events: pl.DataFrame) -> pl.DataFrame:
    """household_id, before: 未脱贫 / 已脱贫, for households counted after their last event (清退: absent)."""
    last = (events.filter(pl.col("household_id").is_not_null())
            .sort("household_id", "date", "event_order")
            .group_by("household_id").agg(pl.col("event").last()))
    return last.filter(pl.col("event") != "清退").select(
        "household_id", before=pl.when(pl.col("event") == "脱贫").then(pl.lit(EXITED)).otherwise(pl.lit(POOR)))


def snapshot_to_contract(person_frame: PersonExport, existing_tables: dict[str, pl.DataFrame], as_of: dt.date,
                         confirm_removals: bool, problems: Problems, *,
                         create_places: bool = False) -> dict[str, pl.DataFrame]:
    """Full contract tables after this snapshot: households, household_members, household_events, incomes
    (and townships / villages when create_places made new ones). Problems go into `problems`."""
    return derive(person_frame, existing_tables, as_of, confirm_removals, problems,
                  create_places=create_places).tables


def derive(person: PersonExport, existing: dict[str, pl.DataFrame], as_of: dt.date, confirm_removals: bool,
           problems: Problems, *, create_places: bool = False) -> Derivation:
    src = person.source
    townships = canonical("townships", existing.get("townships"))
    villages = canonical("villages", existing.get("villages"))
    contract = to_contract(person, townships, villages, problems, create_places=create_places)
    old = {t: canonical(t, existing.get(t)) for t in SNAPSHOT_TABLES}
    snap = contract.households.filter(pl.col("household_id").is_not_null())

    # Events: compare the snapshot's status with the status just before it.
    compared = snap.select("household_id", ROW, "status").join(
        status_before(old["household_events"]), on="household_id", how="full", coalesce=True)
    in_snapshot = pl.col(ROW).is_not_null()
    rules = {
        "纳入": in_snapshot & pl.col("before").is_null() & pl.col("status").is_not_null(),
        "脱贫": in_snapshot & (((pl.col("before") == POOR) | pl.col("before").is_null()) & (pl.col("status") == EXITED)),
        "返贫": in_snapshot & (pl.col("before") == EXITED) & (pl.col("status") == POOR),
    }
    derived = [compared.filter(rule).select("household_id", ROW, event=pl.lit(kind)) for kind, rule in rules.items()]
    gone = compared.filter(~in_snapshot & pl.col("before").is_not_null())
    if confirm_removals:
        derived.append(gone.select("household_id", ROW, event=pl.lit("清退")))
    else:
        problems.add_rows(src, person.column("household_id"), gone.select(
            pl.lit(None, pl.Int64).alias("row"), pl.col("household_id").alias("value"), "before"),
            pl.format("清退候选：此前为「{}」，本次快照中没有该户。未处理；核实后用「确认清退」"
                      f"（--confirm-removals）重新导入本快照，将按 {as_of} 记为清退", pl.col("before")), WARNING)
    # A household first seen already 已脱贫: its exit date is unknown. With 脱贫年度 from an earlier year it is
    # dated that year's 12-31 (so it does not count among this year's exits), but never back into the history
    # already loaded; otherwise at the 统计时间.
    last_loaded = old["household_events"]["date"].max()
    back = compared.join(snap.select("household_id", "exit_year"), on="household_id", how="left").select(
        "household_id", back_to=pl.when(pl.col("exit_year") < as_of.year).then(pl.date(pl.col("exit_year"), 12, 31)))
    if last_loaded is not None:
        back = back.with_columns(pl.when(pl.col("back_to") > last_loaded).then("back_to").alias("back_to"))
    first_seen_exited = compared.filter(rules["纳入"] & (pl.col("status") == EXITED)).join(back, on="household_id")
    new_events = pl.concat(derived).join(first_seen_exited.select("household_id", "back_to"), on="household_id",
                                         how="left").with_columns(
        date=pl.coalesce("back_to", pl.lit(as_of, pl.Date)),
        event_order=pl.col("event").replace_strict(EVENT_ORDER, return_dtype=pl.Int8))
    counts = dict(new_events.group_by("event").len().iter_rows())
    undated = first_seen_exited.filter(pl.col("back_to").is_null()).height
    if undated:
        problems.file_warning(src, f"{undated} 户首次出现时已是「已脱贫」且没有更早的「脱贫年度」：脱贫日期不详，按统计时间 "
                                   f"{as_of} 记为纳入并脱贫（计入 {as_of.year} 年的脱贫人数）")
    if first_seen_exited.height > undated:
        problems.file_warning(src, f"{first_seen_exited.height - undated} 户首次出现时已是「已脱贫」：按「脱贫年度」"
                                   "记为该年 12 月 31 日纳入并脱贫")
    events = pl.concat([old["household_events"], canonical("household_events", new_events)])

    # Households: the snapshot's rows replace the served ones; fields the export lacks keep the served value.
    kept_fields = ["helper", "food_clothing", "education", "medical", "housing", "water"]
    served = old["households"].select("household_id", *[pl.col(c).alias(f"{c}_served") for c in kept_fields])
    updated = snap.join(served, on="household_id", how="left").with_columns(
        pl.coalesce(c, f"{c}_served").alias(c) for c in kept_fields)
    for name, label in contract.derived_from_default.items():
        unknown = updated.filter(pl.col(name).is_null()).height
        if unknown:
            target = SHEETS_BY_TABLE["households"].column(name).label
            problems.file_warning(src, f"文件中没有「{label}」等可判断「{target}」的列：{unknown:,} 户（新农户）的"
                                       f"「{target}」记为「未知」，不按「是」计（已有农户沿用原值）")
    in_snap = snap.select("household_id")
    households = pl.concat([old["households"].join(in_snap, on="household_id", how="anti"),
                            canonical("households", updated)])
    members = pl.concat([old["household_members"].join(in_snap, on="household_id", how="anti"),
                         canonical("household_members", contract.members)])
    with_income = snap.filter(pl.col("income_per_capita").is_not_null()).select(
        ROW, "household_id", "income_per_capita", year=pl.lit(as_of.year, pl.Int64))
    incomes = pl.concat([old["incomes"].join(with_income.select("household_id", "year"), on=["household_id", "year"],
                                             how="anti"),
                         canonical("incomes", with_income)])
    tables = {"households": households, "household_members": members, "household_events": events,
              "incomes": incomes}
    if contract.new_townships.height:
        tables["townships"] = pl.concat([townships, canonical("townships", contract.new_townships)])
    if contract.new_villages.height:
        tables["villages"] = pl.concat([villages, canonical("villages", contract.new_villages)])
    return Derivation(tables, counts, 0 if confirm_removals else gone.height, contract.members.height, snap.height)


# ----------------------------------------------------------------------------------------------------
# Snapshot order and idempotence


@dataclass
class SnapshotValidated(Validated):
    """What the loader's _build needs, plus what a snapshot adds: the meta to record, whether the
    snapshot was already loaded (nothing to publish), and its summary for the clerk (`entry`: as_of, persons,
    households, events by kind, removals_pending — as recorded in meta)."""

    meta: dict[str, str] = field(default_factory=dict)
    unchanged: bool = False
    as_of: dt.date | None = None
    derivation: Derivation | None = None
    entry: dict | None = None


def read_served(version: Path | None) -> tuple[dict[str, pl.DataFrame], list[dict]]:
    """The served version's contract tables and its snapshot history (empty when nothing is served)."""
    if version is None:
        return {}, []
    con = duckdb.connect(str(version), read_only=True)
    try:
        tables = {s.table: con.sql(f"SELECT * FROM {s.table}").pl() for s in SHEETS}
        found = con.execute("SELECT value FROM meta WHERE key = ?", [META_KEY]).fetchall()
    finally:
        con.close()
    return tables, json.loads(found[0][0]) if found else []


def _guard(history: list[dict], as_of: dt.date, content: str, events: pl.DataFrame | None, source: str,
           confirm_removals: bool, problems: Problems) -> str:
    """'new', 'unchanged', 'removals' (the last snapshot again, now confirming its 清退 candidates) or
    'refused' (the reason is in problems)."""
    day = as_of.isoformat()
    same = [h for h in history if h["as_of"] == day]
    latest = max(history, key=lambda h: h["as_of"]) if history else None
    if same and same[-1]["sha256"] == content:
        if confirm_removals and same[-1].get("removals_pending", 0):
            if latest is not None and latest["as_of"] != day:
                problems.file_error(source, f"只能对最近一次快照（{latest['as_of']}）确认清退；本快照（{day}）之后已导入更新的快照")
                return "refused"
            return "removals"
        problems.file_warning(source, f"统计时间 {day} 的这份快照已导入过（{same[-1]['source']}），内容相同，未做任何更改")
        return "unchanged"
    if same:
        problems.file_error(source, f"统计时间 {day} 的快照已导入过（{same[-1]['source']}），但内容不同。如需更正，"
                                    "请先回滚到导入该快照之前的版本（python -m ingest rollback），再导入更正后的文件")
        return "refused"
    if latest is not None and latest["as_of"] > day:
        problems.file_error(source, f"统计时间 {day} 早于已导入的快照（{latest['as_of']}，{latest['source']}）："
                                    "快照须按统计时间先后导入，较早的快照不能覆盖较新的状态")
        return "refused"
    last_event = events["date"].max() if events is not None and events.height else None
    if last_event is not None and last_event >= as_of:
        problems.file_error(source, f"统计时间 {day} 不晚于数据库中最近的农户状态日期（{last_event}）："
                                    "快照只能追加在已有状态记录之后")
        return "refused"
    return "new"


def _resolve_as_of(person: PersonExport, option: dt.date | None, problems: Problems) -> dt.date | None:
    in_file = as_of_in_file(person, problems)
    if in_file is not None and option is not None and in_file != option:
        problems.add(person.source, None, person.column("as_of"), in_file.isoformat(),
                     f"文件中的统计时间（{in_file}）与指定的统计时间（{option}）不一致：请只用其一")
        return None
    if in_file is None and option is None:
        problems.file_error(person.source, "不知道这份快照的统计时间：文件中没有「统计时间」列（或该列为空）。"
                                           "请在命令中加 --as-of YYYY-MM-DD（导入页面：选择统计时间）")
        return None
    return in_file or option


def check(path: Path, db: Path | None, progress=None, *, as_of: dt.date | None = None,
          confirm_removals: bool = False, create_places: bool = False
          ) -> tuple[Export, Problems, SnapshotValidated]:
    """Read a person export and derive the tables of the next version, as ingest.load.check does for the
    multi-sheet format: (export, problems, validated). Publish nothing when problems has errors or
    validated.unchanged."""
    path = Path(path)
    problems = Problems()
    _progress(progress, 0.05, "读取人员表")
    person = read_person_export(path, problems)
    export = Export(person=path)
    if person is None:
        return export, problems, SnapshotValidated(tables={}, provided=[])
    export.files.append(SourceFile(path.name, person.file_sha256))
    day = _resolve_as_of(person, as_of, problems)
    _progress(progress, 0.2, "读取当前数据")
    existing, history = read_served(publish.current(db) if db is not None else None)
    if day is None:
        return export, problems, SnapshotValidated(tables={}, provided=[])
    content = person.file_sha256
    verdict = _guard(history, day, content, existing.get("household_events"), person.source, confirm_removals,
                     problems)
    if verdict == "unchanged":  # its recorded entry: the clerk may still confirm its 清退 candidates
        loaded = [h for h in history if h["as_of"] == day.isoformat()][-1]
        return export, problems, SnapshotValidated(tables={}, provided=[], unchanged=True, as_of=day, entry=loaded)
    if verdict == "refused":
        return export, problems, SnapshotValidated(tables={}, provided=[], as_of=day)
    if problems.has_errors and person.frame["household_id"].null_count():
        # 户编号 blank or lost to Excel's number format: comparing with the last snapshot would only list every
        # household as gone. The errors already say what to fix.
        return export, problems, SnapshotValidated(tables={}, provided=[], as_of=day)
    _progress(progress, 0.35, "对比上一快照，推导农户状态变化")
    derivation = derive(person, existing, day, confirm_removals, problems, create_places=create_places)
    entry = {"as_of": day.isoformat(), "sha256": content, "source": person.source,
             "persons": derivation.persons, "households": derivation.households,
             "events": derivation.events, "removals_pending": derivation.removal_candidates}
    if verdict == "removals":  # the same snapshot again, now with its 清退 candidates confirmed
        previous = next(h for h in history if h["as_of"] == entry["as_of"])
        history = [h for h in history if h is not previous]
        entry["events"] = {**previous.get("events", {}), **derivation.events}
    tables = {**{t: f.with_columns(pl.lit(None, pl.Int64).alias(ROW)) for t, f in existing.items()},
              **derivation.tables}
    meta = {META_KEY: json.dumps(history + [entry], ensure_ascii=False)}
    return export, problems, SnapshotValidated(tables=tables, provided=list(derivation.tables), meta=meta, as_of=day,
                                               derivation=derivation, entry=entry)


def snapshot_summary(entry: dict) -> str:
    """One line on what a snapshot derived, for the CLI and the 数据导入 page (entry: SnapshotValidated.entry).
    Every kind is named, 0 included, so that "no 清退" reads as checked rather than forgotten."""
    events = entry.get("events", {})
    changes = "、".join(f"{kind} {events.get(kind, 0):,} 户" for kind in EVENT_ORDER)
    return (f"人员快照 {entry['as_of']}：{entry['persons']:,} 人、{entry['households']:,} 户；"
            f"推导状态变化：{changes}")


def _progress(callback, fraction: float, text: str) -> None:
    if callback is not None:
        callback(fraction, text)
