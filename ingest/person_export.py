"""Read the county's 建档立卡 person-level export (one row per person, household fields repeated on each
member's row) and turn it into the contract's 农户, 家庭成员 and 收入 frames.

This is what a clerk actually has: the list exported from the national system, with column order and a few
names varying by province and year. Headers are matched by normalised name against the aliases below;
unknown columns are reported as warnings and ignored, a missing required column is an error naming the
file and the column. Household fields are read from the 户主 row. 乡镇/村 are names in the export and
codes in the contract: they are matched against the 乡镇/村 tables of the served database, and unknown names
are errors (or, with create_places, new places with generated codes, listed as warnings).

What it may not do: decide anything about history. Turning a snapshot into status events is
ingest/snapshots.py; writing a database is ingest/load.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from ingest import validate as contract_checks
from ingest import vocabulary
from ingest.problems import WARNING, Problems
from ingest.readers import HEADER_SEARCH_ROWS, ROW, _column_letter, _csv_grid, drop_footer, normalize_header
from ingest.workbook import Workbook
from ingest.zip_limits import zip_problem
from ingest.sheets import ATTRIBUTES, HEALTH, LABOR_SKILLS, SCHOOLING, Column, Sheet

HEAD_RELATIONS = ("户主", "本人")
POOR, EXITED = "未脱贫", "已脱贫"
# 脱贫属性 / 脱贫状态 in the system's words (已脱贫(享受政策), 返贫, 预脱贫 …) map to these two in
# data/vocabulary.toml [values.poverty_status]; 预脱贫 = due to exit this year, still poor until approved.
POVERTY_STATUS = (POOR, EXITED)
LABOR = ("普通劳动力", "技能劳动力")  # members that count in 劳动力人数
_SHOWN_ROWS = 5  # Excel rows quoted in a message about a name used on many rows


@dataclass(frozen=True)
class Field:
    """One column of the person-level export. Its accepted headers are data (data/vocabulary.toml
    [person.headers]), matched after normalising; the first is the name messages use."""

    name: str
    kind: str = "text"  # as ingest.sheets.Column.kind
    required: bool = False
    household: bool = False  # a household field: read from the 户主 row (other rows may leave it blank)
    values: tuple[str, ...] = ()

    @property
    def headers(self) -> tuple[str, ...]:
        return vocabulary.load().person_headers.get(self.name, (self.name,))

    @property
    def label(self) -> str:
        return self.headers[0]


FIELDS: tuple[Field, ...] = (
    Field("serial"),
    Field("as_of", "date"),
    Field("county"),
    Field("township", required=True, household=True),
    Field("village", required=True, household=True),
    Field("group"),
    Field("household_id", "code", required=True),
    Field("person_id", "code"),
    Field("name", required=True),
    Field("id_number", "id_number", required=True),
    Field("size", "int", required=True, household=True),
    Field("relation", required=True),
    Field("ethnicity"),
    Field("education_level"),
    Field("schooling", "enum", values=SCHOOLING),
    Field("health", "enum", required=True, values=HEALTH),
    Field("labor_skill", "enum", required=True, values=LABOR_SKILLS),
    Field("work_status"),
    Field("work_months"),
    Field("serious_illness_insured", "bool"),
    Field("basic_medical_insured", "bool"),
    Field("poverty_status", "enum", required=True, household=True, values=POVERTY_STATUS),
    Field("attribute", "enum", required=True, household=True, values=ATTRIBUTES),
    Field("main_cause", required=True, household=True),
    Field("dilapidated", "bool", household=True),
    Field("water_safe", "bool", household=True),
    Field("water_difficulty", "bool", household=True),
    Field("income_per_capita", "yuan", household=True),
    Field("exit_year", "year", household=True),  # dates a first-seen 已脱贫 household
    Field("phone"),
    Field("person_phone"),
    Field("first_identified"),
    # Some provinces export the contract's own household columns; when present they win over derivations.
    Field("labor_count", "int", household=True),
    Field("helper", household=True),
    Field("food_clothing", "bool", household=True),
    Field("education", "bool", household=True),
    Field("medical", "bool", household=True),
    Field("housing", "bool", household=True),
    Field("water", "bool", household=True),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
_BY_HEADER = {normalize_header(h): f.name for f in FIELDS for h in f.headers}
# Known columns the contract has no place for: recognised (no warning) but not typed or kept.
NOT_KEPT = frozenset({"serial", "county", "group", "person_id", "ethnicity", "education_level", "work_status",
                      "work_months", "phone", "person_phone", "first_identified"})
GUARANTEES = ("food_clothing", "education", "medical", "housing", "water")  # 两不愁三保障 in the contract


@dataclass
class PersonExport:
    """The typed person rows of one export file: English field names + ROW (Excel row)."""

    frame: pl.DataFrame
    source: str  # file name (and ［sheet］) as problems name it
    file_sha256: str  # identifies the snapshot (with its 统计时间) when it is loaded again
    headers: dict[str, str]  # field name -> header as written in the file
    header_row: int = 1

    def column(self, name: str) -> str:
        """How a problem names a column: the header the file uses, else the canonical one."""
        return self.headers.get(name, FIELDS_BY_NAME[name].label)

@dataclass
class PersonContract:
    """Contract frames derived from one export (household rows carry the 户主 row as ROW)."""

    households: pl.DataFrame  # households columns + status (未脱贫/已脱贫), income_per_capita, exit_year, ROW
    members: pl.DataFrame  # household_members columns + ROW
    new_townships: pl.DataFrame = field(default_factory=lambda: pl.DataFrame())
    new_villages: pl.DataFrame = field(default_factory=lambda: pl.DataFrame())
    derived_from_default: dict[str, str] = field(default_factory=dict)  # guarantee -> why it had no source


# ----------------------------------------------------------------------------------------------------
# Detecting and reading


def _matches(headers) -> bool:
    names = {_BY_HEADER.get(normalize_header(h)) for h in headers if h is not None and str(h).strip()}
    return {"household_id", "relation", "township", "village"} <= names and bool({"name", "person_id"} & names)


def _header_at(grid: pl.DataFrame) -> int | None:
    for i, row in enumerate(grid.head(HEADER_SEARCH_ROWS).rows()):
        if _matches(row):
            return i
    return None


def is_person_export(path: Path) -> bool:
    """A .csv or .xlsx whose header (in its first lines) is the 建档立卡 person list's."""
    path = Path(path)
    if not path.is_file():
        return False
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("rb") as f:
            head = f.read(64 * 1024)
        grid = _csv_grid(head.rsplit(b"\n", 1)[0] if b"\n" in head else head, path.name, Problems())
        return grid is not None and _header_at(grid) is not None
    if suffix in (".xlsx", ".xlsm", ".xls"):
        if zip_problem(path):  # refused by the reader with the reason; never inflated here
            return False
        try:
            book = Workbook(path.read_bytes())
            return any(_header_at(book.grid(s, HEADER_SEARCH_ROWS)) is not None for s in book.sheet_names)
        except Exception:  # noqa: BLE001 - an unreadable workbook is not a person export; the loader says why
            return False
    return False


def _read_grid(path: Path, problems: Problems) -> tuple[str, pl.DataFrame, int, str, bool] | None:
    """(source, grid, header index, sha256, excel) of the person sheet of a file; None when unreadable."""
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    excel = path.suffix.lower() in (".xlsx", ".xlsm", ".xls")
    if excel:
        refused = zip_problem(data, path.name)
        if refused:
            problems.file_error(path.name, refused)
            return None
        try:
            book = Workbook(data)
        except Exception as exc:  # noqa: BLE001
            problems.file_error(path.name, f"无法打开 Excel 工作簿：{str(exc).splitlines()[0] if str(exc) else exc}")
            return None
        found = [s for s in book.sheet_names if _header_at(book.grid(s, HEADER_SEARCH_ROWS)) is not None]
        if len(found) != 1:
            problems.file_error(path.name, "工作簿中没有建档立卡人员表（表头应含 户编号、姓名、与户主关系、乡镇、村）"
                                if not found else f"工作簿中有 {len(found)} 张人员表（{'、'.join(found)}）：请每次导入一张")
            return None
        for other in book.sheet_names:
            if other != found[0]:
                problems.file_warning(path.name, f"工作表「{other}」不是人员表，已忽略")
        source = f"{path.name}［{found[0]}］"
        grid = book.grid(found[0])  # household cells merged down the member rows are filled down
    else:
        source = path.name
        grid = _csv_grid(data, path.name, problems)
        if grid is None:
            return None
        grid = grid.with_columns(pl.all().cast(pl.String))
    header_at = _header_at(grid)
    if header_at is None:
        problems.file_error(source, f"前 {HEADER_SEARCH_ROWS} 行中没有人员表的表头（应含 户编号、姓名、与户主关系、乡镇、村）")
        return None
    return source, grid, header_at, sha, excel


def read_person_export(path: Path, problems: Problems) -> PersonExport | None:
    """Read and type one export file. None when it cannot be read at all (the reason is in problems)."""
    read = _read_grid(Path(path), problems)
    if read is None:
        return None
    source, grid, header_at, sha, excel = read
    return _typed(grid, header_at, source, sha, excel, problems)


def raw_rows(path: Path) -> tuple[str, list[tuple[str, str]], pl.DataFrame] | None:
    """The person sheet as the clerk sees it, for the marked error report: (source, [(grid column, header)],
    ROW + grid columns as text). Read again rather than kept: a million-person list is not held twice."""
    read = _read_grid(Path(path), Problems())
    if read is None:
        return None
    source, grid, header_at, _, _ = read
    headers = [(c, str(h).strip()) for c, h in zip(grid.columns, grid.row(header_at)) if h is not None and str(h).strip()]
    body = grid.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64)).slice(header_at + 1)
    return source, headers, body.select(ROW, *[c for c, _ in headers])


def _typed(grid: pl.DataFrame, header_at: int, source: str, sha: str, excel: bool,
           problems: Problems) -> PersonExport:
    header_row = header_at + 1
    headers = list(grid.row(header_at))
    body = grid.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64)).slice(header_at + 1)
    blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in grid.columns)
    body = body.filter(~blank)

    rename: dict[str, str] = {}  # grid column -> field
    shown: dict[str, str] = {}  # field -> header as written
    for i, (col, header) in enumerate(zip(grid.columns, headers)):
        letter = _column_letter(i)
        text = str(header).strip() if header is not None else ""
        if not text:
            if body.filter(pl.col(col).str.strip_chars().str.len_chars() > 0).height:
                problems.add(source, header_row, f"{letter}列", None, "该列没有表头，已忽略", WARNING)
            continue
        target = _BY_HEADER.get(normalize_header(text))
        if target is None:
            problems.add(source, header_row, text, None, f"未知列（{letter}列），不是建档立卡人员表的已知列，已忽略",
                         WARNING)
        elif target in shown:
            problems.add(source, header_row, text, None,
                         f"与「{shown[target]}」是同一列（{letter}列重复），使用先出现的一列", WARNING)
        else:
            rename[col], shown[target] = target, text

    key = next((g for g, n in rename.items() if n == "household_id"), None)
    body = drop_footer(body, grid.columns, key, source, problems)  # 合计, 制表人, 审核人, 填表说明 …
    for f in FIELDS:
        if f.required and f.name not in shown:
            problems.add(source, header_row, f.label, None,
                         f"缺少必填列「{f.label}」（可用的列名：{'、'.join(f.headers)}）：请检查第{header_row}行的表头")
    fields = [f for f in FIELDS if f.name not in NOT_KEPT]
    frame = body.select(ROW, *[pl.col(g).alias(n) for g, n in rename.items() if n not in NOT_KEPT])
    frame = frame.with_columns(pl.lit(None, pl.String).alias(f.name) for f in fields if f.name not in shown)

    # Type with the contract's own parsers, so a cell is judged and worded exactly as in the multi-sheet
    # import. Household fields are only required on the 户主 row: their blanks are checked later.
    sheet = Sheet(source, "person_export", tuple(
        Column(f.name, shown.get(f.name, f.label), f.kind, f.required and not f.household and f.name in shown,
               f.values) for f in fields))
    missing = frozenset(f.name for f in fields if f.name not in shown)
    local = Problems()
    typed = contract_checks._type_sheet(sheet, frame, excel, local, missing)
    typed = contract_checks._check_ranges(sheet, typed, local)
    problems.extend(_once_per_household(local.frame(), frame, {shown[f.name] for f in fields
                                                               if f.household and f.name in shown}))
    typed = typed.with_columns(
        pl.col("relation").str.replace_all(r"\s", ""),
        pl.col("poverty_status").alias("status"),
    )
    return PersonExport(typed, source, sha, shown, header_row)


def _once_per_household(found: pl.DataFrame, frame: pl.DataFrame, household_columns: set[str]) -> pl.DataFrame:
    """A household field repeats on every member row (merged down, or copied): its bad value is one problem,
    named on the household's first row, not once per member."""
    if found.height == 0 or not household_columns:
        return found
    keys = frame.select(pl.col(ROW).alias("row"), pl.col("household_id").str.strip_chars().alias("__household"))
    found = found.join(keys, on="row", how="left", maintain_order="left")
    repeated = (pl.col("column").is_in(list(household_columns)) & pl.col("__household").is_not_null()
                & (pl.col("row").rank("ordinal").over(["__household", "column", "value", "message"]) > 1))
    return found.filter(~repeated.fill_null(False)).drop("__household")


# ----------------------------------------------------------------------------------------------------
# Snapshot as of its 统计时间


def as_of_in_file(person: PersonExport, problems: Problems) -> date | None:
    """The one 统计时间 of the file, or None when the column is absent or blank (rows that differ: error)."""
    dates = person.frame.filter(pl.col("as_of").is_not_null())
    if dates.height == 0:
        return None
    counts = dates.group_by("as_of").agg(n=pl.len(), first=pl.col(ROW).min()).sort("n", "as_of", descending=True)
    main = counts["as_of"][0]
    if counts.height > 1:
        others = dates.filter(pl.col("as_of") != main)
        problems.add_rows(person.source, person.column("as_of"), others.select(
            pl.col(ROW).alias("row"), pl.col("as_of").cast(pl.String).alias("value")),
            f"统计时间不一致：本文件的大多数行为 {main}，一个文件只能是一次统计的快照")
    blanks = person.frame.filter(pl.col("as_of").is_null())
    if blanks.height:
        problems.add(person.source, int(blanks[ROW][0]), person.column("as_of"), None,
                     f"{blanks.height} 行统计时间为空，按 {main} 处理", WARNING)
    return main


# ----------------------------------------------------------------------------------------------------
# Persons -> households, members


def _rows_text(rows: list[int], total: int) -> str:
    shown = "、".join(str(r) for r in rows[:_SHOWN_ROWS])
    return f"共 {total} 行，如第 {shown} 行" if total > _SHOWN_ROWS else f"第 {shown} 行"


def _norm_name(expr: pl.Expr) -> pl.Expr:
    return expr.str.normalize("NFKC").str.replace_all(r"\s", "")


def to_contract(person: PersonExport, townships: pl.DataFrame, villages: pl.DataFrame, problems: Problems,
                *, create_places: bool = False) -> PersonContract:
    """Households (from 户主 rows), members, and place codes for 乡镇/村 names."""
    src, rows = person.source, person.frame
    rows = rows.filter(pl.col("household_id").is_not_null())
    is_head = pl.col("relation").is_in(list(HEAD_RELATIONS))
    counted = rows.group_by("household_id").agg(
        heads=is_head.sum(), n=pl.len(), first=pl.col(ROW).min(),
        head_rows=pl.col(ROW).filter(is_head))

    headless = counted.filter(pl.col("heads") == 0)
    problems.add_rows(src, person.column("relation"), headless.select(
        pl.col("first").alias("row"), pl.col("household_id").alias("value")),
        "该户没有「户主」行：户主的与户主关系应填「户主」（户的信息从户主行读取）")
    twice = counted.filter(pl.col("heads") > 1).select(
        pl.col("head_rows").list.get(1).alias("row"), pl.col("household_id").alias("value"),
        pl.col("head_rows").list.get(0).alias("first"))
    problems.add_rows(src, person.column("relation"), twice,
                      pl.format("该户有两个「户主」（另见第{}行）", pl.col("first")))

    heads = rows.filter(is_head).unique("household_id", keep="first", maintain_order=True)
    for f in FIELDS:
        if f.household and f.required and f.name in person.headers:
            blank = heads.filter(pl.col(f.name).is_null())
            problems.add_rows(src, person.column(f.name), blank.select(
                pl.col(ROW).alias("row"), pl.lit(None, pl.String).alias("value")), "户主行必填，不能为空")
    _warn_disagreeing_members(person, rows, heads, problems)

    members = rows.select(ROW, "household_id", "name", "id_number", "relation", "health", "labor_skill",
                          "schooling")
    per_household = rows.group_by("household_id").agg(
        n=pl.len(),
        labor=pl.col("labor_skill").is_in(list(LABOR)).sum(),
        dropout=(pl.col("schooling") == "失学辍学").any(),
        insured_no=pl.any_horizontal((pl.col(c) == False).any() for c in _INSURANCE),  # noqa: E712
        insured_all=pl.all_horizontal(pl.col(c).fill_null(False).all() for c in _INSURANCE
                                      if c in person.headers) if any(c in person.headers for c in _INSURANCE)
        else pl.lit(False),
    )
    heads = heads.join(per_household, on="household_id", how="left")
    size_off = heads.filter(pl.col("size").is_not_null() & (pl.col("size") != pl.col("n")))
    problems.add_rows(src, person.column("size"), size_off.select(
        pl.col(ROW).alias("row"), pl.col("size").cast(pl.String).alias("value"), "n"),
        pl.format("与该户的成员行数（{} 行）不一致", pl.col("n")), WARNING)

    heads, new_townships, new_villages = _match_places(person, heads, townships, villages, problems, create_places)

    derived, defaults = _guarantees(person)
    households = heads.select(
        ROW, "household_id",
        pl.col("name").alias("head_name"),
        pl.col("id_number").alias("head_id_number"),
        "village_code", "size", "attribute", "main_cause",
        pl.coalesce(pl.col("labor_count"), pl.col("labor").cast(pl.Int64)).alias("labor_count"),
        "helper",
        *[expr.alias(name) for name, expr in derived.items()],
        "status", "income_per_capita", "exit_year",
    )
    return PersonContract(households, members, new_townships, new_villages, defaults)


_INSURANCE = ("serious_illness_insured", "basic_medical_insured")


def _guarantees(person: PersonExport) -> tuple[dict[str, pl.Expr], dict[str, str]]:
    """两不愁三保障 from the export's own columns (a contract column wins; else the export's indicators):
    是否参加大病保险 (and 基本医疗保险) of every member -> 基本医疗, 危房户 = 是 -> 住房安全 not met,
    是否解决安全饮用水 / 饮水困难 -> 饮水安全, 失学辍学 among the members -> 义务教育. What the file does not say
    stays null = unknown (a household never passes the check on a default); `defaults` names those."""
    has = person.headers.__contains__
    derived: dict[str, pl.Expr] = {}
    defaults: dict[str, str] = {}
    difficulty, safe = pl.col("water_difficulty"), pl.col("water_safe")
    sources = {
        "education": (~pl.col("dropout"), has("schooling"), "在校生状况"),
        "medical": (pl.when(pl.col("insured_no")).then(False).when(pl.col("insured_all")).then(True)
                    .otherwise(None), has("serious_illness_insured") or has("basic_medical_insured"),
                    "是否参加大病保险"),
        "housing": (~pl.col("dilapidated"), has("dilapidated"), "危房户"),
        "water": (pl.when(difficulty == True).then(False).when(safe.is_not_null()).then(safe)  # noqa: E712
                  .when(difficulty == False).then(True).otherwise(None),  # noqa: E712
                  has("water_safe") or has("water_difficulty"), "是否解决安全饮用水"),
        "food_clothing": (pl.lit(None, pl.Boolean), False, "吃穿不愁"),
    }
    for name in GUARANTEES:
        expr, available, label = sources[name]
        if has(name):
            derived[name] = pl.coalesce(pl.col(name), expr) if available else pl.col(name)
        elif available:
            derived[name] = expr
        else:
            derived[name] = pl.lit(None, pl.Boolean)
            defaults[name] = label
    return derived, defaults


def _warn_disagreeing_members(person: PersonExport, rows: pl.DataFrame, heads: pl.DataFrame,
                              problems: Problems) -> None:
    """A member row whose household fields contradict the 户主 row: the 户主 row is used, and we say so."""
    for name in ("township", "village", "poverty_status", "attribute"):
        if name not in person.headers:
            continue
        joined = rows.select(ROW, "household_id", name).join(
            heads.select("household_id", pl.col(name).alias("head_value"), pl.col(ROW).alias("head_row")),
            on="household_id")
        bad = joined.filter(pl.col(name).is_not_null() & pl.col("head_value").is_not_null()
                            & (pl.col(name) != pl.col("head_value")))
        problems.add_rows(person.source, person.column(name), bad.select(
            pl.col(ROW).alias("row"), pl.col(name).cast(pl.String).alias("value"), "head_value", "head_row"),
            pl.format("与户主行（第{}行）的「{}」不同，按户主行处理", "head_row", "head_value"), WARNING)


def _match_places(person: PersonExport, heads: pl.DataFrame, townships: pl.DataFrame, villages: pl.DataFrame,
                  problems: Problems, create: bool) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """乡镇/村 names -> village_code. Exact match after NFKC and removing spaces; never a near match."""
    src = person.source
    t_col, v_col = person.column("township"), person.column("village")
    heads = heads.with_columns(t_key=_norm_name(pl.col("township")), v_key=_norm_name(pl.col("village")))
    towns = townships.select("township_code", t_key=_norm_name(pl.col("township_name")))
    vills = villages.select("village_code", "township_code", v_key=_norm_name(pl.col("village_name")))

    for frame, keys, what in ((towns, ["t_key"], "乡镇名称"), (vills, ["township_code", "v_key"], "村名称")):
        ambiguous = frame.filter(pl.len().over(keys) > 1)["t_key" if what == "乡镇名称" else "v_key"].unique()
        for name in ambiguous.sort().to_list():
            used = heads.filter(pl.col("t_key" if what == "乡镇名称" else "v_key") == name)
            if used.height:
                problems.add(src, int(used[ROW].min()), t_col if what == "乡镇名称" else v_col, name,
                             f"当前数据库中有多个同名的{what[:-2]}，无法按名称对应：请先在「乡镇」「村」表中区分名称")
    towns = towns.unique("t_key", keep="first")
    vills = vills.unique(["township_code", "v_key"], keep="first")

    def places(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
        return (frame.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in keys))
                .group_by(keys).agg(rows=pl.col(ROW).sort(), first=pl.col(ROW).min()).sort("first"))

    heads = heads.join(towns, on="t_key", how="left")
    unknown_towns = places(heads.filter(pl.col("township_code").is_null()), ["t_key"])
    new_townships = pl.DataFrame(schema={"township_code": pl.String, "township_name": pl.String,
                                         "county_leader": pl.String})
    if unknown_towns.height:
        if create:
            codes = _next_codes(townships["township_code"].to_list(), unknown_towns.height, width=3)
            new_townships = unknown_towns.sort("t_key").select(
                pl.Series("township_code", codes), pl.col("t_key").alias("township_name"),
                pl.lit(None, pl.String).alias("county_leader"))
            for t in new_townships.join(unknown_towns, left_on="township_name", right_on="t_key").iter_rows(named=True):
                problems.add(src, t["first"], t_col, t["township_name"],
                             f"新建乡镇，代码 {t['township_code']}（{_rows_text(t['rows'], len(t['rows']))}）", WARNING)
            towns = pl.concat([towns, new_townships.select("township_code", t_key="township_name")])
            heads = heads.drop("township_code").join(towns, on="t_key", how="left")
        else:
            for t in unknown_towns.iter_rows(named=True):
                problems.add(src, t["first"], t_col, t["t_key"],
                             f"乡镇名称在当前数据库的「乡镇」表中不存在（{_rows_text(t['rows'], len(t['rows']))}）："
                             "请核对名称，或先导入「乡镇」表，或使用新建地名选项（--create-places）")

    heads = heads.join(vills, on=["township_code", "v_key"], how="left")
    unknown_vills = places(heads.filter(pl.col("township_code").is_not_null() & pl.col("village_code").is_null()),
                           ["township_code", "t_key", "v_key"])
    new_villages = pl.DataFrame(schema={
        "village_code": pl.String, "village_name": pl.String, "township_code": pl.String,
        "is_poor_village": pl.Boolean, "exit_year": pl.Int64, "rural_population": pl.Int64,
        "first_secretary": pl.String})
    if unknown_vills.height:
        if create:
            made = []
            taken = villages["village_code"].to_list()
            for code, group in unknown_vills.sort("township_code", "v_key").group_by("township_code",
                                                                                      maintain_order=True):
                town = code[0]
                siblings = [c[len(town):] for c in taken if c.startswith(town) and c[len(town):].isdigit()]
                new = [town + s for s in _next_codes(siblings, group.height, width=3)]
                taken += new
                made.append(group.with_columns(pl.Series("village_code", new)))
            made_frame = pl.concat(made)
            for v in made_frame.iter_rows(named=True):
                problems.add(src, v["first"], v_col, v["v_key"],
                             f"新建村（乡镇「{v['t_key']}」），代码 {v['village_code']}，是否贫困村记为「否」、"
                             f"农业户籍人口记为 0，请在「村」表中补充（{_rows_text(v['rows'], len(v['rows']))}）",
                             WARNING)
            new_villages = made_frame.select(
                "village_code", pl.col("v_key").alias("village_name"), "township_code",
                pl.lit(False).alias("is_poor_village"), pl.lit(None, pl.Int64).alias("exit_year"),
                pl.lit(0, pl.Int64).alias("rural_population"), pl.lit(None, pl.String).alias("first_secretary"))
            heads = heads.drop("village_code").join(
                pl.concat([vills, new_villages.select("village_code", "township_code",
                                                      v_key="village_name")]),
                on=["township_code", "v_key"], how="left")
        else:
            for v in unknown_vills.iter_rows(named=True):
                problems.add(src, v["first"], v_col, v["v_key"],
                             f"村名称在乡镇「{v['t_key']}」下不存在（{_rows_text(v['rows'], len(v['rows']))}）："
                             "请核对名称，或先导入「村」表，或使用新建地名选项（--create-places）")
    return heads.drop("t_key", "v_key"), new_townships, new_villages


def _next_codes(existing: list[str], n: int, width: int) -> list[str]:
    """n new codes after the largest numeric one (same width), skipping codes in use. Deterministic."""
    numeric = [c for c in existing if c and c.isdigit()]
    width = max([len(c) for c in numeric] + [width])
    start = max([int(c) for c in numeric], default=0) + 1
    taken = set(existing)
    codes: list[str] = []
    k = start
    while len(codes) < n:
        code = str(k).zfill(width)
        if code not in taken:
            codes.append(code)
        k += 1
    return codes

