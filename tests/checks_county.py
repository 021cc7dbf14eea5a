"""A hand-made county for the 数据核查 and 防返贫 tests: each household, village and project is written to
trip (or deliberately not trip) one rule, and its expected verdict is worked out by hand in the tests.

Written as the import format's CSV folder and loaded with `python -m ingest load`, like a county export.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(birth: str, seq: int, region: str = "431299") -> str:
    """A valid 18-digit 身份证号 for a birth date YYYYMMDD and a 3-digit sequence."""
    body = f"{region}{birth}{seq:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


YES = "是"
NO = "否"

# household id: (village, size, cause, labor, helper, guarantees 吃穿/教育/医疗/住房/饮水, events, incomes {year: yuan})
HOUSEHOLDS = {
    # 疑似数字脱贫
    "H01": ("V01", 2, "缺资金", 1, "王芳", "是是是是是", [("2015-03-01", "纳入"), ("2019-07-01", "脱贫")],
            {2019: 3600, 2020: 3500}),  # exited, 2020 income 3500 < 4000: flagged
    "H02": ("V01", 2, "缺资金", 1, "王芳", "是是是是是", [("2015-03-01", "纳入"), ("2019-07-01", "脱贫")],
            {2019: 3800, 2020: 4000}),  # exactly on the line: not flagged
    "H03": ("V03", 2, "缺资金", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")],
            {2019: 1900, 2020: 2000}),  # still poor: not an exit problem
    "H04": ("V03", 2, "缺资金", 1, "周杰", "是是是是是", [("2015-03-01", "纳入"), ("2020-06-01", "脱贫")],
            {2019: 3700}),  # exited 2020, no 2020 income, 2019 income < 3747: flagged
    # 三保障
    "H06": ("V03", 2, "缺资金", 1, "周杰", "是是是否是", [("2015-03-01", "纳入"), ("2018-05-01", "脱贫")],
            {2019: 6500, 2020: 7000}),  # exited with 住房 否: flagged
    "H07": ("V03", 2, "缺资金", 1, "周杰", "是是是是否", [("2015-03-01", "纳入")],
            {2019: 1900, 2020: 2000}),  # 饮水 否 but not exited: not flagged
    # 致贫原因 / 帮扶责任人
    "H08": ("V03", 2, "其他", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),  # flagged
    "H09": ("V03", 2, "缺技术", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    "H10": ("V03", 2, "缺资金", 1, "", "是是是是是", [("2015-03-01", "纳入"), ("2018-05-01", "脱贫")],
            {2019: 6500, 2020: 7000}),  # exited, no helper: flagged
    "H11": ("V03", 2, "缺资金", 1, "", "是是是是是", [("2015-03-01", "纳入"), ("2016-05-01", "清退")],
            {2020: 9000}),  # cleared: not registered, not flagged
    # 身份证
    "H12": ("V03", 2, "缺资金", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    "H13": ("V02", 2, "缺资金", 1, "陈红", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    "H17": ("V03", 2, "缺资金", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    "H18": ("V03", 2, "缺资金", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    # 收入突变 (factor 3)
    "H19": ("V03", 2, "缺资金", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2019: 3000, 2020: 30000}),
    "H20": ("V03", 2, "缺资金", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2019: 3000, 2020: 8000}),
    "H21": ("V03", 2, "缺资金", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2019: 9000, 2020: 2500}),
    # 出列村: V01 (200 people) has H22 still poor (5 persons) -> 2.5%; V02 (1000 people) has H23 (3) -> 0.3%
    "H22": ("V01", 5, "缺资金", 2, "王芳", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    "H23": ("V02", 3, "缺资金", 1, "陈红", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    # 家庭成员
    "H24": ("V03", 3, "缺资金", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    "H25": ("V03", 3, "缺资金", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    "H26": ("V03", 3, "缺资金", 1, "周杰", "是否是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    "H27": ("V03", 3, "缺资金", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    "H28": ("V03", 2, "因病", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    "H29": ("V03", 2, "因病", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    "H30": ("V03", 2, "因残", 1, "周杰", "是是是是是", [("2015-03-01", "纳入")], {2020: 2000}),
    # 防返贫 worked example (monitoring line 1.5 × 4000 = 6000, drop > 20%)
    "R1": ("V02", 2, "因病", 0, "陈红", "是是是否是", [("2015-03-01", "纳入"), ("2018-05-01", "脱贫")],
           {2019: 7000, 2020: 5000}),  # all four factors
    "R2": ("V02", 2, "缺资金", 1, "陈红", "是是是是是", [("2015-03-01", "纳入"), ("2018-05-01", "脱贫")],
           {2019: 6000, 2020: 6500}),  # none
    "R3": ("V02", 2, "因残", 0, "陈红", "是是是是是", [("2015-03-01", "纳入"), ("2018-05-01", "脱贫")],
           {2019: 9000, 2020: 7000}),  # drop 22% + 因残 without labour
    "R4": ("V02", 2, "缺资金", 1, "陈红", "是是是是是",
           [("2015-03-01", "纳入"), ("2018-05-01", "脱贫"), ("2020-09-10", "返贫")],
           {2019: 6000, 2020: 3000}),  # returned to poverty in 2020-09: not 已脱贫, counted in 返贫
}

# Members besides the head (the head is always member 1, born 1970). (household, name, birth, relation,
# health, skill, schooling); member counts are made to match 家庭人口数 except H24.
EXTRA_MEMBERS = [
    ("H12", "赵小明", "20100301", "之子", "健康", "无劳动力", "小学"),
    ("H13", "赵小明", "20100301", "之子", "健康", "无劳动力", "小学"),  # same person as in H12
    ("H17", "孙老太", "19050301", "之母", "健康", "无劳动力", "非在校生"),  # 115 at D
    ("H18", "孙老汉", "19150301", "之父", "健康", "无劳动力", "非在校生"),  # 105 at D: plausible
    ("H24", "钱一", "19980301", "之子", "健康", "普通劳动力", "非在校生"),  # only 2 of 3 listed
    ("H25", "李小", "20080301", "之子", "健康", "无劳动力", "失学辍学"),  # 12, education 是: flagged
    ("H25", "李二", "19720301", "配偶", "健康", "普通劳动力", "非在校生"),
    ("H26", "周小", "20080301", "之子", "健康", "无劳动力", "失学辍学"),  # education 否: consistent
    ("H26", "周二", "19720301", "配偶", "健康", "普通劳动力", "非在校生"),
    ("H27", "吴大", "19900301", "之子", "健康", "普通劳动力", "失学辍学"),  # 30: not school age
    ("H27", "吴二", "19720301", "配偶", "健康", "普通劳动力", "非在校生"),
    ("H29", "郑二", "19720301", "配偶", "长期慢性病", "普通劳动力", "非在校生"),  # ill member: consistent
    ("H30", "冯二", "19720301", "配偶", "健康", "普通劳动力", "非在校生"),  # no disabled member: flagged
    ("R1", "陈二", "19720301", "配偶", "患有大病", "丧失劳动力", "非在校生"),
    ("R3", "何二", "19720301", "配偶", "残疾", "丧失劳动力", "非在校生"),
]

VILLAGES = [
    ("V01", "东山村", "T01", YES, "2019", 200, "刘洋"),
    ("V02", "石桥村", "T01", YES, "2018", 1000, "马丽"),
    ("V03", "西河村", "T02", NO, "", 3000, ""),
    ("V04", "柳坪村", "T02", YES, "", 500, ""),
]
COLLECTIVE = [("V01", 2020, 3), ("V02", 2019, 2), ("V02", 2020, 6)]

# project: (township, village, year, status reports [(date, pct, status)], payments [(date, amount)])
PROJECTS = {
    "P1": ("T01", "V01", 2020, [("2020-10-01", 95, "已完工")], [("2020-10-05", 10)]),  # progress < 100
    "P2": ("T01", "V01", 2020, [("2020-10-01", 100, "已完工")], []),  # completed, never paid
    "P3": ("T02", "", 2020, [("2020-08-01", 90, "已完工"), ("2020-09-01", 100, "已验收")], [("2020-09-05", 20)]),
    "P4": ("T02", "", 2020, [("2020-08-01", 40, "在建")], []),  # not completed: no payment is normal
    "P5": ("T02", "", 2020, [("2020-11-01", 100, "已完工")], [("2020-12-01", 30)]),  # paid only after D
}


def _write(folder: Path, sheet: str, header: list[str], rows: list) -> None:
    with (folder / f"{sheet}.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_county(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder, "乡镇", ["乡镇代码", "乡镇名称", "联系县领导"], [("T01", "东山镇", "张伟"), ("T02", "西河乡", "")])
    _write(folder, "村", ["村代码", "村名称", "乡镇代码", "是否贫困村", "出列年份", "农业户籍人口", "第一书记"], VILLAGES)
    households, members, events, incomes = [], [], [], []
    for n, (hid, (village, size, cause, labor, helper, g, evs, inc)) in enumerate(HOUSEHOLDS.items()):
        head_id = id_number("19700101", n + 1)
        households.append((hid, f"户主{hid}", head_id, village, size, "一般贫困户", cause, labor, helper, *g))
        members.append((hid, f"户主{hid}", head_id, "户主", "健康", "普通劳动力", "非在校生"))
        events += [(hid, d, e) for d, e in evs]
        incomes += [(hid, y, v) for y, v in inc.items()]
    seq = 500
    for hid, name, birth, relation, health, skill, school in EXTRA_MEMBERS:
        seq += 1
        members.append((hid, name, id_number(birth, 7 if name == "赵小明" else seq), relation, health, skill, school))
    # households whose size exceeds the listed members get healthy fillers, except H24 (the mismatch)
    listed = {}
    for m in members:
        listed[m[0]] = listed.get(m[0], 0) + 1
    for hid, (_, size, *_rest) in HOUSEHOLDS.items():
        for k in range(size - listed[hid] if hid != "H24" else 0):
            seq += 1
            members.append((hid, f"家人{hid}{k}", id_number("19820101", seq), "之女", "健康", "普通劳动力", "非在校生"))
    _write(folder, "农户", ["户编号", "户主姓名", "户主身份证号", "村代码", "家庭人口数", "贫困户属性", "主要致贫原因",
                          "劳动力人数", "帮扶责任人", "吃穿不愁", "义务教育有保障", "基本医疗有保障", "住房安全有保障",
                          "饮水安全有保障"], households)
    _write(folder, "家庭成员", ["户编号", "姓名", "身份证号", "与户主关系", "健康状况", "劳动技能", "在校生状况"], members)
    _write(folder, "农户状态", ["户编号", "日期", "事件"], events)
    _write(folder, "收入", ["户编号", "年度", "人均纯收入"], incomes)
    _write(folder, "村集体经济", ["村代码", "年度", "集体经济收入"], COLLECTIVE)
    projects, progress, allocations, payments = [], [], [], []
    for pid, (town, village, year, reports, paid) in PROJECTS.items():
        projects.append((pid, f"项目{pid}", town, village, "基础设施", year, 50, f"{year}-03-01", f"{year}-10-31", ""))
        progress += [(pid, d, pct, status) for d, pct, status in reports]
        allocations.append((f"文{pid}", pid, "县级", f"{year}-03-01", 50))
        payments += [(pid, d, amount) for d, amount in paid]
    write_project_sheets(folder, projects, progress, allocations, payments)
    return folder


def write_project_sheets(folder: Path, projects: list, progress: list, allocations: list, payments: list) -> None:
    """项目, 项目进度, 资金下达, 资金支出 and a one-row 年度计划 (T01, 2020)."""
    _write(folder, "项目", ["项目编号", "项目名称", "乡镇代码", "村代码", "项目类别", "年度", "计划投资", "计划开工日期",
                          "计划完工日期", "受益贫困户数"], projects)
    _write(folder, "项目进度", ["项目编号", "填报日期", "形象进度", "状态"], progress)
    _write(folder, "资金下达", ["文号", "项目编号", "资金来源", "下达日期", "金额"], allocations)
    _write(folder, "资金支出", ["项目编号", "支付日期", "金额"], payments)
    _write(folder, "年度计划", ["年度", "乡镇代码", "计划脱贫人数", "计划出列村数"], [(2020, "T01", 5, 1)])


def rule_rows(db, rule: str, **params):
    """A rule's rows at as_of for township through the query the page lists them with (checks_registry.rows_query:
    checks_rows.sql for an interval-form rule file, the rule file itself for one of the per-date form)."""
    from queries import checks_registry as registry

    name, extra = registry.rows_query(registry.RULES_BY_ID[rule])
    return db.run(name, **extra, **params)


def loaded(folder: Path) -> Path:
    """The export in `folder` loaded next to it (its problem report beside it): the database path.

    POLARS_MAX_THREADS=1: the loader's 家庭人口数 warning can hit a polars 2.1 panic on multi-chunk columns."""
    from conftest import run_cli

    db = folder.parent / "county.duckdb"
    run_cli("ingest", "load", str(folder), "--db", str(db), "--report", str(folder.parent / "report.xlsx"),
            env={**os.environ, "POLARS_MAX_THREADS": "1"})
    return db


def published(folder: Path) -> Iterator:
    """The export in `folder` loaded (`loaded`) and open, for a module fixture."""
    from queries.runner import Database

    database = Database.open(loaded(folder))
    yield database
    database.close()
