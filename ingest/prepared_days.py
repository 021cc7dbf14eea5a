"""Per-day changes and month-start balances (ingest/prepared_days.sql), built inside a version being published,
after the derived tables.

township_indicators is asked at any 数据截止日期 (every view, the week before, quarter ends, the report) and each run
scanned every household's spans (0.5 s at 1,000,000 households). Its measures are sums over spans, so a balance at
each month start plus the day-by-day changes since give the same numbers at every date from about a month of rows
per township. The tables answer dates up to the end of the year after the data date; prepared_every_day records
that and the digest of the files they were built for, and queries/runner.py answers township_indicators from them
(queries/prepared/township_indicators.sql) only within those dates and while that digest holds. 按月回放 (map_monthly)
likewise: its complete months are the same at any date, so they are made here once (prepared_map_months, by the part
queries/parts/map_monthly_rates.sql, which is why the SQL is composed) and a view makes only its own month.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from queries.runner import PREPARED_DAYS_SQL, composed, every_day_key, sql_text

EVERY_DAY = ("township_indicators", "map_monthly")  # the queries these tables answer at any date up to prepared_until


def prepared_until(as_of: dt.date) -> dt.date:
    """The last date the tables answer: the end of the year after the data date D0 (views after D0 within it —
    a week later, the rest of the year, next year's first quarter — need no scan; later ones run the query)."""
    return dt.date(as_of.year + 1, 12, 31)


def build_prepared_days(con: duckdb.DuckDBPyConnection) -> None:
    as_of = con.sql(sql_text("data_as_of")[0]).fetchall()[0][0]
    if as_of is None:  # no dated record yet: every view is before the data, the query is quick
        return
    until = prepared_until(as_of)
    con.execute("SET VARIABLE prepared_until = ?", [until])
    con.execute(composed(PREPARED_DAYS_SQL.read_text(encoding="utf-8")))  # {{map_monthly_rates}}: one part for both
    for name in EVERY_DAY:
        con.execute("INSERT INTO prepared_every_day VALUES (?, ?, ?)", [name, every_day_key(name), until])
