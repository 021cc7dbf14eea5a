"""Prepared answers (ingest/prepared.sql), built inside a version being published, after the derived tables.

The data-check counts and quality run every rule over every household (0.6 s each at 1,000,000 households) and
the page needs them at D and at each of the trend weeks before it; the county's 防返贫 list ranks every exited
household. Here they are run once per prepared date with the configuration of the moment, and their rows stored,
so that a page view at those dates is a lookup (queries/runner.py decides, per date and parameters).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb

from ingest.prepared_days import build_prepared_days
from queries import checks_registry as registry
from ingest.timing import phase
from queries.runner import composed, params_key, sql_text

PREPARED_SQL = Path(__file__).with_name("prepared.sql")
# The quality table at a date whose counts are prepared: a sum of those counts, not a second run of every rule.
FROM_COUNTS = {"checks_quality_by_township": Path(__file__).with_name("prepared_quality.sql")}


def prepared_dates(as_of: dt.date, trend_weeks: int) -> dict[str, list[dt.date]]:
    """The dates each query is prepared at, from the data date D0.

    Views open at D0 (the default 数据截止日期, which follows each publish) and compare with a week before; the data-check
    page shows D and the trend weeks before it. So the counts are prepared at D0 − 7k for k = 0 … trend_weeks (the
    whole trend of D0 and of D0 − 7), the quality table and the county's risk list at D0 and D0 − 7. Each date costs
    about 0.65 s (counts, quality) or 0.8 s (risk) at 1,000,000 households, which is what bounds the list: every
    week of the year would add a minute to a publish. Any other date runs the query itself.
    """
    views = [as_of - dt.timedelta(weeks=1), as_of]
    return {
        "checks_counts_by_township": [as_of - dt.timedelta(weeks=k) for k in range(trend_weeks, -1, -1)],
        "checks_quality_by_township": views,
        "risk_households": views,
    }


# Queries prepared at all their dates in one statement (a lateral join over the dates): the rules' scans are shared
# by the dates, about a third of the time of one run per date at 1,000,000 households.
BATCHED = ("checks_counts_by_township",)


def batched(text: str) -> str:
    """The query at every date of $dates in one statement: rows of the query at each date, after that date."""
    at_each = re.sub(r"\$as_of\b", "dates.as_of", text)
    return (f"SELECT dates.as_of, answer.* FROM (SELECT CAST(unnest($dates) AS DATE) AS as_of) dates,\n"
            f"LATERAL (\n{at_each}\n) answer")


def query_params(config=None, settings=None) -> dict[str, dict]:
    """The parameters each prepared query runs with (besides as_of): those the pages pass."""
    rules = registry.rule_params(config, settings)
    return {
        "checks_counts_by_township": rules,
        "checks_quality_by_township": rules,
        "risk_households": {"township": "ALL", **registry.risk_params(config, settings)},
    }


def build_prepared(con: duckdb.DuckDBPyConnection, config=None, settings=None) -> None:
    con.execute(PREPARED_SQL.read_text(encoding="utf-8"))
    with phase("预备答案 每日表（township_indicators）"):
        build_prepared_days(con)  # township_indicators at any date (ingest/prepared_days.py)
    as_of = con.sql(sql_text("data_as_of")[0]).fetchall()[0][0]
    config = config or registry.load_config()
    params = query_params(config, settings)
    dates = prepared_dates(as_of, config.trend_weeks) if as_of is not None else {name: [] for name in params}
    for name, others in params.items():
        text, wanted = sql_text(name)
        bound = {k: v for k, v in others.items() if k in wanted}
        con.execute(f"DROP TABLE IF EXISTS prepared_{name}")
        if name in BATCHED and dates[name]:
            with phase(f"预备答案 {name} {len(dates[name])} 个日期"):
                con.execute(f"CREATE TABLE prepared_{name} AS {batched(text)}", {**bound, "dates": dates[name]})
            for day in dates[name]:
                con.execute("INSERT INTO prepared_answers VALUES (?, ?, ?)", [name, day, params_key(name, bound)])
            continue
        for i, day in enumerate(dates[name]):
            verb = f"CREATE TABLE prepared_{name} AS" if i == 0 else f"INSERT INTO prepared_{name}"
            with phase(f"预备答案 {name} {day}"):
                if name in FROM_COUNTS and day in dates["checks_counts_by_township"]:
                    derived = composed(FROM_COUNTS[name].read_text(encoding="utf-8"))
                    con.execute(f"{verb} SELECT CAST($as_of AS DATE) AS as_of, * FROM (\n{derived}\n)", {"as_of": day})
                else:
                    con.execute(f"{verb} SELECT CAST($as_of AS DATE) AS as_of, * FROM (\n{text}\n)",
                                {**bound, "as_of": day})
            con.execute("INSERT INTO prepared_answers VALUES (?, ?, ?)", [name, day, params_key(name, bound)])
    if as_of is not None:
        answer_weeks(con, as_of, config.trend_weeks, params["checks_counts_by_township"])


WEEKS = "checks_counts_by_township_weeks"  # the data-check trend: the counts at D, D − 7, … (trend_weeks dates)


def answer_weeks(con: duckdb.DuckDBPyConnection, as_of: dt.date, weeks: int, rule_params: dict) -> None:
    """Record the trend as answered at every date whose trend weeks are all among the prepared counts (the data
    date and the week before): its lookup (queries/prepared/checks_counts_by_township_weeks.sql) reads them, so
    this adds no work at publish."""
    prepared = set(prepared_dates(as_of, weeks)["checks_counts_by_township"])
    wanted = sql_text(WEEKS)[1]
    bound = {k: v for k, v in {**rule_params, "weeks": weeks}.items() if k in wanted}
    for day in sorted(prepared):
        if all(day - dt.timedelta(weeks=k) in prepared for k in range(weeks)):
            con.execute("INSERT INTO prepared_answers VALUES (?, ?, ?)", [WEEKS, day, params_key(WEEKS, bound)])
