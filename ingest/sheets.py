"""The import format (DESIGN.md "Import format") as data: sheets, their tables and typed columns.

Readers, validation, the demo generator and the error report all read the contract from here, so a
header or an allowed value is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

YES_NO = ("是", "否")
# 两不愁三保障 of 农户: optional columns. A guarantee the file does not state (no column, or a blank cell) is
# stored as NULL = unknown and never counts as met (DESIGN.md "Vocabulary").
GUARANTEE_COLUMNS = ("food_clothing", "education", "medical", "housing", "water")
ATTRIBUTES = ("一般贫困户", "低保贫困户", "特困供养户")
EVENTS = ("纳入", "脱贫", "返贫", "清退")
HEALTH = ("健康", "长期慢性病", "患有大病", "残疾")
LABOR_SKILLS = ("普通劳动力", "技能劳动力", "丧失劳动力", "无劳动力")
SCHOOLING = ("学前教育", "小学", "初中", "高中", "中职", "高职", "本科及以上", "失学辍学", "非在校生")
PROGRESS_STATUS = ("未开工", "在建", "已完工", "已验收")
FUND_SOURCES = ("中央", "省级", "市级", "县级", "整合涉农", "社会帮扶")
CATEGORIES = ("产业发展", "基础设施", "易地扶贫搬迁", "教育扶贫", "健康扶贫", "危房改造", "饮水安全", "光伏扶贫", "就业扶贫", "其他")


@dataclass(frozen=True)
class Column:
    """One column of a sheet.

    kind: text | code | int | year | money (万元, exact) | yuan (元) | pct (0-100) | date | bool (是/否) |
    enum (one of `values`) | id_number (身份证号).
    """

    name: str  # English id, also the DuckDB column name
    label: str  # Chinese header
    kind: str = "text"
    required: bool = True
    values: tuple[str, ...] = ()
    unit: str = ""

    @property
    def header(self) -> str:
        return self.label


@dataclass(frozen=True)
class Sheet:
    label: str  # Chinese sheet name, also the CSV file stem
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns that must be unique together
    required: bool = True
    refs: tuple[tuple[str, str, str], ...] = field(default=())  # (column, parent table, parent column)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "乡镇",
        "townships",
        (
            Column("township_code", "乡镇代码", "code"),
            Column("township_name", "乡镇名称"),
            Column("county_leader", "联系县领导", required=False),
        ),
        key=("township_code",),
    ),
    Sheet(
        "村",
        "villages",
        (
            Column("village_code", "村代码", "code"),
            Column("village_name", "村名称"),
            Column("township_code", "乡镇代码", "code"),
            Column("is_poor_village", "是否贫困村", "bool"),
            Column("exit_year", "出列年份", "year", required=False),
            Column("rural_population", "农业户籍人口", "int", unit="人"),
            Column("first_secretary", "第一书记", required=False),
        ),
        key=("village_code",),
        refs=(("township_code", "townships", "township_code"),),
    ),
    Sheet(
        "农户",
        "households",
        (
            Column("household_id", "户编号", "code"),
            Column("head_name", "户主姓名"),
            Column("head_id_number", "户主身份证号", "id_number"),
            Column("village_code", "村代码", "code"),
            Column("size", "家庭人口数", "int", unit="人"),
            Column("attribute", "贫困户属性", "enum", values=ATTRIBUTES),
            Column("main_cause", "主要致贫原因"),
            Column("labor_count", "劳动力人数", "int", unit="人"),
            Column("helper", "帮扶责任人", required=False),
            Column("food_clothing", "吃穿不愁", "bool", required=False),
            Column("education", "义务教育有保障", "bool", required=False),
            Column("medical", "基本医疗有保障", "bool", required=False),
            Column("housing", "住房安全有保障", "bool", required=False),
            Column("water", "饮水安全有保障", "bool", required=False),
        ),
        key=("household_id",),
        refs=(("village_code", "villages", "village_code"),),
    ),
    Sheet(
        "家庭成员",
        "household_members",
        (
            Column("household_id", "户编号", "code"),
            Column("name", "姓名"),
            Column("id_number", "身份证号", "id_number"),
            Column("relation", "与户主关系"),
            Column("health", "健康状况", "enum", values=HEALTH),
            Column("labor_skill", "劳动技能", "enum", values=LABOR_SKILLS),
            Column("schooling", "在校生状况", "enum", required=False, values=SCHOOLING),
        ),
        required=False,
        refs=(("household_id", "households", "household_id"),),
    ),
    Sheet(
        "农户状态",
        "household_events",
        (
            Column("household_id", "户编号", "code"),
            Column("date", "日期", "date"),
            Column("event", "事件", "enum", values=EVENTS),
        ),
        key=("household_id", "date", "event"),
        refs=(("household_id", "households", "household_id"),),
    ),
    Sheet(
        "收入",
        "incomes",
        (
            Column("household_id", "户编号", "code"),
            Column("year", "年度", "year"),
            Column("income_per_capita", "人均纯收入", "yuan", unit="元"),
        ),
        key=("household_id", "year"),
        refs=(("household_id", "households", "household_id"),),
    ),
    Sheet(
        "项目",
        "projects",
        (
            Column("project_id", "项目编号", "code"),
            Column("project_name", "项目名称"),
            Column("township_code", "乡镇代码", "code"),
            Column("village_code", "村代码", "code", required=False),
            Column("category", "项目类别", "enum", values=CATEGORIES),
            Column("year", "年度", "year"),
            Column("planned_investment", "计划投资", "money", unit="万元"),
            Column("planned_start", "计划开工日期", "date"),
            Column("planned_end", "计划完工日期", "date"),
            Column("beneficiary_households", "受益贫困户数", "int", required=False, unit="户"),
        ),
        key=("project_id",),
        refs=(
            ("township_code", "townships", "township_code"),
            ("village_code", "villages", "village_code"),
        ),
    ),
    Sheet(
        "项目进度",
        "project_progress",
        (
            Column("project_id", "项目编号", "code"),
            Column("report_date", "填报日期", "date"),
            Column("progress_pct", "形象进度", "pct", unit="%"),
            Column("status", "状态", "enum", values=PROGRESS_STATUS),
        ),
        key=("project_id", "report_date"),
        refs=(("project_id", "projects", "project_id"),),
    ),
    Sheet(
        "资金下达",
        "fund_allocations",
        (
            Column("document_no", "文号", required=False),
            Column("project_id", "项目编号", "code"),
            Column("source", "资金来源", "enum", values=FUND_SOURCES),
            Column("date", "下达日期", "date"),
            Column("amount", "金额", "money", unit="万元"),
        ),
        refs=(("project_id", "projects", "project_id"),),
    ),
    Sheet(
        "资金支出",
        "fund_payments",
        (
            Column("project_id", "项目编号", "code"),
            Column("date", "支付日期", "date"),
            Column("amount", "金额", "money", unit="万元"),
        ),
        refs=(("project_id", "projects", "project_id"),),
    ),
    Sheet(
        "年度计划",
        "annual_plans",
        (
            Column("year", "年度", "year"),
            Column("township_code", "乡镇代码", "code"),
            Column("target_exit_persons", "计划脱贫人数", "int", unit="人"),
            Column("target_exit_villages", "计划出列村数", "int", unit="个"),
        ),
        key=("year", "township_code"),
        refs=(("township_code", "townships", "township_code"),),
    ),
    Sheet(
        "村集体经济",
        "village_collective_income",
        (
            Column("village_code", "村代码", "code"),
            Column("year", "年度", "year"),
            Column("collective_income", "集体经济收入", "money", unit="万元"),
        ),
        key=("village_code", "year"),
        refs=(("village_code", "villages", "village_code"),),
    ),
)

SHEETS_BY_LABEL = {s.label: s for s in SHEETS}
SHEETS_BY_TABLE = {s.table: s for s in SHEETS}
# English ids accepted as sheet names too (e.g. a workbook with a "households" tab).
SHEET_ALIASES = {**SHEETS_BY_LABEL, **SHEETS_BY_TABLE}
