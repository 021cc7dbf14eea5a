"""The demo county (ingest/demo.py) written as the county would really have it: a base workbook of places,
projects and funds, and a few 建档立卡 person-level exports (one row per person), each a snapshot at its
统计时间. Loading the base, then the snapshots in order, exercises ingest/person_export.py and
ingest/snapshots.py end to end; the status of every household at each snapshot date is the demo's own.

The snapshots deliberately differ the way real exports do: header names (县(市、区、旗) / 市区旗, 乡(镇) /
乡镇, 证件号码 / 身份证号 …), 脱贫属性 vocabulary (未脱贫/已脱贫 or 脱贫/预脱贫/返贫), column order, encoding
(UTF-8 with BOM, GB18030) and format (.csv, .xlsx with a title line above the header).

What it may not do: open a database. Deterministic: the same seed, size and dates give the same files.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from ingest.demo import DEMO_CUTOFF, write_demo
from ingest.sheets import SHEETS_BY_TABLE

DEFAULT_DATES = (date(2019, 12, 31), date(2020, 6, 30), DEMO_CUTOFF)
BASE_DIR = "基础数据"  # out_dir/<BASE_DIR>: the places, projects and funds, with empty household sheets
_BASE_SHEETS = ("乡镇", "村", "项目", "项目进度", "资金下达", "资金支出", "年度计划", "村集体经济")
_EMPTY_SHEETS = ("农户", "农户状态", "收入")  # required by a full import; the snapshots fill them
_EVENT_ORDER = {"纳入": 1, "脱贫": 2, "返贫": 3, "清退": 4}

# (header of each column in file order) per variant; None = column left out of that variant.
_VARIANTS = (
    {"serial": "编号", "county": "县(市、区、旗)", "township": "乡(镇)", "village": "行政村", "group": "自然村",
     "household_id": "户编号", "person_id": "人编号", "name": "姓名", "id_number": "证件号码", "size": "家庭人口数",
     "relation": "与户主关系", "ethnicity": "民族", "education_level": "文化程度", "schooling": "在校生状况",
     "health": "健康状况", "labor_skill": "劳动技能", "work_status": "务工状况", "work_months": "务工时间(月)",
     "insured": "参加大病医疗", "status": "脱贫属性", "exit_year": "脱贫年度", "attribute": "贫困户属性", "cause": "主要致贫原因",
     "dilapidated": "危房户", "water_safe": "饮水安全", "water_difficulty": "饮水困难", "income": "人均纯收入",
     "phone": "联系电话", "as_of": "统计时间"},
    {"serial": "编号", "county": "市区旗", "township": "乡镇", "village": "村", "group": "社、组",
     "household_id": "户编号", "person_id": "人编号", "name": "姓名", "id_number": "身份证号", "relation": "与户主关系",
     "size": "家庭成员数", "status": "脱贫属性", "exit_year": "脱贫年份", "attribute": "贫困户属性", "cause": "主要致贫原因",
     "ethnicity": "民族", "education_level": "文化程度", "schooling": "在校生状况", "health": "健康状况",
     "labor_skill": "劳动技能", "work_status": "务工状况", "work_months": "务工时间(月)", "insured": "参加大病医疗",
     "dilapidated": "危房户", "water_safe": "饮水安全", "water_difficulty": "饮水困难", "income": "人均纯收入",
     "phone": "联系电话", "as_of": "统计时间"},
    {"serial": "序号", "county": "县(市、区、旗)", "township": "乡镇", "village": "行政村", "group": "社、组",
     "household_id": "户编号", "person_id": "人编号", "name": "姓名", "relation": "与户主关系",
     "id_number": "证件号码", "size": "家庭成员数", "health": "健康状况", "labor_skill": "劳动技能",
     "schooling": "在校生状况", "insured": "参加大病医疗", "status": "脱贫属性", "exit_year": "脱贫年度", "attribute": "贫困户属性",
     "cause": "主要致贫原因", "dilapidated": "危房户", "water_safe": "饮水安全", "water_difficulty": "饮水困难",
     "income": "人均纯收入", "as_of": "统计时间"},
)
_FORMATS = ("csv-utf8-bom", "csv-gb18030", "xlsx")
_SCHOOL_LEVEL = {"学前教育": "学龄前儿童", "小学": "小学", "初中": "初中", "高中": "高中", "中职": "高中",
                 "高职": "大专", "本科及以上": "本科及以上", "失学辍学": "小学", "非在校生": "初中"}


def _read(folder: Path, label: str) -> pl.DataFrame:
    frame = pl.read_csv(folder / f"{label}.csv", infer_schema=False)
    sheet = {s.label: s for s in SHEETS_BY_TABLE.values()}[label]
    return frame.rename({c.label: c.name for c in sheet.columns if c.label in frame.columns})


def status_at(events: pl.DataFrame, at: date) -> pl.DataFrame:
    """household_id, status (未脱贫/已脱贫) and last event of the households counted at `at`."""
    last = (events.with_columns(pl.col("date").str.to_date(), order=pl.col("event").replace_strict(_EVENT_ORDER))
            .filter(pl.col("date") <= at).sort("household_id", "date", "order")
            .group_by("household_id").agg(pl.col("event").last(),
                                          exit_day=pl.col("date").filter(pl.col("event") == "脱贫").last()))
    exited = pl.col("event") == "脱贫"
    return last.filter(pl.col("event") != "清退").select(
        "household_id", "event", status=pl.when(exited).then(pl.lit("已脱贫")).otherwise(pl.lit("未脱贫")),
        exit_year=pl.when(exited).then(pl.col("exit_day").dt.year().cast(pl.String)))


def write_demo_snapshots(out_dir: Path, seed: int = 2020, households: int = 7000,
                         dates: tuple[date, ...] = DEFAULT_DATES) -> list[Path]:
    """Write out_dir/基础数据/ (load it first, as a full import) and one person-level export per date
    (load them in order). Returns the snapshot files, oldest first."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="warroom-demo-snap-") as tmp:
        demo = write_demo(Path(tmp), seed=seed, households=households, flaws=False)
        _write_base(demo, out_dir / BASE_DIR)
        townships, villages = _read(demo, "乡镇"), _read(demo, "村")
        hh, members = _read(demo, "农户"), _read(demo, "家庭成员")
        events, incomes = _read(demo, "农户状态"), _read(demo, "收入")
    persons = _persons(hh, members, villages, townships, seed)
    paths = []
    for k, day in enumerate(sorted(dates)):
        variant, fmt = _VARIANTS[k % len(_VARIANTS)], _FORMATS[k % len(_FORMATS)]
        frame = _snapshot(persons, status_at(events, day), incomes, day, vocabulary_b=variant["county"] == "市区旗")
        paths.append(_write_snapshot(frame, variant, fmt, out_dir / f"建档立卡人员_{day.isoformat()}", day))
    return paths


def _write_base(demo: Path, base: Path) -> None:
    base.mkdir(parents=True, exist_ok=True)
    for label in _BASE_SHEETS:
        shutil.copyfile(demo / f"{label}.csv", base / f"{label}.csv")
    shutil.copyfile(demo / "boundaries.geojson", base / "boundaries.geojson")
    for label in _EMPTY_SHEETS:
        header = next(s for s in SHEETS_BY_TABLE.values() if s.label == label).columns
        (base / f"{label}.csv").write_text(",".join(c.label for c in header) + "\n", encoding="utf-8")


def _persons(hh: pl.DataFrame, members: pl.DataFrame, villages: pl.DataFrame, townships: pl.DataFrame,
             seed: int) -> pl.DataFrame:
    """Every person of every household with the household's fields repeated, as the export lays it out."""
    rng = np.random.default_rng(seed + 10)
    n = members.height
    places = villages.select("village_code", "village_name", "township_code").join(
        townships.select("township_code", "township_name"), on="township_code")
    people = (members.with_row_index("k")
              .join(hh.select("household_id", "village_code", "size", "attribute", "main_cause", "medical",
                              "housing", "water"), on="household_id")
              .join(places, on="village_code").sort("k"))
    seq = pl.int_range(1, pl.len() + 1).over("household_id")
    return people.with_columns(
        person_id=pl.col("household_id") + seq.cast(pl.String).str.zfill(2),
        group=pl.format("{}组", (pl.col("household_id").str.slice(-4).cast(pl.Int64) % 7) + 1),
        ethnicity=pl.Series(np.array(["汉族", "苗族", "土家族", "侗族"])[
            np.searchsorted([0.7, 0.85, 0.95], rng.random(n))]),
        education_level=pl.col("schooling").replace_strict(_SCHOOL_LEVEL, default="小学"),
        work_status=pl.when(pl.col("labor_skill").is_in(["普通劳动力", "技能劳动力"]) & pl.Series(rng.random(n) < 0.6))
        .then(pl.lit("县外务工")).otherwise(pl.lit("")),
        work_months=pl.Series(rng.integers(3, 12, n)).cast(pl.String),
        phone=pl.format("1{}", pl.Series(rng.integers(3_000_000_000, 9_999_999_999, n)).cast(pl.String)),
        insured=pl.col("medical"),
        dilapidated=pl.when(pl.col("housing") == "是").then(pl.lit("否")).otherwise(pl.lit("是")),
        water_safe=pl.col("water"),
        water_difficulty=pl.when(pl.col("water") == "是").then(pl.lit("否")).otherwise(pl.lit("是")),
        county=pl.lit("演示县"),
        township=pl.col("township_name"),
        village=pl.col("village_name"),
        cause=pl.col("main_cause"),
    ).drop("k")


def _snapshot(persons: pl.DataFrame, status: pl.DataFrame, incomes: pl.DataFrame, day: date,
              vocabulary_b: bool) -> pl.DataFrame:
    income = incomes.filter(pl.col("year") == str(day.year)).select("household_id", income=pl.col("income_per_capita"))
    frame = persons.join(status, on="household_id").join(income, on="household_id", how="left")
    if vocabulary_b:  # 脱贫 / 预脱贫 (due to exit, still poor) / 返贫
        frame = frame.with_columns(status=pl.when(pl.col("status") == "已脱贫").then(pl.lit("脱贫"))
                                   .when(pl.col("event") == "返贫").then(pl.lit("返贫")).otherwise(pl.lit("预脱贫")))
    frame = frame.with_columns(exit_year=pl.col("exit_year") + "年")  # as the national system writes it
    return frame.with_columns(serial=pl.int_range(1, pl.len() + 1).cast(pl.String),
                              as_of=pl.lit(day.isoformat()))


def _write_snapshot(frame: pl.DataFrame, variant: dict[str, str], fmt: str, stem: Path, day: date) -> Path:
    table = frame.select([pl.col(c).alias(h) for c, h in variant.items()])
    if fmt == "xlsx":
        import xlsxwriter

        path = stem.with_suffix(".xlsx")
        with xlsxwriter.Workbook(path) as book:
            sheet = book.add_worksheet("建档立卡人员")
            sheet.write_string(0, 0, f"演示县建档立卡贫困人口明细（统计时间：{day.isoformat()}）")
            sheet.write_row(1, 0, table.columns)
            for r, row in enumerate(table.iter_rows(), start=2):
                sheet.write_row(r, 0, ["" if v is None else v for v in row])
        return path
    path = stem.with_suffix(".csv")
    text = table.write_csv()
    if fmt == "csv-gb18030":
        path.write_bytes(text.encode("gb18030"))
    else:
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path
