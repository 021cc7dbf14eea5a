"""Hand-worked acceptance tests for `python -m queries report` (township_indicators.csv).

These tests check the loader and the report CLI from the outside, as subprocesses, against numbers that
were worked out by hand from the "Indicator definitions" in DESIGN.md for the tiny county in
tests/fixtures/tiny/. The derivation of every expected value is written out in
tests/fixtures/tiny_expected.md. Nothing here imports or calls the project's code to obtain an expected
value: expected values are literals or arithmetic on small literals.

Each checked as-of date is loaded once (module-scoped fixtures): once from the CSV folder and once from an
.xlsx workbook built here from the same CSVs, with real Excel date cells and numeric cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "tiny"
TOL = 1e-6
BLANK = ""

D1 = "2019-12-31"  # year end, Y = 2019, income year I = 2019 = Y
D2 = "2020-06-30"  # mid-year of a leap year, I = 2019 < Y = 2020
D3 = "2020-12-31"  # year end of a leap year, I = 2019 < Y = 2020
DATES = [D1, D2, D3]

# The column list of township_indicators.csv, exactly as in DESIGN.md.
COLUMNS = [
    "township_code", "township_name", "rural_population", "poor_persons", "incidence_pct",
    "incidence_prev_pct", "incidence_drop_pp", "income_year", "income_pc", "income_pc_prev",
    "income_growth_pct", "allocated_wan", "spent_wan", "balance_rate_pct", "industry_share_pct",
    "projects", "projects_completed", "completion_pct", "overdue_projects", "target_exit_persons",
    "exited_persons_ytd", "target_progress_pct", "time_progress_pct", "lagging", "score", "rank",
]

# Non-integer measures: "Numbers are written with at least 4 decimal places".
FLOAT_COLUMNS = [
    "incidence_pct", "incidence_prev_pct", "incidence_drop_pp", "income_pc", "income_pc_prev",
    "income_growth_pct", "allocated_wan", "spent_wan", "balance_rate_pct", "industry_share_pct",
    "completion_pct", "target_progress_pct", "time_progress_pct", "score",
]

GROUPS = {
    "incidence": ["rural_population", "poor_persons", "incidence_pct", "incidence_prev_pct",
                  "incidence_drop_pp"],
    "income": ["income_year", "income_pc", "income_pc_prev", "income_growth_pct"],
    "funds": ["allocated_wan", "spent_wan", "balance_rate_pct", "industry_share_pct"],
    "projects": ["projects", "projects_completed", "completion_pct", "overdue_projects"],
    "target": ["target_exit_persons", "exited_persons_ytd", "target_progress_pct", "time_progress_pct",
               "lagging"],
    "score": ["score", "rank"],
}

# ---------------------------------------------------------------------------------------------------
# Per-capita incomes (元), I = 2019 at every checked date; households counted at D with records in both
# 2019 and 2018 (see tiny_expected.md, "Incomes").
# T01: H01 (4), H02 (3), H03 (4) at every date (H04 has no 2018 record).
T01_PC = (3000 * 4 + 2400 * 3 + 3300 * 4) / (4 + 3 + 4)          # 32400/11
T01_PC_PREV = (2500 * 4 + 2000 * 3 + 3000 * 4) / (4 + 3 + 4)     # 28000/11
T01_GROWTH = 100 * ((3000 * 4 + 2400 * 3 + 3300 * 4) / (2500 * 4 + 2000 * 3 + 3000 * 4) - 1)
# T02 at D1: H05 (4), H06 (3), H08 (2, still 未脱贫); H07 has no 2018 record.
T02_PC_D1 = (4000 * 4 + 3000 * 3 + 5000 * 2) / (4 + 3 + 2)       # 35000/9
T02_PC_PREV_D1 = (3000 * 4 + 2000 * 3 + 1000 * 2) / (4 + 3 + 2)  # 20000/9
T02_GROWTH_D1 = 100 * (35000 / 20000 - 1)                         # 75
# T02 at D2, D3: H05, H06 only (H08 清退 on 2020-05-01 counts nowhere, not even income).
T02_PC_D2 = (4000 * 4 + 3000 * 3) / (4 + 3)                      # 25000/7
T02_PC_PREV_D2 = (3000 * 4 + 2000 * 3) / (4 + 3)                 # 18000/7
T02_GROWTH_D2 = 100 * (25000 / 18000 - 1)                         # 100*7/18
# County.
ALL_PC_D1 = (32400 + 35000) / (11 + 9)                            # 3370
ALL_PC_PREV_D1 = (28000 + 20000) / (11 + 9)                       # 2400
ALL_GROWTH_D1 = 100 * (3370 / 2400 - 1)
ALL_PC_D2 = (32400 + 25000) / (11 + 7)                            # 57400/18
ALL_PC_PREV_D2 = (28000 + 18000) / (11 + 7)                       # 46000/18
ALL_GROWTH_D2 = 100 * (57400 / 46000 - 1)


def _row(**values):
    assert list(values) == COLUMNS, "expected row must list the DESIGN.md columns in order"
    return values


EXPECTED = {
    # ---------------------------------------------------------------- 2019-12-31 (Y = 2019, prev 2018-12-31)
    D1: {
        "T01": _row(
            township_code="T01", township_name="东山镇", rural_population=500,
            poor_persons=3 + 4,                       # H02 (same-day 脱贫+返贫 -> poor) + H03; H04 no event yet
            incidence_pct=100 * 7 / 500, incidence_prev_pct=100 * 7 / 500, incidence_drop_pp=0,
            income_year=2019, income_pc=T01_PC, income_pc_prev=T01_PC_PREV, income_growth_pct=T01_GROWTH,
            allocated_wan=50 + 30, spent_wan=60,      # P1901: 2018-12-15 allocation counts; 2020-01-15 payment not
            balance_rate_pct=100 * (80 - 60) / 80, industry_share_pct=100 * 80 / 80,
            projects=1, projects_completed=1, completion_pct=100 * 1 / 1, overdue_projects=0,
            target_exit_persons=0, exited_persons_ytd=4,  # no 2019 plan row; H01 same-day 纳入+脱贫
            target_progress_pct=BLANK, time_progress_pct=100 * 365 / 365, lagging="false",
            score=25 * 0 + 20 * 0 + 20 * 0 + 20 * 1 + 15 * 0.5, rank=3,
        ),
        "T02": _row(
            township_code="T02", township_name="西河乡", rural_population=500,
            poor_persons=3 + 2,                       # H06 (返贫 2019-05-10) + H08
            incidence_pct=100 * 5 / 500, incidence_prev_pct=100 * 7 / 500,
            incidence_drop_pp=100 * 7 / 500 - 100 * 5 / 500,
            income_year=2019, income_pc=T02_PC_D1, income_pc_prev=T02_PC_PREV_D1,
            income_growth_pct=T02_GROWTH_D1,
            allocated_wan=60 + 40, spent_wan=40 + 10,  # P1902 + P1903; P2003's 2019 allocation is a 2020 project
            balance_rate_pct=100 * (100 - 50) / 100, industry_share_pct=100 * 60 / 100,
            projects=2, projects_completed=1, completion_pct=100 * 1 / 2, overdue_projects=1,  # P1903
            target_exit_persons=0, exited_persons_ytd=5,  # only a 2018 plan row; H07 exited 2019-11-20
            target_progress_pct=BLANK, time_progress_pct=100 * 365 / 365, lagging="false",
            score=25 * (0.4 / 0.75) + 20 * 1 + 20 * 0 + 20 * 0.5 + 15 * 0, rank=2,
        ),
        "T03": _row(
            township_code="T03", township_name="南岭乡", rural_population=250 + 150,
            poor_persons=4 + 2,                       # H10 + H11; H09 脱贫 dated on D
            incidence_pct=100 * 6 / 400, incidence_prev_pct=100 * 9 / 400,
            incidence_drop_pp=100 * 9 / 400 - 100 * 6 / 400,
            income_year=2019, income_pc=BLANK, income_pc_prev=BLANK, income_growth_pct=BLANK,
            allocated_wan=40, spent_wan=40,           # P1904; its 2020-02-01 allocation is after D
            balance_rate_pct=100 * (40 - 40) / 40, industry_share_pct=100 * 0 / 40,
            projects=1, projects_completed=0, completion_pct=100 * 0 / 1,
            overdue_projects=0,                       # P1904 no report (未开工), planned end == D
            target_exit_persons=3, exited_persons_ytd=3,
            target_progress_pct=100 * 3 / 3, time_progress_pct=100 * 365 / 365, lagging="false",
            score=25 * 1 + 20 * 0 + 20 * 1 + 20 * 0 + 15 * 1, rank=1,
        ),
        "ALL": _row(
            township_code="ALL", township_name="全县", rural_population=1400,
            poor_persons=7 + 5 + 6,
            incidence_pct=100 * 18 / 1400, incidence_prev_pct=100 * 23 / 1400,
            incidence_drop_pp=100 * 23 / 1400 - 100 * 18 / 1400,
            income_year=2019, income_pc=ALL_PC_D1, income_pc_prev=ALL_PC_PREV_D1,
            income_growth_pct=ALL_GROWTH_D1,
            allocated_wan=80 + 100 + 40, spent_wan=60 + 50 + 40,
            balance_rate_pct=100 * (220 - 150) / 220, industry_share_pct=100 * (80 + 60) / 220,
            projects=4, projects_completed=2, completion_pct=100 * 2 / 4, overdue_projects=1,
            target_exit_persons=3, exited_persons_ytd=4 + 5 + 3,
            target_progress_pct=100 * 12 / 3, time_progress_pct=100 * 365 / 365, lagging="false",
            score=BLANK, rank=BLANK,
        ),
    },
    # ---------------------------------------------------------------- 2020-06-30 (Y = 2020, prev 2019-12-31)
    D2: {
        "T01": _row(
            township_code="T01", township_name="东山镇", rural_population=500,
            poor_persons=2,                           # H04 (纳入 2020-03-01)
            incidence_pct=100 * 2 / 500, incidence_prev_pct=100 * 7 / 500,
            incidence_drop_pp=100 * 7 / 500 - 100 * 2 / 500,
            income_year=2019, income_pc=T01_PC, income_pc_prev=T01_PC_PREV, income_growth_pct=T01_GROWTH,
            allocated_wan=40 + 10, spent_wan=20 + 5,  # P2001's 2020-08-01 allocation is after D
            balance_rate_pct=100 * (50 - 25) / 50, industry_share_pct=100 * 40 / 50,
            projects=2, projects_completed=1, completion_pct=100 * 1 / 2,
            overdue_projects=1,                       # P2001: 在建 at D (07-10 report later), end 06-15 < D
            target_exit_persons=10, exited_persons_ytd=3 + 4,  # H02 (2020-06-10) + H03 (2020-05-15)
            target_progress_pct=100 * 7 / 10, time_progress_pct=100 * 182 / 366, lagging="false",
            score=25 * 1 + 20 * 0 + 20 * 1 + 20 * 1 + 15 * 1, rank=1,  # tie with T02, smaller code
        ),
        "T02": _row(
            township_code="T02", township_name="西河乡", rural_population=500,
            poor_persons=0,                           # H06 exited 2020-04-20, H08 清退 2020-05-01
            incidence_pct=100 * 0 / 500, incidence_prev_pct=100 * 5 / 500,
            incidence_drop_pp=100 * 5 / 500 - 0,
            income_year=2019, income_pc=T02_PC_D2, income_pc_prev=T02_PC_PREV_D2,
            income_growth_pct=T02_GROWTH_D2,
            allocated_wan=60 + 40,                    # P2003's allocation dated 2019-12-20 counts for 2020
            spent_wan=30 + 20,                        # P2004's payment on D counts
            balance_rate_pct=100 * (100 - 50) / 100, industry_share_pct=100 * 60 / 100,
            projects=2, projects_completed=1, completion_pct=100 * 1 / 2,
            overdue_projects=0,                       # P2003 end == D: not overdue; P1903 is a 2019 project
            target_exit_persons=10, exited_persons_ytd=3,  # H06, last 脱贫 2020-04-20
            target_progress_pct=100 * 3 / 10, time_progress_pct=100 * 182 / 366, lagging="true",
            score=25 * 1 + 20 * 1 + 20 * 0 + 20 * 1 + 15 * 1, rank=2,
        ),
        "T03": _row(
            township_code="T03", township_name="南岭乡", rural_population=400,
            poor_persons=4,
            incidence_pct=100 * 4 / 400, incidence_prev_pct=100 * 6 / 400,
            incidence_drop_pp=100 * 6 / 400 - 100 * 4 / 400,
            income_year=2019, income_pc=BLANK, income_pc_prev=BLANK, income_growth_pct=BLANK,
            allocated_wan=0, spent_wan=0, balance_rate_pct=BLANK, industry_share_pct=BLANK,
            projects=0, projects_completed=0, completion_pct=BLANK, overdue_projects=0,
            target_exit_persons=4, exited_persons_ytd=2,  # H11 (2020-06-01)
            target_progress_pct=100 * 2 / 4, time_progress_pct=100 * 182 / 366, lagging="false",
            score=25 * 0 + 20 * 0 + 20 * ((50 - 30) / (70 - 30)) + 20 * 0 + 15 * 0, rank=3,
        ),
        "ALL": _row(
            township_code="ALL", township_name="全县", rural_population=1400,
            poor_persons=2 + 0 + 4,
            incidence_pct=100 * 6 / 1400, incidence_prev_pct=100 * 18 / 1400,
            incidence_drop_pp=100 * 18 / 1400 - 100 * 6 / 1400,
            income_year=2019, income_pc=ALL_PC_D2, income_pc_prev=ALL_PC_PREV_D2,
            income_growth_pct=ALL_GROWTH_D2,
            allocated_wan=50 + 100, spent_wan=25 + 50,
            balance_rate_pct=100 * (150 - 75) / 150, industry_share_pct=100 * (40 + 60) / 150,
            projects=4, projects_completed=2, completion_pct=100 * 2 / 4, overdue_projects=1,
            target_exit_persons=10 + 10 + 4, exited_persons_ytd=7 + 3 + 2,
            target_progress_pct=100 * 12 / 24, time_progress_pct=100 * 182 / 366, lagging="false",
            score=BLANK, rank=BLANK,
        ),
    },
    # ---------------------------------------------------------------- 2020-12-31 (Y = 2020, prev 2019-12-31)
    D3: {
        "T01": _row(
            township_code="T01", township_name="东山镇", rural_population=500,
            poor_persons=0,                           # H04 脱贫 dated on D
            incidence_pct=0, incidence_prev_pct=100 * 7 / 500, incidence_drop_pp=100 * 7 / 500 - 0,
            income_year=2019, income_pc=T01_PC, income_pc_prev=T01_PC_PREV, income_growth_pct=T01_GROWTH,
            allocated_wan=40 + 20 + 10, spent_wan=20 + 15 + 5,  # P2002's 2021-01-10 payment not
            balance_rate_pct=100 * (70 - 40) / 70, industry_share_pct=100 * (40 + 20) / 70,
            projects=2, projects_completed=1, completion_pct=100 * 1 / 2,
            overdue_projects=1,                       # P2002: latest report 11-15 在建, end 09-30 < D
            target_exit_persons=10, exited_persons_ytd=3 + 4 + 2,
            target_progress_pct=100 * 9 / 10, time_progress_pct=100 * 366 / 366,
            lagging="false",                          # 90 < 100 - 10 is false (strict)
            score=25 * 1 + 20 * 0 + 20 * 1 + 20 * 0 + 15 * 0, rank=2,
        ),
        "T02": _row(
            township_code="T02", township_name="西河乡", rural_population=500,
            poor_persons=0,
            incidence_pct=0, incidence_prev_pct=100 * 5 / 500, incidence_drop_pp=100 * 5 / 500 - 0,
            income_year=2019, income_pc=T02_PC_D2, income_pc_prev=T02_PC_PREV_D2,
            income_growth_pct=T02_GROWTH_D2,
            allocated_wan=60 + 40,                    # P2004's 2021-01-05 allocation is after D
            spent_wan=30 + 30 + 20,
            balance_rate_pct=100 * (100 - 80) / 100, industry_share_pct=100 * 60 / 100,
            projects=2, projects_completed=2, completion_pct=100 * 2 / 2, overdue_projects=0,
            target_exit_persons=10, exited_persons_ytd=3,
            target_progress_pct=100 * 3 / 10, time_progress_pct=100 * 366 / 366, lagging="true",
            score=25 * ((1.0 - 0.5) / (1.4 - 0.5)) + 20 * 1 + 20 * 0 + 20 * 1 + 15 * 1, rank=1,
        ),
        "T03": _row(
            township_code="T03", township_name="南岭乡", rural_population=400,
            poor_persons=4,
            incidence_pct=100 * 4 / 400, incidence_prev_pct=100 * 6 / 400,
            incidence_drop_pp=100 * 6 / 400 - 100 * 4 / 400,
            income_year=2019, income_pc=BLANK, income_pc_prev=BLANK, income_growth_pct=BLANK,
            allocated_wan=0, spent_wan=0, balance_rate_pct=BLANK, industry_share_pct=BLANK,
            projects=0, projects_completed=0, completion_pct=BLANK, overdue_projects=0,
            target_exit_persons=4, exited_persons_ytd=2,
            target_progress_pct=100 * 2 / 4, time_progress_pct=100 * 366 / 366, lagging="true",
            score=25 * 0 + 20 * 0 + 20 * ((50 - 30) / (90 - 30)) + 20 * 0 + 15 * 0, rank=3,
        ),
        "ALL": _row(
            township_code="ALL", township_name="全县", rural_population=1400,
            poor_persons=4,
            incidence_pct=100 * 4 / 1400, incidence_prev_pct=100 * 18 / 1400,
            incidence_drop_pp=100 * 18 / 1400 - 100 * 4 / 1400,
            income_year=2019, income_pc=ALL_PC_D2, income_pc_prev=ALL_PC_PREV_D2,
            income_growth_pct=ALL_GROWTH_D2,
            allocated_wan=70 + 100, spent_wan=40 + 80,
            balance_rate_pct=100 * (170 - 120) / 170, industry_share_pct=100 * (60 + 60) / 170,
            projects=4, projects_completed=3, completion_pct=100 * 3 / 4, overdue_projects=1,
            target_exit_persons=24, exited_persons_ytd=9 + 3 + 2,
            target_progress_pct=100 * 14 / 24, time_progress_pct=100 * 366 / 366, lagging="true",
            score=BLANK, rank=BLANK,
        ),
    },
}

TOWNSHIPS = ["T01", "T02", "T03"]

# ---------------------------------------------------------------------------------------------------
# Running the CLI


def _run(args: list[str]) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"`python -m {' '.join(args)}` exited with {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
    return proc


def _load_and_report(source: Path, workdir: Path) -> dict:
    """Load `source` into a fresh database and run the report for every checked date."""
    db = workdir / "t.duckdb"
    _run(["ingest", "load", str(source), "--db", str(db)])
    reports = {}
    for date in DATES:
        out = workdir / f"out-{date}"
        out.mkdir(parents=True, exist_ok=True)
        _run(["queries", "report", "--db", str(db), "--as-of", date, "--out", str(out)])
        path = out / "township_indicators.csv"
        assert path.exists(), f"report for {date} did not write {path}"
        text = path.read_text(encoding="utf-8-sig")
        rows = list(csv.reader(text.splitlines()))
        assert rows, f"{path} is empty"
        reports[date] = {"header": rows[0], "rows": rows[1:], "text": text}
    return reports


DATE_HEADERS = {"日期", "计划开工日期", "计划完工日期", "填报日期", "下达日期", "支付日期"}
INT_HEADERS = {"出列年份", "农业户籍人口", "家庭人口数", "劳动力人数", "年度", "受益贫困户数",
               "形象进度", "计划脱贫人数", "计划出列村数"}
MONEY_HEADERS = {"人均纯收入", "计划投资", "金额", "集体经济收入"}
SHEET_ORDER = ["乡镇", "村", "农户", "农户状态", "收入", "项目", "项目进度", "资金下达", "资金支出",
               "年度计划", "村集体经济"]


def _build_workbook(path: Path) -> None:
    """One sheet per fixture CSV; dates as real Excel date cells, numbers as numeric cells."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    names = [p.stem for p in sorted(FIXTURE.glob("*.csv"))]
    assert sorted(names) == sorted(SHEET_ORDER), names
    for name in SHEET_ORDER:
        ws = wb.create_sheet(name)
        with open(FIXTURE / f"{name}.csv", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            ws.append(header)
            for raw in reader:
                cells = []
                for col, value in zip(header, raw):
                    if value == "":
                        cells.append(None)
                    elif col in DATE_HEADERS:
                        cells.append(dt.date.fromisoformat(value))
                    elif col in INT_HEADERS:
                        cells.append(int(value))
                    elif col in MONEY_HEADERS:
                        cells.append(float(value))
                    else:
                        cells.append(value)
                ws.append(cells)
    wb.save(path)


@pytest.fixture(scope="module")
def csv_reports(tmp_path_factory):
    return _load_and_report(FIXTURE, tmp_path_factory.mktemp("tiny_csv"))


@pytest.fixture(scope="module")
def xlsx_reports(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("tiny_xlsx")
    book = workdir / "tiny.xlsx"
    _build_workbook(book)
    return _load_and_report(book, workdir)


# ---------------------------------------------------------------------------------------------------
# Helpers


def _by_code(report: dict) -> dict[str, dict[str, str]]:
    header = report["header"]
    out = {}
    for raw in report["rows"]:
        row = dict(zip(header, raw))
        code = row.get("township_code")
        assert code not in out, f"township_code {code!r} appears twice"
        out[code] = row
    return out


def _cell_problem(col: str, actual: str | None, expected) -> str | None:
    if actual is None:
        return f"{col}: column missing"
    if isinstance(expected, str):
        if actual != expected:
            return f"{col}: got {actual!r}, expected {expected!r}"
        return None
    try:
        value = float(actual)
    except ValueError:
        return f"{col}: got {actual!r}, expected the number {expected!r}"
    if abs(value - expected) > TOL:
        return f"{col}: got {actual!r}, expected {expected!r}"
    return None


def _check(report: dict, date: str, codes: list[str], columns: list[str], rule: str) -> None:
    rows = _by_code(report)
    problems = []
    for code in codes:
        if code not in rows:
            problems.append(f"{code}: row missing")
            continue
        for col in columns:
            problem = _cell_problem(col, rows[code].get(col), EXPECTED[date][code][col])
            if problem:
                problems.append(f"{code} {problem}")
    assert not problems, f"as of {date} ({rule}):\n  " + "\n  ".join(problems)


ALL_ROWS = TOWNSHIPS + ["ALL"]

# ---------------------------------------------------------------------------------------------------
# Shape of the file


@pytest.mark.parametrize("date", DATES)
def test_header_is_the_design_column_list(csv_reports, date):
    assert csv_reports[date]["header"] == COLUMNS


@pytest.mark.parametrize("date", DATES)
def test_rows_are_one_per_township_then_all_last(csv_reports, date):
    codes = [raw[0] if raw else "" for raw in csv_reports[date]["rows"]]
    assert len(codes) == 4, f"expected 3 townships + ALL, got {codes}"
    assert codes[-1] == "ALL", f"ALL must be the last row, got {codes}"
    assert sorted(codes[:-1]) == TOWNSHIPS, codes


@pytest.mark.parametrize("date", DATES)
def test_all_row_is_county_wide_with_blank_score_and_rank(csv_reports, date):
    _check(csv_reports[date], date, ["ALL"], COLUMNS, "ALL row: county-wide values, score and rank blank")


@pytest.mark.parametrize("date", DATES)
def test_numbers_written_with_at_least_four_decimals(csv_reports, date):
    pattern = re.compile(r"^-?\d+\.\d{4,}$")
    bad = []
    for code, row in _by_code(csv_reports[date]).items():
        for col in FLOAT_COLUMNS:
            value = row.get(col, "")
            if value != "" and not pattern.match(value):
                bad.append(f"{code} {col}={value!r}")
    assert not bad, "numbers must be written with at least 4 decimal places: " + ", ".join(bad)


# ---------------------------------------------------------------------------------------------------
# Every cell, one test per column group and date


@pytest.mark.parametrize("date", DATES)
def test_township_codes_and_names(csv_reports, date):
    _check(csv_reports[date], date, ALL_ROWS, ["township_code", "township_name"], "codes and names")


@pytest.mark.parametrize("date", DATES)
def test_status_by_last_event_gives_poor_persons_and_incidence_drop(csv_reports, date):
    _check(csv_reports[date], date, ALL_ROWS, GROUPS["incidence"],
           "status = last event <= D, same-day order 纳入,脱贫,返贫,清退; incidence vs (Y-1)-12-31")


@pytest.mark.parametrize("date", DATES)
def test_income_growth_over_households_with_both_years_of_county_income_year(csv_reports, date):
    _check(csv_reports[date], date, ALL_ROWS, GROUPS["income"],
           "one county income year I <= Y; households counted at D with records in I and I-1")


@pytest.mark.parametrize("date", DATES)
def test_funds_of_year_y_by_project_year_dated_on_or_before_d(csv_reports, date):
    _check(csv_reports[date], date, ALL_ROWS, GROUPS["funds"],
           "funds of projects of year Y dated <= D; balance and industry share blank when allocated is 0")


@pytest.mark.parametrize("date", DATES)
def test_project_status_from_latest_report_and_strict_overdue(csv_reports, date):
    _check(csv_reports[date], date, ALL_ROWS, GROUPS["projects"],
           "projects of year Y; latest report <= D; no report = 未开工; overdue = end < D and not completed")


@pytest.mark.parametrize("date", DATES)
def test_target_progress_against_time_progress_and_lagging(csv_reports, date):
    _check(csv_reports[date], date, ALL_ROWS, GROUPS["target"],
           "ytd by last 脱贫 in year Y; target 0 -> blank, never lags; lag threshold 10")


@pytest.mark.parametrize("date", DATES)
def test_composite_score_and_rank(csv_reports, date):
    _check(csv_reports[date], date, ALL_ROWS, GROUPS["score"],
           "min-max scores, blank = 0, min == max = 1, weights 25/20/20/20/15, ties to smaller code")


# ---------------------------------------------------------------------------------------------------
# Named rules, pointing at the cells that hold them


def test_same_day_entry_and_exit_counts_as_exited(csv_reports):
    # H01 (T01, 4 persons): 纳入 and 脱贫 both on 2019-07-01, listed 脱贫 first in the file.
    _check(csv_reports[D1], D1, ["T01"], ["exited_persons_ytd"], "same-day 纳入 then 脱贫 -> 已脱贫")


def test_same_day_exit_and_return_counts_as_poor(csv_reports):
    # H02 (T01, 3 persons): 脱贫 and 返贫 both on 2019-09-01 -> 未脱贫 at 2019-12-31.
    _check(csv_reports[D1], D1, ["T01"], ["poor_persons", "incidence_pct", "exited_persons_ytd"],
           "same-day 脱贫 then 返贫 -> 未脱贫")


def test_household_with_return_then_exit_counts_in_year_of_last_exit(csv_reports):
    # H06 (T02): 纳入 2016, 脱贫 2018, 返贫 2019-05-10, 脱贫 2020-04-20.
    _check(csv_reports[D1], D1, ["T02"], ["poor_persons"], "返贫 household is poor again")
    _check(csv_reports[D2], D2, ["T02"], ["exited_persons_ytd"], "last 脱贫 (2020) decides the ytd year")


def test_removed_household_counts_nowhere_not_even_income(csv_reports):
    # H08 (T02): 脱贫 and 清退 both on 2020-05-01 (清退 listed first; 清退 applies last); it has 2018 and
    # 2019 incomes that would change T02's growth.
    _check(csv_reports[D1], D1, ["T02"], ["poor_persons", "income_pc", "income_growth_pct"],
           "before 清退 it counts")
    _check(csv_reports[D2], D2, ["T02"],
           ["poor_persons", "exited_persons_ytd", "income_pc", "income_pc_prev", "income_growth_pct"],
           "after 清退 (same day as a 脱贫) it counts nowhere")


def test_household_with_no_event_yet_is_not_counted(csv_reports):
    # H04 (T01): first event 纳入 2020-03-01.
    _check(csv_reports[D1], D1, ["T01", "ALL"], ["poor_persons"], "no event yet -> not counted")
    _check(csv_reports[D2], D2, ["T01"], ["poor_persons"], "after 纳入 it is poor")


def test_events_reports_and_payments_dated_on_the_as_of_date_count(csv_reports):
    _check(csv_reports[D1], D1, ["T03"], ["poor_persons", "exited_persons_ytd"], "H09 脱贫 on D")
    _check(csv_reports[D1], D1, ["T01"], ["projects_completed"], "P1901 已验收 report on D")
    _check(csv_reports[D2], D2, ["T02"], ["spent_wan"], "P2004 payment on D")
    _check(csv_reports[D3], D3, ["T01"], ["poor_persons", "exited_persons_ytd"], "H04 脱贫 on D")


def test_income_missing_in_one_year_excludes_the_household(csv_reports):
    # H04 (T01) and H07 (T02) have a 2019 record but none for 2018.
    _check(csv_reports[D2], D2, ["T01"], ["income_pc", "income_pc_prev"], "H04 excluded")
    _check(csv_reports[D1], D1, ["T02"], ["income_pc", "income_pc_prev"], "H07 excluded")


def test_income_year_is_one_county_value_even_below_y(csv_reports):
    # Y = 2020, no 2020 income records, one 2021 record (> Y): I = 2019 for every row; T03 only has
    # 2017/2018 records, so it has no household with records in 2019 and 2018 -> blank.
    _check(csv_reports[D2], D2, ALL_ROWS, ["income_year"], "I = latest year <= Y in the county")
    _check(csv_reports[D2], D2, ["T03"], ["income_pc", "income_pc_prev", "income_growth_pct"],
           "township without records in I is blank, not computed on its own latest year")


def test_township_without_projects_in_year_has_zero_funds_and_blank_rates(csv_reports):
    for date in (D2, D3):
        _check(csv_reports[date], date, ["T03"], GROUPS["funds"] + GROUPS["projects"],
               "no project of year Y: allocated/spent 0, rates and completion blank")


def test_allocation_dated_in_previous_year_counts_for_its_project_year(csv_reports):
    _check(csv_reports[D1], D1, ["T01"], ["allocated_wan"], "P1901's 2018-12-15 allocation counts in 2019")
    _check(csv_reports[D1], D1, ["T02"], ["allocated_wan"], "P2003's 2019-12-20 allocation is not 2019 money")
    _check(csv_reports[D2], D2, ["T02"], ["allocated_wan", "industry_share_pct"],
           "P2003's 2019-12-20 allocation counts in 2020")


def test_allocation_and_payment_after_as_of_date_do_not_count(csv_reports):
    _check(csv_reports[D1], D1, ["T01"], ["spent_wan"], "P1901 payment 2020-01-15")
    _check(csv_reports[D1], D1, ["T03"], ["allocated_wan"], "P1904 allocation 2020-02-01")
    _check(csv_reports[D2], D2, ["T01"], ["allocated_wan"], "P2001 allocation 2020-08-01")
    _check(csv_reports[D3], D3, ["T01"], ["spent_wan"], "P2002 payment 2021-01-10")
    _check(csv_reports[D3], D3, ["T02"], ["allocated_wan"], "P2004 allocation 2021-01-05")


def test_industry_share_counts_only_industry_projects(csv_reports):
    _check(csv_reports[D1], D1, ALL_ROWS, ["industry_share_pct"], "产业发展 vs other categories")
    _check(csv_reports[D3], D3, ["T01", "T02", "ALL"], ["industry_share_pct"], "产业发展 vs other categories")


def test_latest_progress_report_on_or_before_d_decides_status(csv_reports):
    # P2001: 06-20 在建, 07-10 已完工 -> not completed at 2020-06-30.
    _check(csv_reports[D2], D2, ["T01"], ["projects_completed", "overdue_projects"], "P2001 在建 at D")
    # P2002: 06-25 已完工, 11-15 在建 -> not completed and overdue at 2020-12-31.
    _check(csv_reports[D3], D3, ["T01"], ["projects_completed", "overdue_projects"], "P2002 latest is 在建")


def test_project_without_report_is_not_started_and_end_on_d_is_not_overdue(csv_reports):
    # P1904: no report, planned end 2019-12-31 == D1. P2003: 在建, planned end 2020-06-30 == D2.
    _check(csv_reports[D1], D1, ["T03"], ["projects_completed", "completion_pct", "overdue_projects"],
           "no report -> 未开工; end == D -> not overdue")
    _check(csv_reports[D2], D2, ["T02"], ["overdue_projects"], "end == D -> not overdue")


def test_overdue_counts_only_projects_of_year_y(csv_reports):
    # P1903 (T02, 2019) is still 在建 with planned end 2019-10-31, but it is not a project of 2020.
    _check(csv_reports[D1], D1, ["T02"], ["overdue_projects"], "P1903 overdue in 2019")
    _check(csv_reports[D2], D2, ["T02"], ["projects", "overdue_projects"], "P1903 not a 2020 project")


def test_township_without_plan_row_has_blank_target_progress_and_never_lags(csv_reports):
    # 2019: only T03 has a plan row; T02's 2018 row does not count for 2019.
    _check(csv_reports[D1], D1, ["T01", "T02"], ["target_exit_persons", "target_progress_pct", "lagging"],
           "target 0 -> blank target progress -> never lags")


def test_time_progress_uses_day_of_year_over_days_in_year(csv_reports):
    for date in DATES:
        _check(csv_reports[date], date, ALL_ROWS, ["time_progress_pct"], "100 × day of year / days in Y")


def test_lagging_needs_target_progress_strictly_below_time_minus_threshold(csv_reports):
    _check(csv_reports[D2], D2, ALL_ROWS, ["lagging"], "30 < 39.73 lags; 50 and 70 do not")
    _check(csv_reports[D3], D3, ["T01"], ["target_progress_pct", "lagging"], "90 is not < 100 - 10")
    _check(csv_reports[D3], D3, ["T02", "T03", "ALL"], ["lagging"], "30, 50, 58.33 < 90 lag")


def test_blank_indicator_scores_zero_and_single_value_scores_one(csv_reports):
    # D1: T03 has no income (s = 0) and is the only township with a target progress (s = 1).
    _check(csv_reports[D1], D1, TOWNSHIPS, ["score", "rank"], "blank -> 0; only one value -> 1")


def test_equal_values_score_one_and_tie_goes_to_smaller_township_code(csv_reports):
    # D2: T01 and T02 have equal completion and balance (min == max -> s = 1) and swapped income /
    # target extremes -> both 80; T01 first by code even if floating point leaves T01 a hair lower.
    _check(csv_reports[D2], D2, TOWNSHIPS, ["score", "rank"], "min == max -> 1; tie -> smaller 乡镇代码")


# ---------------------------------------------------------------------------------------------------
# The same data as one .xlsx workbook with Excel date cells


@pytest.mark.parametrize("date", DATES)
def test_xlsx_workbook_with_excel_date_cells_gives_identical_report(csv_reports, xlsx_reports, date):
    a, b = csv_reports[date], xlsx_reports[date]
    assert b["header"] == a["header"]
    assert len(b["rows"]) == len(a["rows"]), "row count differs between CSV and XLSX loads"
    problems = []
    for ra, rb in zip(a["rows"], b["rows"]):
        for col, va, vb in zip(a["header"], ra, rb):
            if va == vb:
                continue
            try:
                same = abs(float(va) - float(vb)) <= 1e-9
            except ValueError:
                same = False
            if not same:
                problems.append(f"{ra[0]} {col}: csv {va!r} vs xlsx {vb!r}")
    assert not problems, f"as of {date}, xlsx load differs from csv load:\n  " + "\n  ".join(problems)
