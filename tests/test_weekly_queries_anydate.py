"""周调度's project queries, rewritten to read the interval tables (issue 18: any date at province scale), give the
rows the queries gave before at every date: weekly_overdue_projects from project_spans instead of ranking every
progress report, weekly_idle_funds from one pass over fund_flows instead of two joins of every allocation and
payment with every project. Reference: the files as they were (tests/fixtures/weekly_queries_5a058a4/).

Every day from before the first record to the end of the year after the data date, for the whole county and for
one township, on the demo county and the tiny fixture county; both paths run for all the days in one statement
(the query's own text with $as_of read from a list of dates by a LATERAL join, as tests/test_prepared_days.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from conftest import run_cli
from ingest import publish
from queries.runner import Database, composed, sql_text

REPO = Path(__file__).resolve().parents[1]
BEFORE = REPO / "tests" / "fixtures" / "weekly_queries_5a058a4"
IDLE = {"idle_days": 90, "idle_ratio": 0.2}
QUERIES = {"weekly_overdue_projects": {}, "weekly_idle_funds": IDLE}


@pytest.fixture(scope="module")
def tiny_county(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("weekly_anydate") / "tiny.duckdb"
    run_cli("ingest", "load", str(REPO / "tests" / "fixtures" / "tiny"), "--db", str(db))
    return db


def _at_every_date(con, text: str, days: list[dt.date], params: dict) -> pl.DataFrame:
    body = re.sub(r"\$as_of\b", "days.as_of", text)
    batch = f"SELECT days.as_of AS view_date, q.* FROM (SELECT unnest($view_dates) AS as_of) days, LATERAL (\n{body}\n) q"
    wanted = set(re.findall(r"\$([a-z_]+)", re.sub(r"--[^\n]*", "", body)))
    return (con.sql(batch, params={"view_dates": days, **{k: v for k, v in params.items() if k in wanted}}).pl()
            .sort("view_date", "project_id"))


def _days(con) -> list[dt.date]:
    ((first, last),) = con.execute("""
        SELECT least((SELECT min(date) FROM fund_flows), (SELECT min(report_date) FROM project_progress),
                     (SELECT min(planned_end) FROM projects)),
               (SELECT max(date) FROM household_events)""").fetchall()
    return [first + dt.timedelta(days=k) for k in range(-1, (dt.date(last.year + 1, 12, 31) - first).days + 1)]


def _assert_same_rows(db: Path) -> dict[str, int]:
    """Rows compared per query (to show the test compares something)."""
    con = duckdb.connect(str(publish.current(db)), read_only=True)
    compared = {}
    try:
        con.execute("SET enable_progress_bar = false")
        days = _days(con)
        one = con.execute("SELECT min(township_code) FROM projects").fetchall()[0][0]
        for name, params in QUERIES.items():
            for township in ("ALL", one):
                now = _at_every_date(con, sql_text(name)[0], days, {**params, "township": township})
                before = _at_every_date(con, composed((BEFORE / f"{name}.sql").read_text(encoding="utf-8")), days,
                                        {**params, "township": township})
                assert_frame_equal(now, before, check_exact=True)
                compared[f"{name} {township}"] = now.height
    finally:
        con.close()
    return compared


def test_demo_county_every_date(demo_db):
    compared = _assert_same_rows(demo_db)
    assert all(n > 100 for n in compared.values()), compared


def test_tiny_county_every_date(tiny_county):
    compared = _assert_same_rows(tiny_county)
    assert all(n > 0 for n in compared.values()), compared


def test_runner_answers_as_the_batch(demo_db):
    """The batch runs the file's text; the runner too, through its parameters (a spot check at the data date)."""
    with Database.open(demo_db) as db:
        as_of = db.data_as_of()
        for name, params in QUERIES.items():
            got = db.run(name, as_of=as_of, township="ALL", **params)
            con = duckdb.connect(str(db.version), read_only=True)
            try:
                want = _at_every_date(con, composed((BEFORE / f"{name}.sql").read_text(encoding="utf-8")), [as_of],
                                      {**params, "township": "ALL"}).drop("view_date")
            finally:
                con.close()
            assert got.height
            assert_frame_equal(got.sort("project_id"), want.sort("project_id"), check_exact=True)


def test_first_view_bench_runs(demo_db, capsys):
    """bench/weekly_first_view.py (the before/after figure of the issue) times gather_week at the five dates."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("weekly_first_view", REPO / "bench" / "weekly_first_view.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([str(demo_db), "--repeat", "1"]) == 0
    header, _, row = capsys.readouterr().out.strip().splitlines()
    assert header.count("-") == 10 and row.count(" s |") == 5  # five dates YYYY-MM-DD, five timings
