"""A 全国扶贫开发信息系统 person-level export as the county gets it, for tests: the system's own headers and
values, a title row and a 填报单位/导出时间 line above the header, blank spacer rows, household cells merged down
the member rows, and footer rows (合计, 制表人/审核人, 填表说明, 备注).

The county is the one of tests/fixtures/person_export/base (东乡 101 / 甲村 101001, 西镇 102 / 乙村 102001).
tests/fixtures/national/贫困人口明细_2019-12-31.xls is this module's 2019 export saved by LibreOffice
(`python tests/national_export.py` writes the .xlsx and converts it; see `main`).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import xlsxwriter

FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "person_export" / "base"
XLS_2019 = FIXTURES / "national" / "贫困人口明细_2019-12-31.xls"

HEADERS = ["序号", "数据日期", "县（市、区、旗）", "乡（镇）", "行政村", "自然村", "户编号", "人编号", "姓名", "证件号码",
           "人数", "与户主关系", "民族", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工时间（月）",
           "是否参加大病保险", "是否解决安全饮用水", "危房户", "致贫原因1", "脱贫状态", "贫困户属性", "脱贫年度",
           "人均纯收入", "户联系电话", "人联系电话", "首次识别时间"]
# Household fields: merged down the member rows in the system's export.
MERGED = ["数据日期", "县（市、区、旗）", "乡（镇）", "行政村", "自然村", "户编号", "人数", "是否解决安全饮用水", "危房户",
          "致贫原因1", "脱贫状态", "贫困户属性", "脱贫年度", "人均纯收入", "户联系电话", "首次识别时间"]


def _person(name, id_number, relation, health, skill, insured="是", schooling="非在校生"):
    return {"姓名": name, "证件号码": id_number, "与户主关系": relation, "健康状况": health, "劳动技能": skill,
            "是否参加大病保险": insured, "在校生状况": schooling, "民族": "汉族", "文化程度": "小学", "务工时间（月）": "0"}


def households(year: int) -> list[dict]:
    """Three households in the system's words. 2019: H1 未脱贫, H2 已脱贫 in 2018, H3 已脱贫 in 2019;
    2020-06-30: H1 已脱贫, H2 返贫, H3 unchanged (incomes of that year)."""
    h1 = {"乡（镇）": "东乡", "行政村": "甲村", "自然村": "一组", "户编号": "4312991010001",
          "致贫原因1": "因病致贫", "贫困户属性": "低保(全家)贫困户", "脱贫状态": "未脱贫", "脱贫年度": "",
          "是否解决安全饮用水": "是", "危房户": "否", "人均纯收入": "3000", "首次识别时间": "2014-05-01",
          "members": [_person("张大山", "43129919650302011X", "户主", "长期慢性病", "弱劳动力或半劳动力"),
                      _person("李秀英", "431299196807150220", "配偶", "残疾,长期慢性病", "丧失劳动力"),
                      _person("张小明", "431299199201100337", "之子", "健康", "技能劳动力")]}
    h2 = {"乡（镇）": "东乡", "行政村": "甲村", "自然村": "二组", "户编号": "4312991010002",
          "致贫原因1": "因学致贫", "贫困户属性": "一般脱贫户", "脱贫状态": "已脱贫(享受政策)", "脱贫年度": "2018年",
          "是否解决安全饮用水": "是", "危房户": "是", "人均纯收入": "5000", "首次识别时间": "2014-05-01",
          "members": [_person("王老汉", "431299195809200418", "户主", "患有大病", "丧失劳动力"),
                      _person("王小花", "431299200803150441", "孙女", "健康", "无劳动力", insured="否",
                              schooling="小学")]}
    h3 = {"乡（镇）": "西镇", "行政村": "乙村", "自然村": "一组", "户编号": "4312991020001",
          "致贫原因1": "自身发展动力不足", "贫困户属性": "五保户", "脱贫状态": "已脱贫(不再享受政策)",
          "脱贫年度": "2019年", "是否解决安全饮用水": "否", "危房户": "否", "人均纯收入": "4200",
          "首次识别时间": "2015-03-01",
          "members": [_person("刘独居", "431299197504050614", "户主", "残疾", "无劳动力")]}
    if year >= 2020:
        h1 = {**h1, "脱贫状态": "已脱贫(享受政策)", "脱贫年度": "2020年", "人均纯收入": "6000"}
        h2 = {**h2, "脱贫状态": "返贫", "人均纯收入": "2500"}
        h3 = {**h3, "人均纯收入": "4800"}
    return [h1, h2, h3]


def write_national_xlsx(path: Path, rows: list[dict], as_of: str, *, footer: bool = True,
                        merged: bool = True, edit=None) -> Path:
    """The export as the system writes it. Row numbers as Excel shows them: 1 title, 2 填报单位/导出时间,
    3 blank, 4 header, 5 blank spacer, then each household's member rows followed by one blank spacer row.
    `edit(sheet_row_cells)`: a hook to change cells before writing ({(excel_row, header): value})."""
    path = Path(path)
    cells: dict[tuple[int, str], object] = {}
    merges: list[tuple[int, int, str]] = []
    row = 6
    serial = 1
    for h in rows:
        first = row
        for person in h["members"]:
            values = {**{k: v for k, v in h.items() if k != "members"}, **person,
                      "序号": str(serial), "数据日期": as_of, "县（市、区、旗）": "演示县",
                      "人数": str(len(h["members"])), "人编号": f"{h['户编号']}{serial:02d}",
                      "户联系电话": "13800000000", "人联系电话": ""}
            for header in HEADERS:
                if merged and header in MERGED and row > first:
                    continue  # Excel keeps a merged value in the first row only
                cells[(row, header)] = values.get(header, "")
            serial += 1
            row += 1
        if merged and row - first > 1:
            merges += [(first, row - 1, header) for header in MERGED]
        row += 1  # a blank spacer row between households
    footer_rows = []
    if footer:
        total = sum(len(h["members"]) for h in rows)
        footer_rows = [(row, ["合计", "", "", "", "", "", f"{len(rows)}户", "", "", "", str(total)]),
                       (row + 1, ["制表人：王五", "", "", "", "审核人：赵六"]),
                       (row + 2, ["填表说明：1. 本表由全国扶贫开发信息系统导出；2. 人数为家庭人口数。"]),
                       (row + 3, ["备注：无"])]
    if edit is not None:
        edit(cells)
    with xlsxwriter.Workbook(path) as book:
        ws = book.add_worksheet("贫困人口明细")
        ws.merge_range(0, 0, 0, 10, f"{as_of[:4]}年建档立卡贫困人口明细表")
        ws.write_string(1, 0, "填报单位：演示县扶贫开发办公室")
        ws.write_string(1, 6, f"导出时间：{as_of} 08:00:00")
        ws.write_row(3, 0, HEADERS)
        column = {h: i for i, h in enumerate(HEADERS)}
        for (r, header), value in cells.items():
            if value not in ("", None):
                ws.write(r - 1, column[header], value)
        for first, last, header in merges:
            c = column[header]
            ws.merge_range(first - 1, c, last - 1, c, cells.get((first, header), ""))
        for r, values in footer_rows:
            ws.write_row(r - 1, 0, values)
    return path


def main() -> None:
    """Write the committed .xls: this module's 2019 export, saved as .xls by LibreOffice (headless)."""
    XLS_2019.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = write_national_xlsx(Path(tmp) / f"{XLS_2019.stem}.xlsx", households(2019), "2019-12-31")
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/lo", "--headless", "--norestore",
                        "--convert-to", "xls", "--outdir", str(XLS_2019.parent), str(source)], check=True)
    print(f"wrote {XLS_2019}", file=sys.stderr)


if __name__ == "__main__":
    main()
