"""本年度项目一览 (queries/projects_of_year.sql) reads reports and funds from the derived tables stored by 年度
(project_spans, fund_flows) so a province's list costs the year's rows only. Here it is held, every fortnight of the
demo county and at each year's turn, 全县 and one township, to the same figures worked out another way: per project
straight from the contract tables (project_progress, fund_allocations, fund_payments)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from queries.runner import Database

COLUMNS = ("project_id", "status", "progress_pct", "last_report", "actual_start", "actual_end", "allocated_wan",
           "spent_wan")
FUNDS = ("project_id", "status", "allocated_wan", "spent_wan")  # funds_by_project's, at the same places of COLUMNS

# Each figure of one project by a correlated subquery over the contract tables (exact sums, then DOUBLE).
PER_PROJECT = """
SELECT pr.project_id,
       coalesce((SELECT arg_max(r.status, r.report_date) FROM project_progress r
                 WHERE r.project_id = pr.project_id AND r.report_date <= $as_of), '未开工'),
       coalesce((SELECT CAST(arg_max(r.progress_pct, r.report_date) AS DOUBLE) FROM project_progress r
                 WHERE r.project_id = pr.project_id AND r.report_date <= $as_of), 0),
       (SELECT max(r.report_date) FROM project_progress r WHERE r.project_id = pr.project_id AND r.report_date <= $as_of),
       (SELECT min(r.report_date) FROM project_progress r
        WHERE r.project_id = pr.project_id AND r.report_date <= $as_of AND r.status <> '未开工'),
       (SELECT min(r.report_date) FROM project_progress r
        WHERE r.project_id = pr.project_id AND r.report_date <= $as_of AND r.status IN ('已完工', '已验收')),
       coalesce((SELECT CAST(sum(a.amount) AS DOUBLE) FROM fund_allocations a
                 WHERE a.project_id = pr.project_id AND a.date <= $as_of), 0),
       coalesce((SELECT CAST(sum(x.amount) AS DOUBLE) FROM fund_payments x
                 WHERE x.project_id = pr.project_id AND x.date <= $as_of), 0)
FROM projects pr
WHERE pr.year = year(CAST($as_of AS DATE)) AND ($township = 'ALL' OR pr.township_code = $township)
ORDER BY pr.project_id
"""


def _dates(con) -> list[dt.date]:
    first, last = con.execute("SELECT min(report_date), max(report_date) FROM project_progress").fetchone()
    weekly = [first - dt.timedelta(days=10) + dt.timedelta(days=14 * i) for i in range((last - first).days // 14 + 4)]
    turns = [dt.date(y, m, d) for y in range(first.year, last.year + 1) for m, d in ((12, 31), (1, 1))]
    return sorted(set(weekly + turns))


def test_project_lists_equal_the_contract_tables_every_fortnight(demo_db):
    with Database.open(demo_db) as db:
        con = duckdb.connect(str(db.version), read_only=True)
        try:
            township = con.execute("SELECT township_code FROM projects GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
                                   ).fetchone()[0]
            compared = 0
            for day in _dates(con):
                for area in ("ALL", township):
                    got = db.run("projects_of_year", as_of=day, township=area).sort("project_id")
                    expected = con.execute(PER_PROJECT, {"as_of": day, "township": area}).fetchall()
                    assert got.select(COLUMNS).rows() == expected, (day, area)
                    funds = db.run("funds_by_project", as_of=day, township=area).sort("project_id")
                    assert funds.select(FUNDS).rows() == [(r[0], r[1], r[6], r[7]) for r in expected], (day, area)
                    compared += len(expected)
        finally:
            con.close()
    assert compared > 5_000
