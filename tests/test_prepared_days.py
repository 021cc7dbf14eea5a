"""township_indicators from the per-day change tables built at publish (ingest/prepared_days.sql, issue 18) equals
the query itself (queries/township_indicators.sql) at every date: every column, every township and the county, for
the demo county and the tiny hand-worked county, on every day from before the first record to the last day the
tables answer (the end of the year after the data date) — year ends and starts, month starts, every day on which
a table records a change — floats within 1e-9 relative (they come out identical), ranks and 滞后 flags equal.

Running the query once per date costs its planning each time (~30 ms, two paths, ~4,000 dates): both paths are run
instead for all the dates in one statement — the query's own text with $as_of taken from a list of dates by a
LATERAL join — and that batch is checked against what the runner itself answers at the dates that matter most
(before any data, the first record, year ends and starts, the data date, the last date)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import settings as settings_module
from conftest import run_cli
from ingest import publish
from queries import runner
from queries.runner import Database, sql_text

REPO = Path(__file__).resolve().parents[1]
NAME = "township_indicators"
GROUPS = ("poverty", "income", "fund", "project")
TABLES = tuple(f"prepared_{group}_{kind}" for group in GROUPS for kind in ("days", "months"))


@pytest.fixture(scope="module")
def tiny_county(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("prepared_days") / "tiny.duckdb"
    run_cli("ingest", "load", str(REPO / "tests" / "fixtures" / "tiny"), "--db", str(db))
    return db


def _ranking(**changed) -> dict:
    return {**settings_module.load().ranking_params(), **changed}


def _view_dates(con: duckdb.DuckDBPyConnection) -> tuple[list[dt.date], dict[str, dt.date]]:
    """Every day from the day before the first record to the last day the tables answer (the end of the year after
    the data date), and every day until then on which a table records a change (and the day before it); named: the
    dates also checked one by one through the runner."""
    as_of, data_from = con.execute(sql_text("data_as_of")[0]).fetchall()[0]
    ((last,),) = con.execute("SELECT last_day FROM prepared_every_day WHERE query = ?", [NAME]).fetchall()
    assert last == dt.date(as_of.year + 1, 12, 31)
    days = {data_from + dt.timedelta(days=k) for k in range(-1, (last - data_from).days + 1)}
    for group in GROUPS:
        for (day,) in con.execute(f"SELECT DISTINCT day FROM prepared_{group}_days WHERE day <= ?", [last]).fetchall():
            if day.year >= 1900:  # a project's 未开工 span starts on 0001-01-01
                days |= {day - dt.timedelta(days=1), day}
    named = {
        "a year before any record": dt.date(data_from.year - 1, data_from.month, 1),
        "the day before the first record": data_from - dt.timedelta(days=1),
        "the first record": data_from,
        "the data date": as_of,
        "a week after the data date": as_of + dt.timedelta(days=7),
        "the last day the tables answer": last,
    }
    for year in range(data_from.year, last.year + 1):
        named[f"{year}-12-31"], named[f"{year}-01-01"] = dt.date(year, 12, 31), dt.date(year, 1, 1)
        named[f"{year}-03-01"], named[f"{year}-02-28"] = dt.date(year, 3, 1), dt.date(year, 2, 28)
    return sorted(days | set(named.values())), named


def _at_every_date(con: duckdb.DuckDBPyConnection, name: str, days: list[dt.date], params: dict) -> pl.DataFrame:
    """queries/<name>.sql at each of `days` in one statement: its text, with $as_of read from the list."""
    text, wanted = sql_text(name)
    body = re.sub(r"\$as_of\b", "days.as_of", text)
    batch = (f"SELECT days.as_of AS view_date, q.* FROM (SELECT unnest($view_dates) AS as_of) days, LATERAL (\n{body}\n) q"
             " ORDER BY view_date, q.township_code = 'ALL', q.township_code")
    return con.sql(batch, params={"view_dates": days, **{k: params[k] for k in wanted if k != "as_of"}}).pl()


def _assert_equal_at_every_date(db: Path) -> int:
    params = _ranking()
    with Database.open(db) as fast, Database(publish.current(db), use_prepared=False) as slow:
        assert fast.is_prepared(NAME, {"as_of": fast.data_as_of(), **params})
        con = duckdb.connect(str(fast.version), read_only=True)
        try:
            con.execute("SET enable_progress_bar = false")
            days, named = _view_dates(con)
            live = _at_every_date(con, NAME, days, params)
            prepared = _at_every_date(con, f"{runner.PREPARED_DIR}/{NAME}", days, params)
            areas = con.execute("SELECT count(*) + 1 FROM townships").fetchone()[0]
        finally:
            con.close()
        assert live.height == prepared.height == len(days) * areas
        assert_frame_equal(prepared, live, rel_tol=1e-9, abs_tol=0.0)
        for label, day in named.items():  # the batch is what the runner answers, on either path
            expected = live.filter(pl.col("view_date") == day).drop("view_date")
            for path, db in (("prepared", fast), ("live", slow)):
                try:
                    assert_frame_equal(db.run(NAME, as_of=day, **params), expected)
                except AssertionError as exc:
                    raise AssertionError(f"{path} path at {label} ({day}): {exc}") from exc
    return len(days)


def test_demo_county_prepared_equals_the_query_at_every_date(demo_db):
    assert _assert_equal_at_every_date(demo_db) > 2800  # 2014-03-31 … 2021-12-31


def test_tiny_county_prepared_equals_the_query_at_every_date(tiny_county):
    assert _assert_equal_at_every_date(tiny_county) > 2400  # 2016-02-29 … 2022-12-31


def test_after_the_last_day_the_query_runs_itself(demo_db):
    with Database.open(demo_db) as db:
        last = dt.date(db.data_as_of().year + 1, 12, 31)
        assert db.is_prepared(NAME, {"as_of": last, **_ranking()})
        assert not db.is_prepared(NAME, {"as_of": last + dt.timedelta(days=1), **_ranking()})
        after = db.run(NAME, as_of=last + dt.timedelta(days=1), **_ranking())
        assert after.height == db.run("townships").height + 1 and after["projects"].sum() == 0  # no 2022 projects


def test_other_weights_and_threshold_apply_on_the_prepared_path(demo_db):
    """Weights and the lag threshold are applied at view time (queries/parts/township_score.sql), so an edited
    ranking is still answered from the tables — and ranks as the query does."""
    params = _ranking(lag_threshold=0.0, w_incidence_drop_pp=1.0, w_income_growth_pct=2.0, w_target_progress_pct=3.0,
                      w_completion_pct=4.0, w_balance_rate_pct=50.0)
    changed = 0
    with Database.open(demo_db) as fast, Database(publish.current(demo_db), use_prepared=False) as slow:
        for day in (dt.date(2019, 12, 31), dt.date(2020, 1, 1), dt.date(2020, 6, 30), fast.data_as_of()):
            assert fast.is_prepared(NAME, {"as_of": day, **params})
            now = fast.run(NAME, as_of=day, **params)
            assert_frame_equal(now, slow.run(NAME, as_of=day, **params), rel_tol=1e-9, abs_tol=0.0)
            default = fast.run(NAME, as_of=day, **_ranking())
            changed += (now["rank"].to_list() != default["rank"].to_list()) + (now["lagging"].sum() > default["lagging"].sum())
    assert changed >= 4  # the parameters did change the ranks and the lagging flags


def test_tables_hold_a_row_per_township_key_year_and_day(demo_db):
    """Their size follows the townships and the days on which something changed (or the month starts), not the
    households; and a month's balance is the sum of what was dated before it (here: the funds of a year)."""
    with duckdb.connect(str(publish.current(demo_db)), read_only=True) as con:
        townships = con.execute("SELECT count(*) FROM townships").fetchone()[0]
        for table in TABLES:
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            key_year = "year" if "year" in columns else "exit_year"
            day = "day" if "day" in columns else "month"
            rows, keys, days, years = con.execute(
                f"SELECT count(*), count(DISTINCT (township_code, {key_year}, {day})), count(DISTINCT {day}),"
                f" count(DISTINCT {key_year}) + 1 FROM {table}").fetchone()
            assert rows == keys, table
            assert days <= rows <= townships * days * years, table
        (wrong,) = con.execute("""
            SELECT count(*) FROM prepared_fund_months m
            WHERE m.allocated IS DISTINCT FROM (SELECT sum(f.allocated) FROM fund_flows f
                                                WHERE f.township_code = m.township_code AND f.year = m.year
                                                  AND f.date < m.month)""").fetchone()
        assert wrong == 0


REFERENCE_SQL = REPO / "tests" / "fixtures" / "prepared_days_0955467.sql"  # main's prepared_days.sql before issue 19
# Keys whose month starts begin blank, added to the county's derived tables (township EDGE: no other rows share their
# keys). Y: the data date's year. A 脱贫 on Dec 20 of Y (the exits of Y: all twelve month starts blank, the change
# falls on Jan 1 of Y+1); an income of year Y counted from Jun 15 (blank until Jul 1); funds of 年度 Y allocated on
# Jun 10 of Y (blank until Jul 1) and, for EDGE2, only in March of Y+1 (all of Y blank); a project of 年度 Y from
# Aug 1, due Sep 30 (overdue from Oct 1).
EDGE_ROWS = """
INSERT INTO household_spans BY NAME SELECT 'EDGE-1' AS household_id, 'EDGE' AS township_code, 3 AS size,
    '脱贫' AS event, make_date($y, 12, 20) AS valid_from, DATE '9999-12-31' AS valid_to;
INSERT INTO income_pairs BY NAME SELECT $y AS year, 'EDGE-1' AS household_id, 'EDGE' AS township_code, 3 AS size,
    5000 AS income, 4000 AS income_prev, make_date($y, 6, 15) AS counted_from, DATE '9999-12-31' AS counted_to;
INSERT INTO fund_flows BY NAME SELECT $y AS year, t AS township_code, '产业发展' AS category, d AS date,
    10 AS allocated, 2 AS spent
FROM (VALUES ('EDGE', make_date($y, 6, 10)), ('EDGE2', make_date($y + 1, 3, 1))) v(t, d);
INSERT INTO project_spans BY NAME SELECT $y AS year, 'EDGE' AS township_code, 'P-EDGE' AS project_id, '在建' AS status,
    make_date($y, 9, 30) AS planned_end, make_date($y, 8, 1) AS valid_from, DATE '9999-12-31' AS valid_to;
"""


@pytest.mark.parametrize("county", ["demo", "tiny"])
def test_tables_equal_those_the_reference_sql_builds(county, demo_db, tiny_county, tmp_path):
    """The month balances spread from the running balances (blank before a key's first change, none after its last
    month start), poverty's read from its day table, and the funds' and projects' per-day sums shared by their two
    tables: row for row the tables the reference SQL builds by joining every month start with the balances — for
    the county and for hand-made keys whose month starts begin blank (EDGE_ROWS)."""
    source = publish.current(demo_db if county == "demo" else tiny_county)
    built = {}
    for name, sql in (("built", runner.PREPARED_DAYS_SQL), ("reference", REFERENCE_SQL)):
        built[name] = tmp_path / f"{name}.duckdb"
        shutil.copy(source, built[name])
        with duckdb.connect(str(built[name])) as con:
            ((until,),) = con.execute("SELECT DISTINCT last_day FROM prepared_every_day").fetchall()
            for statement in filter(str.strip, EDGE_ROWS.split(";")):
                con.execute(statement, {"y": until.year - 1})
            con.execute("SET VARIABLE prepared_until = ?", [until])
            con.execute(runner.composed(sql.read_text(encoding="utf-8")))  # as ingest/prepared_days.py runs it
    with duckdb.connect() as con:
        for name, path in built.items():
            con.execute(f"ATTACH '{path}' AS {name} (READ_ONLY)")
        for table in TABLES:
            assert (con.execute(f"DESCRIBE reference.{table}").fetchall()
                    == con.execute(f"DESCRIBE built.{table}").fetchall()), table
            edge = con.execute(f"SELECT count(*) FROM built.{table} WHERE township_code LIKE 'EDGE%'").fetchone()[0]
            assert edge > 0, table
            for a, b in (("reference", "built"), ("built", "reference")):
                (extra,) = con.execute(f"SELECT count(*) FROM (FROM {a}.{table} EXCEPT ALL FROM {b}.{table})").fetchone()
                assert extra == 0, f"{table}: {extra} rows only in {a}"
        (blank,) = con.execute("SELECT count(*) FROM built.prepared_income_months WHERE township_code = 'EDGE' "
                               "AND income_amount IS NULL").fetchone()
        assert blank == 6  # January to June


def test_a_version_without_the_tables_or_built_by_other_files_runs_the_query(tmp_path, demo_db):
    """An old version (published before the tables) and one whose tables were built by other files than today's
    (an upgrade changed the query, its lookup or ingest/prepared_days.sql) answer with the query itself."""
    params = _ranking()
    source = publish.current(demo_db)
    with Database(source) as db:
        d0 = db.data_as_of()
        expected = db.run(NAME, as_of=d0, **params)
    for case, sql in (("old", "DROP TABLE prepared_every_day; " + "; ".join(f"DROP TABLE {t}" for t in TABLES)),
                      ("other_files", "UPDATE prepared_every_day SET digest = 'built by other files'")):
        copy = tmp_path / f"{case}.duckdb"
        shutil.copy(source, copy)
        with duckdb.connect(str(copy)) as con:
            con.execute(sql)
        with Database(copy) as db:
            assert not db.is_prepared(NAME, {"as_of": d0, **params}), case
            assert_frame_equal(db.run(NAME, as_of=d0, **params), expected, rel_tol=1e-9, abs_tol=0.0)


def test_digest_follows_the_query_its_lookup_and_the_table_sql(monkeypatch):
    key = runner.every_day_key(NAME)
    for changed in (NAME, f"{runner.PREPARED_DIR}/{NAME}"):
        runner.every_day_key.cache_clear()
        original = runner.sql_text
        monkeypatch.setattr(runner, "sql_text", lambda name, c=changed: (
            original(name)[0] + ("\n-- edited by an upgrade" if name == c else ""), original(name)[1]))
        assert runner.every_day_key(NAME) != key, changed
        monkeypatch.undo()
    runner.every_day_key.cache_clear()
    monkeypatch.setattr(runner, "PREPARED_DAYS_SQL", Path(runner.__file__))  # stands in for an edited table SQL
    assert runner.every_day_key(NAME) != key
    monkeypatch.undo()
    runner.every_day_key.cache_clear()
    assert runner.every_day_key(NAME) == key


def test_score_and_rank_live_in_one_file():
    """Both paths compose the same parts; neither file repeats the scoring or the dates."""
    live = (runner.QUERY_DIR / f"{NAME}.sql").read_text(encoding="utf-8")
    prepared = (runner.QUERY_DIR / runner.PREPARED_DIR / f"{NAME}.sql").read_text(encoding="utf-8")
    for part in ("township_dates", "township_score"):
        body = (runner.QUERY_DIR / runner.PARTS_DIR / f"{part}.sql").read_text(encoding="utf-8")
        first = next(line for line in body.splitlines() if line.strip() and not line.startswith("--"))
        for text, composed in ((live, sql_text(NAME)[0]), (prepared, sql_text(f"{runner.PREPARED_DIR}/{NAME}")[0])):
            assert "{{" + part + "}}" in text and first not in text and first in composed
    for marker in ("PARTITION", "OVER (", "row_number", "$w_", "$lag_threshold", "income_years"):
        assert marker not in re.sub(r"--[^\n]*", "", live + prepared), marker
