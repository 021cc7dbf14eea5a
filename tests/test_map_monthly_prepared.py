"""按月回放 (map_monthly) from the per-day tables built at publish (queries/prepared/map_monthly.sql, issue 18) equals
the query itself over every household's spans (queries/map_monthly.sql), and that equals the query as it was before
both shared queries/parts/map_monthly_rates.sql (kept here as OLD_QUERY): every row and column, for the demo county
and the tiny hand-worked county, at the load test's dates, at month ends and starts around year ends, before any
record and at the last date the tables answer."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from polars.testing import assert_frame_equal

from queries.runner import Database

NAME = "map_monthly"
# queries/map_monthly.sql before issue 18 (b099bbb): the running sum over every township and month, 贫困发生率, and 一降
# by a self-join on the previous December; ordered by month and township.
OLD_QUERY = """
WITH params AS (SELECT CAST($as_of AS DATE) AS d, DATE '2013-12-01' AS baseline),
months AS (SELECT CAST(m AS DATE) AS month
           FROM params p, range(p.baseline, date_trunc('month', p.d) + INTERVAL 1 MONTH, INTERVAL 1 MONTH) t(m)),
poor_spans AS (SELECT s.township_code, s.size, s.valid_from, s.valid_to FROM household_spans s
               WHERE s.valid_from <= $as_of::DATE AND s.event IN ('纳入', '返贫')),
poor_change_by_township AS (
    SELECT township_code, month, sum(persons) AS persons_change
    FROM (SELECT township_code, greatest(CAST(date_trunc('month', valid_from) AS DATE), DATE '2013-12-01') AS month,
                 sum(size) AS persons FROM poor_spans GROUP BY ALL
          UNION ALL
          SELECT township_code, greatest(CAST(date_trunc('month', valid_to) AS DATE), DATE '2013-12-01'), -sum(size)
          FROM poor_spans WHERE valid_to <= $as_of::DATE GROUP BY ALL)
    GROUP BY ALL),
poor_by_month AS (
    SELECT t.township_code, m.month,
           sum(coalesce(pc.persons_change, 0)) OVER (PARTITION BY t.township_code ORDER BY m.month) AS poor_persons
    FROM townships t CROSS JOIN months m
    LEFT JOIN poor_change_by_township pc ON pc.township_code = t.township_code AND pc.month = m.month),
population AS (SELECT township_code, sum(rural_population) AS rural_population FROM villages GROUP BY township_code),
incidence_by_month AS (
    SELECT pm.township_code, pm.month, CAST(pm.poor_persons AS BIGINT) AS poor_persons,
           100.0 * pm.poor_persons / nullif(pop.rural_population, 0) AS incidence_pct
    FROM poor_by_month pm LEFT JOIN population pop USING (township_code))
SELECT cur.township_code, t.township_name, strftime(cur.month, '%Y-%m') AS month,
       least(last_day(cur.month), p.d) AS month_end, cur.poor_persons, cur.incidence_pct,
       prev_dec.incidence_pct - cur.incidence_pct AS incidence_drop_pp
FROM incidence_by_month cur JOIN townships t USING (township_code) CROSS JOIN params p
LEFT JOIN incidence_by_month prev_dec
  ON prev_dec.township_code = cur.township_code AND prev_dec.month = make_date(year(cur.month) - 1, 12, 1)
WHERE cur.month > p.baseline
ORDER BY cur.month, cur.township_code
"""


def view_dates(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> tuple[list[dt.date], dt.date]:
    """The load test's five dates, the day before the first record and that day, the first and last day of each
    month of the data date's year, year ends and starts, mid-years and Februaries' ends since 2013, and the last
    date the tables answer; and that last date."""
    ((last,),) = con.execute("SELECT last_day FROM prepared_every_day WHERE query = ?", [NAME]).fetchall()
    assert last == dt.date(as_of.year + 1, 12, 31)
    ((first,),) = con.execute("SELECT min(valid_from) FROM household_spans").fetchall()
    dates = {as_of, as_of - dt.timedelta(days=7), as_of - dt.timedelta(days=30), dt.date(as_of.year, 6, 30),
             dt.date(as_of.year - 1, 12, 31), first - dt.timedelta(days=1), first, last}
    for month in range(1, 13):
        start = dt.date(as_of.year, month, 1)
        dates |= {start, start - dt.timedelta(days=1)}
    for year in range(2013, as_of.year + 2):
        dates |= {dt.date(year, 1, 1), dt.date(year, 6, 30), dt.date(year, 7, 1), dt.date(year, 3, 1) - dt.timedelta(days=1),
                  dt.date(year, 12, 31)}
    return sorted(dates), last


@pytest.mark.parametrize("county", ["demo", "tiny"])
def test_map_monthly_from_the_tables_built_at_publish_equals_the_query(county, demo_db, tiny_db):
    path = demo_db if county == "demo" else tiny_db
    from ingest import publish

    version = publish.current(path)
    con = duckdb.connect(str(version), read_only=True)
    with Database(version) as lookup, Database(version, use_prepared=False) as live:
        dates, last = view_dates(con, lookup.data_as_of())
        checked = 0
        for day in dates:
            assert lookup.is_prepared(NAME, {"as_of": day}) == (day <= last), day
            mine = lookup.run(NAME, as_of=day).sort("month", "township_code")
            itself = live.run(NAME, as_of=day).sort("month", "township_code")
            old = con.sql(OLD_QUERY, params={"as_of": day}).pl()
            assert_frame_equal(mine, itself, check_exact=True)
            assert_frame_equal(itself, old, check_exact=True)
            checked += mine.height
        assert checked > 0 and mine["poor_persons"].sum() > 0
        after = last + dt.timedelta(days=1)  # past what the tables answer: the query itself
        assert not lookup.is_prepared(NAME, {"as_of": after})
        assert_frame_equal(lookup.run(NAME, as_of=after).sort("month", "township_code"),
                           con.sql(OLD_QUERY, params={"as_of": after}).pl())
