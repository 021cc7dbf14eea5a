"""Township scope in the query layer (issue 15 §2): every query file says what its rows are about, and no
village- or household-level result reaches a 乡镇 user for another township, whichever page or download asks.

How a query is kept in scope is meant to be seen at a glance: the header line `-- level: village|household`
and the predicate `$township = 'ALL' OR <alias>.township_code = $township` (queries/scope.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

import settings as settings_module
from ingest import publish
from queries import checks_registry as registry
from queries import runner, scope

QUERY_DIR = Path(runner.__file__).parent
# queries/prepared/<name>.sql are lookups the runner takes for <name> at exactly the parameters prepared at
# publish (after the scope has set them), never run by name: checked against <name> below. queries/parts/ holds
# pieces composed into query files, not queries.
# A rule file (queries/checks/*.sql: all dates, whole county) is composed into checks_rows.sql and the counts, never
# run by name (the runner's scope check refuses it: it has no $township).
NAMES = sorted(str(p.relative_to(QUERY_DIR))[:-4] for p in QUERY_DIR.glob("**/*.sql")
               if p.parent.name not in (runner.PREPARED_DIR, runner.PARTS_DIR, "checks"))
PERSONAL = {"household_id", "record_id", "head_name", "head_id_number", "id_number", "person_name", "name", "helper"}
VILLAGE = {"village_code", "village_name", "first_secretary"}


def test_every_query_file_declares_one_level():
    assert len(NAMES) > 40  # the rule files of queries/checks/ are composed, not run by name
    for name in NAMES:
        assert scope.level(name) in runner.LEVELS, name
    for path in (QUERY_DIR / runner.PREPARED_DIR).glob("*.sql"):
        assert scope.level(f"{runner.PREPARED_DIR}/{path.stem}") == scope.level(path.stem), path.name


@pytest.mark.parametrize("name", [n for n in NAMES if scope.level(n) in scope.SCOPED_LEVELS])
def test_village_and_household_queries_carry_the_scope_predicate(name):
    text, params = runner.sql_text(name)
    assert "township" in params, name
    assert scope.PREDICATE.search(re.sub(r"--[^\n]*", "", text)), name
    assert scope.is_scoped(name)


@pytest.mark.parametrize("name", [n for n in NAMES if scope.level(n) not in scope.SCOPED_LEVELS])
def test_unscoped_queries_cannot_narrow_to_a_village_or_household(name):
    """A township- or county-level file is read for any township: a village or household filter would turn it
    into unscoped village or household detail."""
    assert not {"village", "household_id"} & runner.sql_text(name)[1], name


def test_the_runner_refuses_a_file_without_a_level(demo_db, monkeypatch):
    real = runner.sql_text
    monkeypatch.setattr(runner, "sql_text", lambda name: ("SELECT 1 AS x", frozenset()) if name == "bare" else real(name))
    with runner.Database(publish.current(demo_db)) as db:
        with pytest.raises(runner.MissingLevel, match="level"):
            db.run("bare")


def test_a_scoped_file_without_the_predicate_is_refused(monkeypatch):
    real = runner.sql_text
    leaky = "-- level: village\nSELECT village_code FROM villages WHERE $township IS NOT NULL"
    monkeypatch.setattr(scope, "sql_text", lambda name: (leaky, frozenset({"township"})) if name == "leaky" else real(name))
    with pytest.raises(ValueError, match="predicate"):
        scope.is_scoped("leaky")


def test_viewer_gets_no_household_rows_and_townships_only_their_own():
    with pytest.raises(scope.SummaryOnly):
        scope.enforce("household_search", {"township": "ALL"}, None, summary_only=True)
    assert scope.enforce("poverty_by_village", {"township": "T2"}, None, summary_only=True) == {"township": "T2"}
    with pytest.raises(scope.OutOfScope):
        scope.enforce("ranking_villages", {"township": "T2"}, "T1")
    assert scope.enforce("poverty_monthly_trend", {"township": "T2"}, "T1") == {"township": "T2"}


# -- every file, run as a 乡镇 user against the demo county ------------------------------------------------

@pytest.fixture(scope="module")
def county(demo_db):
    con = duckdb.connect(str(publish.current(demo_db)), read_only=True)
    try:
        villages = dict(con.sql("SELECT village_code, township_code FROM villages").fetchall())
        households = dict(con.sql("SELECT h.household_id, v.township_code FROM households h "
                                  "JOIN villages v USING (village_code)").fetchall())
        project = con.sql("SELECT project_id FROM projects ORDER BY project_id LIMIT 1").fetchall()[0][0]
        # The township of a 身份证号 registered in two townships (the demo county plants such duplicates): the
        # 身份证重号 rule must not name the other township's household to it.
        own = con.sql("SELECT min(township_code) FROM household_persons WHERE person_key IN ("
                      "SELECT person_key FROM household_persons GROUP BY person_key "
                      "HAVING count(DISTINCT township_code) > 1)").fetchall()[0][0]
    finally:
        con.close()
    assert own is not None
    return villages, households, project, own


def _params(name: str, db, households: dict, project: str, household_id: str) -> dict:
    config, settings = registry.load_config(), settings_module.load()
    every = {"as_of": db.data_as_of(), "township": "ALL", "village": "ALL", "household_id": household_id,
             "project_id": project, "status": "ALL", "cause": "ALL", "gap": "ALL", "search": "", "limit": 100_000, "offset": 0, "weeks": config.trend_weeks,
             "idle_days": settings.idle_funds_days, "window_days": 28, "idle_ratio": settings.idle_funds_spend_ratio,
             **registry.rule_params(config), **registry.risk_params(config), **settings.ranking_params()}
    return {k: v for k, v in every.items() if k in runner.sql_text(name)[1]}


def _townships_of(frame: pl.DataFrame, villages: dict, households: dict) -> set:
    """The townships a result's rows belong to, by whichever key they carry."""
    found = set()
    if "township_code" in frame.columns:
        found |= set(frame["township_code"].drop_nulls())
    if "village_code" in frame.columns:
        found |= {villages[v] for v in frame["village_code"].drop_nulls()}
    for column in ("household_id", "record_id"):
        if column in frame.columns:
            found |= {households[h] for h in frame[column].drop_nulls() if h in households}
    return found


def test_every_query_as_a_township_user_returns_only_its_township(demo_db, county):
    villages, households, project, own = county
    foreign = next(h for h, t in sorted(households.items()) if t != own)
    own_household = next(h for h, t in sorted(households.items()) if t == own)
    with runner.Database(publish.current(demo_db), timeout=None) as db:
        for name in NAMES:
            level = scope.level(name)
            if level not in scope.SCOPED_LEVELS:
                frame = db.run(name, **_params(name, db, households, project, own_household))
                leaked = (PERSONAL | VILLAGE) & set(frame.columns) if level in ("county", "township") \
                    else PERSONAL & set(frame.columns)
                assert not leaked, f"{name} is {level}-level but returns {sorted(leaked)}"
                continue
            rule_ids = [r.id for r in registry.RULES if registry.rows_query(r)[0] == name]  # a rule list: each
            if not rule_ids and "rule_id" in runner.sql_text(name)[1]:
                continue  # no rule of its targets in the interval form yet
            rule_ids = rule_ids or [None]
            for household_id, rule_id in [(h, r) for h in (own_household, foreign) for r in rule_ids]:
                params = scope.enforce(name, _params(name, db, households, project, household_id), own)
                frame = db.run(name, **params, **({"rule_id": rule_id} if rule_id else {}))
                assert _townships_of(frame, villages, households) <= {own}, name
                if "household_id" in runner.sql_text(name)[1] and household_id == foreign:
                    assert frame.height == 0, f"{name} answers for another township's household"
                text = " ".join(str(v) for v in frame.select(pl.col(pl.String)).to_numpy().ravel() if v)
                others = [h for h, t in households.items() if t != own and h in text]
                assert not others, f"{name} names other townships' households: {others[:3]}"
