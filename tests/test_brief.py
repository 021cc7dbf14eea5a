"""The 周调度通报 as the county office sends it, made by `python -m exports brief` and read back with pypdf and
python-docx: the headline numbers equal `python -m queries report` at that date, every 督办事项 is printed,
the first week of January compares nothing across years, and the pace to year-end is worked by hand."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess

import polars as pl
import pytest

from exports.pace import behind, year_end_pace
from tests.conftest import run_cli

AS_OF = dt.date(2020, 11, 16)
NEW_YEAR = dt.date(2020, 1, 3)


def squeeze(text: str) -> str:
    """Text as printed, without the spaces and line breaks extractors put between CJK characters."""
    return re.sub(r"\s+", "", text.replace("\x00", ""))


def pdf_text(path) -> str:
    from pypdf import PdfReader

    return squeeze("".join(page.extract_text() for page in PdfReader(path).pages))


def docx_text(path) -> str:
    from docx import Document

    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return squeeze("".join(parts))


@pytest.fixture(scope="module")
def papers(demo_db, tmp_path_factory):
    """The brief at AS_OF and at NEW_YEAR (PDF and DOCX), and the report CSV at AS_OF."""
    out = tmp_path_factory.mktemp("brief")
    for day in (AS_OF, NEW_YEAR):
        run_cli("exports", "brief", "--db", str(demo_db), "--as-of", day.isoformat(), "--out", str(out))
    run_cli("queries", "report", "--db", str(demo_db), "--as-of", AS_OF.isoformat(), "--out", str(out / "report"))
    with (out / "report" / "township_indicators.csv").open(encoding="utf-8") as f:
        report = {row["township_code"]: row for row in csv.DictReader(f)}
    return out, report


def test_command_writes_the_files_the_buttons_download(papers):
    out, _ = papers
    assert {p.name for p in out.glob("*.*")} == {
        "周调度通报_20201116.pdf", "周调度通报_20201116.docx", "周调度通报_20200103.pdf", "周调度通报_20200103.docx"}


def test_command_rejects_a_wrong_format(demo_db, tmp_path):
    result = run_cli("exports", "brief", "--db", str(demo_db), "--out", str(tmp_path), "--format", "xls",
                     check=False)
    assert result.returncode == 2 and "--format" in result.stderr


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_masthead_and_sections(papers, fmt):
    out, _ = papers
    text = (pdf_text if fmt == "pdf" else docx_text)(out / f"周调度通报_20201116.{fmt}")
    assert text.startswith("脱贫攻坚周调度通报2020年第46期演示县脱贫攻坚指挥部办公室2020年11月16日")
    order = [text.index(h) for h in ("一、总体情况", "二、存在问题", "三、上期督办落实情况", "四、下步工作",
                                     "附表：乡镇综合排名")]
    assert order == sorted(order)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_headline_numbers_equal_the_report(papers, fmt):
    out, report = papers
    text = (pdf_text if fmt == "pdf" else docx_text)(out / f"周调度通报_20201116.{fmt}")
    c = report["ALL"]

    def num(key: str, places: int) -> str:
        return f"{float(c[key]):,.{places}f}"

    expected = [
        f"全县贫困人口{int(c['poor_persons']):,}人",
        f"贫困发生率{num('incidence_pct', 2)}%",
        f"较上年末下降{num('incidence_drop_pp', 2)}个百分点（一降）",
        f"建档立卡户人均纯收入增幅{num('income_growth_pct', 1)}%",
        f"年度减贫任务进度{num('target_progress_pct', 1)}%",
        f"已脱贫{int(c['exited_persons_ytd']):,}人/计划{int(c['target_exit_persons']):,}人",
        f"时间进度{num('time_progress_pct', 1)}%",
        f"资金下达{num('allocated_wan', 1)}万元、支出{num('spent_wan', 1)}万元",
        f"资金结余率{num('balance_rate_pct', 1)}%",
        f"项目完工率{num('completion_pct', 1)}%",
        f"逾期未完工{int(c['overdue_projects'])}个",
    ]
    for phrase in expected:
        assert phrase in text, phrase


def test_every_item_of_the_page_is_in_the_brief(papers, app_page):
    """The 周调度 page (county view) at AS_OF lists its 督办事项; every one is in both files."""
    out, _ = papers
    page = app_page("pages/weekly.py", query={"as_of": AS_OF.isoformat()})
    listed = [m.value for m in page.markdown if re.match(r"^\d+\. \*\*【", m.value)]
    assert len(listed) > 12  # more than the old brief's cut-off
    pdf, docx = pdf_text(out / "周调度通报_20201116.pdf"), docx_text(out / "周调度通报_20201116.docx")
    for line in listed:
        shown = re.sub(r"\\(.)", r"\1", line).replace("\u2060", "")  # the page's Markdown source, as it reads
        item = squeeze(re.sub(r"^\d+\. \*\*【.+?】\*\* ", "", shown).split("　—　")[0])
        assert item in pdf and item in docx, item
    assert f"本周共梳理督办事项{len(listed)}项" in pdf


def test_first_week_of_january_compares_nothing_across_years(papers):
    from docx import Document

    out, _ = papers
    doc = Document(out / "周调度通报_20200103.docx")
    kpi = doc.tables[0]
    rows = {r.cells[0].text: (r.cells[1].text, r.cells[3].text) for r in kpi.rows[1:]}
    for label in ("资金结余率", "逾期项目", "资金支出", "完工项目", "年度目标进度", "本年累计脱贫人数"):
        before, change = rows[label]
        assert change == "跨年度不比较", label
        if before != "—":
            assert "2019年度" in before, label
    text = docx_text(out / "周调度通报_20200103.docx")
    assert "产业资金" not in text.split("三、上期督办落实情况")[0]  # no item from one early allocation
    assert "2020年第1期" in text


def test_pace_to_year_end_worked_by_hand():
    towns = pl.DataFrame({"township_code": ["A", "B", "C", "D"], "township_name": ["甲", "乙", "丙", "丁"],
                          "target_exit_persons": [100, 100, 50, 0], "exited_persons_ytd": [86, 30, 50, 0]})
    window = pl.DataFrame({"township_code": ["A", "B", "C", "D"], "window_days": [28] * 4,
                           "exited_window": [8, 20, 0, 0]})
    out = {r["township_code"]: r for r in
           year_end_pace(towns, window, dt.date(2020, 12, 3)).iter_rows(named=True)}
    # A: 14 left at 2/week -> 7 weeks -> 49 days after 12-03 = 2021-01-21: misses by 14 - 2*4 = 6
    assert out["A"]["weeks_left"] == pytest.approx(4.0)
    assert out["A"]["needed_per_week"] == pytest.approx(3.5) and out["A"]["pace_per_week"] == pytest.approx(2.0)
    assert out["A"]["short_by"] == 6 and out["A"]["verdict"] == "按当前进度年底差 6 人"
    # B: 70 left at 5/week -> 14 weeks: short by 70 - 20 = 50
    assert out["B"]["short_by"] == 50
    assert out["C"]["verdict"] == "已完成年度任务" and out["D"]["verdict"] == "未下达年度计划"
    assert behind(year_end_pace(towns, window, dt.date(2020, 12, 3)))["township_code"].to_list() == ["B", "A"]
    # on time: 10 left at 5/week -> 14 days -> 12-17
    early = year_end_pace(towns.head(1).with_columns(exited_persons_ytd=pl.lit(90)), window.head(1)
                          .with_columns(exited_window=pl.lit(20)), dt.date(2020, 12, 3)).row(0, named=True)
    assert early["finish"] == dt.date(2020, 12, 17) and early["verdict"] == "按当前进度预计 12 月 17 日完成"
    # a window of 3 days (early January) is not reliable: no item from it
    short = year_end_pace(towns, window.with_columns(window_days=pl.lit(3)), dt.date(2020, 1, 3))
    assert not short["reliable"].any() and behind(short).height == 0
    assert short["verdict"].to_list()[:2] == ["本年度记录不足两周，暂不研判"] * 2


def test_pdf_pages_render(papers, tmp_path):
    out, _ = papers
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out / "周调度通报_20201116.pdf"), str(tmp_path / "p")],
                   check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 2 and all(p.stat().st_size > 5_000 for p in pages)


def test_command_exports_go_into_the_audit_trail(papers, demo_db):
    from access.store import AccessStore, store_path

    rows = AccessStore(store_path(demo_db)).audit_rows()
    exported = {detail for _, user, action, detail, _ in rows if action == "导出" and user.startswith("命令行:")}
    assert {"周调度通报_20201116.pdf", "周调度通报_20201116.docx"} <= exported


HEADING = re.compile(r"^(一、总体情况|二、存在问题|三、上期督办落实情况|四、下步工作|附表：乡镇综合排名|"
                     r"（[一二三四五六七八九十]）.+（\d+项）|年底减贫进度测算.*|全县主要指标周对比)$")


@pytest.mark.parametrize("day", ["20201116", "20200103"])
def test_no_heading_is_left_at_a_page_foot(papers, day):
    from docx import Document
    from pypdf import PdfReader

    out, _ = papers
    for page in PdfReader(out / f"周调度通报_{day}.pdf").pages:
        lines = [squeeze(line) for line in page.extract_text().split("\n")]
        body = [line for line in lines if line and not re.fullmatch(r"—\d+/\d+—", line)]
        assert body and not HEADING.match(body[-1]), body[-1]
    doc = Document(out / f"周调度通报_{day}.docx")
    headings = [p for p in doc.paragraphs if HEADING.match(squeeze(p.text))]
    assert len(headings) >= 5 and all(p.paragraph_format.keep_with_next for p in headings)


def test_last_weeks_items_are_followed_up_from_the_rectification_list():
    from exports.brief import followup, next_steps

    def items(rows):
        return pl.DataFrame(rows, schema={"kind": pl.String, "township_code": pl.String, "township_name": pl.String,
                                          "text": pl.String}, orient="row")

    last = items([("逾期项目", "A", "甲乡", "甲乡 2 个项目逾期"), ("资金结余", "B", "乙镇", "乙镇 资金结余率 80%"),
                  ("产业资金", "C", "丙乡", "丙乡 产业资金占比 40%")])
    now = items([("资金结余", "B", "乙镇", "乙镇 资金结余率 75%")])  # B still has the problem, worded anew
    rectify = pl.DataFrame({
        "id": [1, 2, 3], "township_code": ["A", "B", "B"], "township_name": ["甲乡", "乙镇", "乙镇"],
        "text": ["甲乡 2 个项目逾期", "乙镇 资金结余率 80%", "乙镇 旧事项"], "status": ["已销号", "未销号", "未销号"],
        "deadline": [dt.date(2020, 11, 20), dt.date(2020, 11, 10), dt.date(2020, 12, 1)]})
    out = followup(last, now, rectify)
    assert out["followup_summary"] == "上期通报督办事项 3 项：已销号 1 项，未销号 1 项，未列入整改清单 1 项。"
    assert [r[3] for r in out["followup"]] == ["已销号；本周已消除", "未销号；本周仍存在", "未列入整改清单；本周已消除"]
    steps = next_steps(rectify, {"B": "王县长"}, dt.date(2020, 11, 16))
    assert steps == [("1", "乙镇 资金结余率 80%", "乙镇", "王县长", "2020年11月10日（已超期）"),
                     ("2", "乙镇 旧事项", "乙镇", "王县长", "2020年12月1日")]
