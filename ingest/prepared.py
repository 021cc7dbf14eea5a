"""Prepared answers (ingest/prepared.sql), built inside a version being published, after the derived tables.

The county's 防返贫 list ranks every exited household (0.8 s at 1,000,000 households) and its village ranking scores
every village (0.2 s): each is run once per prepared date with the configuration of the moment, and its rows stored,
so that a page view at those dates is a lookup (queries/runner.py decides, per date and parameters). The data-check
page reads one table of every flagged record with its dates, at any date (ingest/prepared_checks.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from ingest.prepared_checks import build_prepared_checks
from ingest.prepared_days import build_prepared_days
from queries import checks_registry as registry
from ingest.timing import phase
from queries.runner import params_key, sql_text

PREPARED_SQL = Path(__file__).with_name("prepared.sql")


def prepared_dates(as_of: dt.date) -> dict[str, list[dt.date]]:
    """The dates each query is prepared at, from the data date D0: views open at D0 (the default 数据截止日期, which
    follows each publish); 综合排名 compares its villages with a week before, the 防返贫 list compares with nothing
    (its tab is built only when opened); 一升一降 lists every village of the county at D0. About 1 s per date at
    1,000,000 households for the list, 0.2 s for the ranking, 0.15 s for the villages (near the 150 ms a page query
    may take); any other date runs the query itself."""
    return {"risk_households": [as_of], "ranking_villages": [as_of - dt.timedelta(weeks=1), as_of],
            "poverty_by_village": [as_of]}


def query_params(config=None, settings=None) -> dict[str, dict]:
    """The parameters each prepared query runs with (besides as_of): those the pages pass."""
    return {"risk_households": {"township": "ALL", **registry.risk_params(config, settings)},
            "ranking_villages": {"township": "ALL"}, "poverty_by_village": {"township": "ALL"}}


def build_prepared(con: duckdb.DuckDBPyConnection, config=None, settings=None) -> None:
    con.execute(PREPARED_SQL.read_text(encoding="utf-8"))
    with phase("预备答案 每日表（township_indicators）"):
        build_prepared_days(con)  # township_indicators at any date (ingest/prepared_days.py)
    config = config or registry.load_config()
    build_prepared_checks(con, config, settings)  # 数据核查 at any date (ingest/prepared_checks.py)
    as_of = con.sql(sql_text("data_as_of")[0]).fetchall()[0][0]
    params = query_params(config, settings)
    dates = prepared_dates(as_of) if as_of is not None else {name: [] for name in params}
    for name, others in params.items():
        text, wanted = sql_text(name)
        bound = {k: v for k, v in others.items() if k in wanted}
        con.execute(f"DROP TABLE IF EXISTS prepared_{name}")
        for i, day in enumerate(dates[name]):
            verb = f"CREATE TABLE prepared_{name} AS" if i == 0 else f"INSERT INTO prepared_{name}"
            with phase(f"预备答案 {name} {day}"):
                con.execute(f"{verb} SELECT CAST($as_of AS DATE) AS as_of, * FROM (\n{text}\n)",
                            {**bound, "as_of": day})
            con.execute("INSERT INTO prepared_answers VALUES (?, ?, ?)", [name, day, params_key(name, bound)])
