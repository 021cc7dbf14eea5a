"""The pandas baseline of the benchmark (bench/pandas_baseline.py) against the DuckDB path.

The baseline is written from DESIGN.md "Indicator definitions" independently of
queries/township_indicators.sql, so agreement on the demo county at several dates is a cross-check of
both: of the SQL (that the report follows the text) and of the baseline (that the benchmark compares like
with like). A few hand-worked values from tests/fixtures/tiny_expected.md pin the baseline on its own.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT))

import settings as settings_module  # noqa: E402
from bench.pandas_baseline import COLUMNS, SCORE_PARTS, read_tables, township_indicators_pandas  # noqa: E402
from ingest import publish  # noqa: E402
from queries.indicators import REPORT_COLUMNS, township_indicators  # noqa: E402
from queries.runner import Database  # noqa: E402

# Cut-off of the demo, the end of a year, and a mid-year date before the last two income years.
DATES = ["2020-11-16", "2019-12-31", "2018-06-30"]
REL = 1e-9
ABS = 1e-12  # only for values that are 0 in exact arithmetic and a few ulps off it in floating point


def _blank(value) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value)) or \
        str(value) in ("<NA>", "nan", "NaT")


def _same(a, b) -> bool:
    if _blank(a) or _blank(b):
        return _blank(a) and _blank(b)
    if isinstance(a, bool) or isinstance(b, bool) or str(a) in ("true", "false"):
        return str(a).lower() == str(b).lower()
    try:
        return math.isclose(float(a), float(b), rel_tol=REL, abs_tol=ABS)
    except ValueError:
        return str(a) == str(b)


def _differences(expected: list[dict], actual: list[dict], columns) -> list[str]:
    assert [r["township_code"] for r in expected] == [r["township_code"] for r in actual]
    return [f"{e['township_code']}.{c}: sql={e[c]!r} pandas={a[c]!r}"
            for e, a in zip(expected, actual) for c in columns if not _same(e[c], a[c])]


@pytest.fixture(scope="module")
def demo_tables(demo_db):
    with duckdb.connect(str(publish.current(demo_db)), read_only=True) as con:
        return read_tables(con)


def test_baseline_has_the_report_columns_in_design_order():
    assert COLUMNS == REPORT_COLUMNS


@pytest.mark.parametrize("as_of", DATES)
def test_baseline_equals_report_csv_on_demo_county(demo_db, demo_tables, tmp_path, as_of):
    run_cli("queries", "report", "--db", str(demo_db), "--as-of", as_of, "--out", str(tmp_path))
    with (tmp_path / "township_indicators.csv").open(encoding="utf-8") as f:
        report = list(csv.DictReader(f))
    baseline = township_indicators_pandas(demo_tables, dt.date.fromisoformat(as_of), settings_module.load())
    assert len(report) >= 17 and report[-1]["township_code"] == "ALL"
    assert _differences(report, baseline.to_dict("records"), COLUMNS) == []


@pytest.mark.parametrize("as_of", DATES)
def test_baseline_equals_sql_score_parts_on_demo_county(demo_db, demo_tables, as_of):
    day = dt.date.fromisoformat(as_of)
    with Database.open(demo_db) as db:
        sql = township_indicators(db, day).to_dicts()
    baseline = township_indicators_pandas(demo_tables, day, settings_module.load())
    assert _differences(sql, baseline.to_dict("records"), SCORE_PARTS + ("score", "rank")) == []
    ranks = baseline["rank"].dropna().astype(int).tolist()
    assert sorted(ranks) == list(range(1, len(ranks) + 1))


@pytest.fixture(scope="module")
def tiny_tables(tmp_path_factory):
    db = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    run_cli("ingest", "load", str(ROOT / "tests" / "fixtures" / "tiny"), "--db", str(db))
    with duckdb.connect(str(publish.current(db)), read_only=True) as con:
        return read_tables(con)


def _rows(frame) -> dict[str, dict]:
    return {r["township_code"]: r for r in frame.to_dict("records")}


def test_baseline_tie_and_equal_values_follow_design_on_tiny_county(tiny_tables):
    # tiny_expected.md §3: completion and balance equal in T01 and T02 (min = max -> s = 1 even for the
    # lower-is-better balance), T03 blank (s = 0); scores 80, 80, 10; the tie goes to the smaller code.
    rows = _rows(township_indicators_pandas(tiny_tables, dt.date(2020, 6, 30), settings_module.load()))
    assert [rows[t]["s_balance"] for t in ("T01", "T02", "T03")] == [1, 1, 0]
    assert [rows[t]["s_completion"] for t in ("T01", "T02", "T03")] == [1, 1, 0]
    assert rows["T01"]["score"] == pytest.approx(80) and rows["T02"]["score"] == pytest.approx(80)
    assert rows["T03"]["score"] == pytest.approx(10)
    assert [rows[t]["rank"] for t in ("T01", "T02", "T03")] == [1, 2, 3]
    assert rows["T02"]["lagging"] and not rows["T01"]["lagging"]
    assert _blank(rows["ALL"]["score"]) and _blank(rows["ALL"]["rank"])
    assert rows["ALL"]["balance_rate_pct"] == pytest.approx(50)
    assert rows["ALL"]["industry_share_pct"] == pytest.approx(100 * 100 / 150)


def test_baseline_year_end_values_follow_design_on_tiny_county(tiny_tables):
    # tiny_expected.md §2 (D1 = 2019-12-31): same-day events, previous-year allocation, one-value target.
    rows = _rows(township_indicators_pandas(tiny_tables, dt.date(2019, 12, 31), settings_module.load()))
    assert rows["T01"]["poor_persons"] == 7 and rows["T01"]["exited_persons_ytd"] == 4
    assert rows["T01"]["allocated_wan"] == pytest.approx(80) and rows["T01"]["spent_wan"] == pytest.approx(60)
    assert rows["T02"]["income_growth_pct"] == pytest.approx(75)
    assert _blank(rows["T03"]["income_growth_pct"]) and rows["T03"]["income_year"] == 2019
    assert rows["ALL"]["incidence_drop_pp"] == pytest.approx(100 * 5 / 1400)
    assert [rows[t]["score"] for t in ("T01", "T02", "T03")] == pytest.approx([27.5, 130 / 3, 60])
    assert [rows[t]["rank"] for t in ("T01", "T02", "T03")] == [3, 2, 1]
