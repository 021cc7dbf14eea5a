"""Answers prepared at publish (ingest/prepared.py, issue 18): a lookup gives exactly the rows the query itself gives,
and the runner uses one only for the date and the parameters it was prepared with. The combined data-check queries
are composed from the rule files, so a rule lives in one file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from checks_county import loaded, write_county
from conftest import run_cli
from ingest import prepared
from queries import checks_registry as registry
from queries.runner import QUERY_DIR, Database, sql_text

REPO = Path(__file__).resolve().parents[1]


def _pair(db: Path) -> tuple[Database, Database]:
    fast = Database.open(db)
    return fast, Database(fast.version, use_prepared=False)


def _assert_every_prepared_answer_equals_the_query(db: Path) -> int:
    """Every (query, date) prepared: the lookup's rows equal the query's. The 数据核查 answers of every date (as_of
    NULL) are held equal to the rule files in tests/test_prepared_checks.py."""
    fast, slow = _pair(db)
    params = prepared.query_params()
    answers = fast.run("prepared_answers").filter(pl.col("as_of").is_not_null())
    try:
        for query, as_of, _ in answers.iter_rows():
            bound = {"as_of": as_of, **params[query]}
            assert fast.is_prepared(query, {k: v for k, v in bound.items() if k in sql_text(query)[1]})
            assert_frame_equal(fast.run(query, **bound), slow.run(query, **bound))
    finally:
        fast.close(), slow.close()
    return answers.height


def test_demo_county_prepared_answers_equal_the_queries(demo_db):
    assert _assert_every_prepared_answer_equals_the_query(demo_db) == 4


@pytest.fixture(scope="module")
def checks_county(tmp_path_factory) -> Path:
    return loaded(write_county(tmp_path_factory.mktemp("prepared") / "export"))


def test_hand_made_county_prepared_answers_equal_the_queries(checks_county):
    assert _assert_every_prepared_answer_equals_the_query(checks_county) == 4


def test_tiny_county_prepared_answers_equal_the_queries(tmp_path):
    db = tmp_path / "tiny.duckdb"
    run_cli("ingest", "load", str(REPO / "tests" / "fixtures" / "tiny"), "--db", str(db))
    assert _assert_every_prepared_answer_equals_the_query(db) == 4


def test_prepared_dates_are_the_data_date_and_the_week_before():
    d0 = dt.date(2020, 11, 16)
    assert prepared.prepared_dates(d0) == {"risk_households": [d0], "ranking_villages": [dt.date(2020, 11, 9), d0],
                                           "poverty_by_village": [d0]}


def test_lookup_only_for_the_prepared_date_and_parameters(demo_db):
    fast, slow = _pair(demo_db)
    try:
        d0 = fast.data_as_of()
        rules = registry.rule_params()
        counts = {k: v for k, v in rules.items() if k in sql_text("checks_counts_by_township")[1]}
        # 数据核查 is answered at every date (prepared_checks_flagged), with the parameters it was built with only.
        for day in (d0, d0 - dt.timedelta(days=1), dt.date(2016, 6, 30)):
            assert fast.is_prepared("checks_counts_by_township", {"as_of": day, **counts})
            assert not slow.is_prepared("checks_counts_by_township", {"as_of": day, **counts})
        # A threshold changed in data/checks.toml after the publish: the query itself runs, with the new value.
        changed = {**counts, "income_jump_factor": 1.01}
        assert not fast.is_prepared("checks_counts_by_township", {"as_of": d0, **changed})
        jumps = lambda frame: frame.filter(frame["rule_id"] == "income_jump")["issues"].sum()  # noqa: E731
        assert jumps(fast.run("checks_counts_by_township", as_of=d0, **{**rules, "income_jump_factor": 1.01})) > \
            jumps(fast.run("checks_counts_by_township", as_of=d0, **rules))
        # The risk list is prepared for the county only, at the data date only.
        risk = {"as_of": d0, "township": "ALL", **registry.risk_params()}
        assert fast.is_prepared("risk_households", risk)
        assert not fast.is_prepared("risk_households", {**risk, "as_of": d0 - dt.timedelta(days=1)})
        assert not fast.is_prepared("risk_households", {**risk, "as_of": d0 - dt.timedelta(weeks=1)})
        assert not fast.is_prepared("risk_households", {**risk, "township": "431299101"})
        assert not fast.is_prepared("risk_households", {**risk, "per_level": 10})
        # The village ranking likewise, for the county: a township's villages run the query.
        assert fast.is_prepared("ranking_villages", {"as_of": d0, "township": "ALL"})
        assert not fast.is_prepared("ranking_villages", {"as_of": d0 - dt.timedelta(days=1), "township": "ALL"})
        assert not fast.is_prepared("ranking_villages", {"as_of": d0, "township": "431299101"})
        # 一升一降's villages of the county, at the data date only.
        assert fast.is_prepared("poverty_by_village", {"as_of": d0, "township": "ALL"})
        assert not fast.is_prepared("poverty_by_village", {"as_of": d0 - dt.timedelta(days=1), "township": "ALL"})
        assert not fast.is_prepared("poverty_by_village", {"as_of": d0, "township": "431299101"})
    finally:
        fast.close(), slow.close()


def test_a_query_changed_after_the_publish_is_not_answered_from_the_old_preparation(demo_db, monkeypatch):
    from queries import runner

    with Database.open(demo_db) as db:
        bound = {"as_of": db.data_as_of(), **{k: v for k, v in registry.rule_params().items()
                                              if k in sql_text("checks_counts_by_township")[1]}}
        assert db.is_prepared("checks_counts_by_township", bound)
        original = runner.sql_text
        monkeypatch.setattr(runner, "sql_text", lambda name: (original(name)[0] + "\n-- a rule edited by an upgrade",
                                                              original(name)[1]))
        assert not db.is_prepared("checks_counts_by_township", bound)


def test_version_without_prepared_answers_runs_the_queries(tmp_path, demo_db):
    """A version published before issue 18 has no prepared_answers table: every query runs itself."""
    import shutil

    import duckdb

    old = tmp_path / "old.duckdb"
    shutil.copy(Database.open(demo_db).version, old)
    con = duckdb.connect(str(old))
    con.execute("DROP TABLE prepared_answers")
    con.close()
    with Database(old) as db:
        d0 = db.data_as_of()
        assert not db.is_prepared("checks_counts_by_township", {"as_of": d0, **registry.rule_params()})
        assert db.run("checks_counts_by_township", as_of=d0, **registry.rule_params()).height > 0


def test_combined_queries_compose_every_rule_file_and_repeat_none():
    for name in ("checks_counts_by_township", "checks_quality_by_township"):
        written = (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")
        composed, params = sql_text(name)
        for rule in registry.RULES:
            assert f"'{rule.id}' AS rule_id" not in written  # the file holds no copy of a rule
            assert f"'{rule.id}' AS rule_id" in composed
            body = (QUERY_DIR / f"{rule.sql_stem}.sql").read_text(encoding="utf-8").splitlines()
            first = next(line for line in body if not line.startswith("--"))
            assert first.strip() in composed
        assert {"as_of", "line_years", "income_jump_factor", "vague_causes"} <= params and "township" not in params
    for path in QUERY_DIR.rglob("*.sql"):  # no rule's detail text outside its own file
        if path.parent.name == "checks":
            continue
        text = path.read_text(encoding="utf-8")
        for rule in registry.RULES:
            own = (QUERY_DIR / f"{rule.sql_stem}.sql").read_text(encoding="utf-8")
            detail = next((line.strip() for line in own.splitlines() if "format('" in line), None)
            assert detail is None or detail not in text, f"{path.name} repeats {rule.id}"
