"""Per-day change tables (ingest/prepared_days.sql), built inside a version being published, after the derived tables.

township_indicators is asked at any 数据截止日期 (every view, the week before, quarter ends, the report) and each run
scanned every household's spans (0.1–0.3 s at 1,000,000 households). Its measures are sums over spans, so their net
change per township and day, summed up to D, gives the same numbers at every date in a read of a few thousand rows.
The tables are listed in prepared_every_day with the digest of the files they were built for; queries/runner.py
answers township_indicators from them (queries/prepared/township_indicators.sql) only while that digest holds.
"""

from __future__ import annotations

import duckdb

from queries.runner import PREPARED_DAYS_SQL, every_day_key

EVERY_DAY = ("township_indicators",)  # the queries these tables answer at any date


def build_prepared_days(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(PREPARED_DAYS_SQL.read_text(encoding="utf-8"))
    for name in EVERY_DAY:
        con.execute("INSERT INTO prepared_every_day VALUES (?, ?)", [name, every_day_key(name)])
