"""数据核查 prepared at publish (ingest/prepared_checks.sql): the flagged records of every rule with their dates.

One table serves the data-check page at every date: the counts per rule and township, the weekly trend, 数据质量 and
each rule's list are filters of it (queries/prepared/checks_*.sql). It is built with the rules' parameters of the
moment and recorded in prepared_answers for every date (as_of NULL) under the parameters and SQL digest of each
query it answers, so the runner falls back to the rule files themselves when data/checks.toml or a rule file
changes after the publish.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from ingest.timing import phase
from queries import checks_registry as registry
from queries.runner import ANY_DATE_PARAMS, composed, params_key, sql_text

PREPARED_CHECKS_SQL = Path(__file__).with_name("prepared_checks.sql")
# The queries answered from prepared_checks_flagged at any date (their lookups: queries/prepared/<name>.sql).
ANSWERED = ("checks_counts_by_township", "checks_counts_by_township_weeks", "checks_quality_by_township",
            "checks_rows", "checks_village_rows")


def build_prepared_checks(con: duckdb.DuckDBPyConnection, config=None, settings=None) -> None:
    """Build prepared_checks_flagged and record what it answers (prepared_answers must exist: ingest/prepared.sql)."""
    params = registry.rule_params(config, settings)
    text = composed(PREPARED_CHECKS_SQL.read_text(encoding="utf-8"))
    with phase("预备答案 数据核查 全部日期（prepared_checks_flagged）"):
        used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", re.sub(r"--[^\n]*", "", text)))
        con.execute(text, {k: v for k, v in params.items() if k in used})
    for name in ANSWERED:
        wanted = sql_text(name)[1]
        bound = {k: v for k, v in params.items() if k in wanted and k not in ANY_DATE_PARAMS}
        con.execute("INSERT INTO prepared_answers VALUES (?, NULL, ?)", [name, params_key(name, bound)])

