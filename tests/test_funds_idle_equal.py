"""沉淀资金清单 (queries/funds_idle.sql) reads one pass over fund_flows per project since issue 20 (it joined two scans of
fund_allocations and fund_payments to the area's projects, 150 ms county-wide at 1,000,000 households): the list is
the same as the query before (kept here as OLD_QUERY) — every row and column — for the demo county, the county and
each township, at every month end of the data and the data date, on days whose cut-off falls on an allocation's
date, with the policy's 90 days / 20 % and others."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from polars.testing import assert_frame_equal

from ingest import publish
from queries.runner import Database

# queries/funds_idle.sql before issue 20 (31c6f25).
OLD_QUERY = """
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, CAST($as_of AS DATE) - CAST($idle_days AS INTEGER) AS cutoff
),
area_projects AS (
    SELECT pr.project_id, pr.project_name, pr.year, pr.category, pr.township_code, pr.village_code
    FROM projects pr WHERE $township = 'ALL' OR pr.township_code = $township
),
allocated_by_project AS (
    SELECT a.project_id,
           sum(CAST(a.amount AS DOUBLE)) AS allocated,
           sum(CAST(a.amount AS DOUBLE)) FILTER (WHERE a.date < p.cutoff) AS allocated_before_cutoff,
           min(a.date) AS first_allocation
    FROM fund_allocations a SEMI JOIN area_projects USING (project_id), params p
    WHERE a.date <= p.d
    GROUP BY a.project_id
    HAVING min(a.date) < min(p.cutoff)
),
spent_by_project AS (
    SELECT x.project_id, sum(CAST(x.amount AS DOUBLE)) AS spent
    FROM fund_payments x SEMI JOIN allocated_by_project USING (project_id), params p
    WHERE x.date <= p.d GROUP BY x.project_id
),
idle AS (
    SELECT a.*, coalesce(s.spent, 0) AS spent
    FROM allocated_by_project a LEFT JOIN spent_by_project s USING (project_id)
    WHERE a.allocated_before_cutoff > 0 AND coalesce(s.spent, 0) < $idle_ratio * a.allocated_before_cutoff
),
latest_progress AS (
    SELECT pp.project_id, arg_max(pp.status, pp.report_date) AS status
    FROM project_progress pp SEMI JOIN idle USING (project_id), params p
    WHERE pp.report_date <= p.d GROUP BY pp.project_id
)
SELECT ap.project_id, ap.project_name, CAST(ap.year AS INTEGER) AS year, ap.category, ap.township_code,
       t.township_name, t.county_leader, v.village_name,
       a.first_allocation, CAST(p.d - a.first_allocation AS INTEGER) AS days_since_allocation,
       a.allocated AS allocated_wan, a.allocated_before_cutoff AS allocated_before_cutoff_wan,
       a.spent AS spent_wan,
       100.0 * a.spent / a.allocated_before_cutoff AS spend_ratio_pct,
       greatest(a.allocated_before_cutoff - a.spent, 0) AS idle_wan,
       coalesce(lp.status, '未开工') AS status
FROM idle a
JOIN area_projects ap USING (project_id)
JOIN townships t ON t.township_code = ap.township_code
LEFT JOIN villages v ON v.village_code = ap.village_code
LEFT JOIN latest_progress lp USING (project_id)
CROSS JOIN params p
ORDER BY idle_wan DESC, ap.project_id
"""

POLICIES = ((90, 0.2), (30, 0.5), (365, 0.05))  # (idle_days, idle_ratio): the settings' default and two others


def test_idle_funds_list_equals_the_query_before(demo_db):
    version = publish.current(demo_db)
    con = duckdb.connect(str(version), read_only=True)
    with Database(version) as db:
        as_of = db.data_as_of()
        (first,) = con.execute("SELECT min(date) FROM fund_allocations").fetchone()
        townships = ["ALL"] + [t for (t,) in con.execute("SELECT township_code FROM townships ORDER BY 1").fetchall()]
        dates, month = {as_of, first - dt.timedelta(days=1)}, dt.date(first.year, first.month, 1)
        while month <= as_of:
            dates.add(month - dt.timedelta(days=1))
            month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        listed = 0
        for day in sorted(dates):
            for township in townships if day in (as_of, max(dates - {as_of})) else ("ALL", townships[1]):
                for idle_days, idle_ratio in POLICIES:
                    params = dict(as_of=day, township=township, idle_days=idle_days, idle_ratio=idle_ratio)
                    mine = db.run("funds_idle", **params)
                    assert_frame_equal(mine, con.sql(OLD_QUERY, params=params).pl(), check_exact=True)
                    listed += mine.height
        # D − idle_days on an allocation's date: is an allocation of that very day before the cut-off? (it is not)
        on_cutoff = con.execute("SELECT DISTINCT date FROM fund_allocations ORDER BY hash(date) LIMIT 40").fetchall()
        for (allocated_on,) in on_cutoff:
            for idle_days, idle_ratio in POLICIES:
                params = dict(as_of=allocated_on + dt.timedelta(days=idle_days), township="ALL", idle_days=idle_days,
                              idle_ratio=idle_ratio)
                assert_frame_equal(db.run("funds_idle", **params), con.sql(OLD_QUERY, params=params).pl(),
                                   check_exact=True)
    assert listed > 100  # the comparison saw lists, not only empty ones
