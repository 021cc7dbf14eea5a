"""数据核查 prepared at publish for every date (ingest/prepared_checks.py, issue 18): the table of flagged records is
exactly what the rule files give, so every answer read from it (counts, trend, 数据质量, a rule's list) equals the
rule files run at that date; and a threshold changed after the publish is answered by the rule files themselves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from streamlit.testing.v1 import AppTest

from checks_county import loaded, write_county
from conftest import ROOT, demo_user, run_cli
from ingest.prepared_checks import ANSWERED
from queries import checks_registry as registry
from queries.runner import Database, composed, sql_text

SOURCE = "SELECT * FROM (\n{{checks_flagged}}\n)"


@pytest.fixture(scope="module")
def hand_county(tmp_path_factory) -> Path:
    return loaded(write_county(tmp_path_factory.mktemp("prepared_checks") / "export"))


def _assert_table_equals_the_rule_files(db: Path) -> int:
    """The prepared rows, flagged ranges included, are the rule files' rows (as a multiset): equal at every date."""
    with Database.open(db) as fast:
        con = duckdb.connect(str(fast.version), read_only=True)
    try:
        text = composed(SOURCE)
        params = {k: v for k, v in registry.rule_params().items() if f"${k}" in text}
        live = f"({text})"
        counts = con.execute(f"""
            SELECT (SELECT count(*) FROM prepared_checks_flagged),
                   (SELECT count(*) FROM (SELECT * FROM prepared_checks_flagged EXCEPT ALL SELECT * FROM {live})),
                   (SELECT count(*) FROM (SELECT * FROM {live} EXCEPT ALL SELECT * FROM prepared_checks_flagged))""",
                             params).fetchone()
    finally:
        con.close()
    assert counts[1:] == (0, 0)
    return counts[0]


def test_demo_table_equals_the_rule_files(demo_db):
    assert _assert_table_equals_the_rule_files(demo_db) > 100


def test_hand_county_table_equals_the_rule_files(hand_county):
    assert _assert_table_equals_the_rule_files(hand_county) > 10


def _dates(d0: dt.date) -> list[dt.date]:
    return sorted({d0, d0 - dt.timedelta(days=7), d0 - dt.timedelta(days=30), dt.date(d0.year, 6, 30),
                   dt.date(d0.year - 1, 12, 31), dt.date(d0.year, 1, 1), dt.date(d0.year - 2, 3, 1),
                   d0 + dt.timedelta(days=40), dt.date(2000, 1, 1)})


def _assert_lookups_equal_the_rule_files(db: Path) -> int:
    fast = Database.open(db)
    slow = Database(fast.version, use_prepared=False)
    params = registry.rule_params()
    weeks = registry.load_config().trend_weeks
    townships = ["ALL", *fast.run("townships")["township_code"].to_list()[:2]]
    compared = 0
    try:
        d0 = fast.data_as_of()
        for day in _dates(d0):
            for name in ("checks_counts_by_township", "checks_quality_by_township"):
                assert fast.is_prepared(name, {"as_of": day, **{k: v for k, v in params.items()
                                                                if k in sql_text(name)[1]}})
                assert_frame_equal(fast.run(name, as_of=day, **params), slow.run(name, as_of=day, **params))
            assert_frame_equal(fast.run("checks_counts_by_township_weeks", as_of=day, weeks=weeks, **params),
                               slow.run("checks_counts_by_township_weeks", as_of=day, weeks=weeks, **params))
            for rule in registry.RULES:
                name, extra = registry.rows_query(rule)
                for township in townships:
                    bound = {"as_of": day, "township": township, **extra, **params}
                    got = fast.run(name, **bound)
                    assert_frame_equal(got, slow.run(name, **bound))
                    compared += got.height
    finally:
        fast.close(), slow.close()
    return compared


def test_demo_lookups_equal_the_rule_files_at_any_date(demo_db):
    assert _assert_lookups_equal_the_rule_files(demo_db) > 1000


def test_hand_county_lookups_equal_the_rule_files_at_any_date(hand_county):
    assert _assert_lookups_equal_the_rule_files(hand_county) > 10


def test_trend_at_any_date_is_the_counts_at_each_of_its_dates(demo_db):
    day = dt.date(2019, 8, 14)  # no date prepared in particular: a Wednesday in the middle of the data
    params, weeks = registry.rule_params(), registry.load_config().trend_weeks
    with Database.open(demo_db) as db:
        trend = db.run("checks_counts_by_township_weeks", as_of=day, weeks=weeks, **params)
        assert sorted(set(trend["as_of"])) == registry.trend_dates(day, weeks)
        for d in registry.trend_dates(day, weeks):
            counts = db.run("checks_counts_by_township", as_of=d, **params)
            assert_frame_equal(trend.filter(pl.col("as_of") == d).drop("as_of"), counts)


def test_a_threshold_changed_after_the_publish_is_followed(demo_db, tmp_path, monkeypatch):
    """data/checks.toml edited after the publish (WARROOM_CHECKS): the pages' parameters no longer match what was
    prepared, so every 数据核查 answer runs the rule files with the new threshold."""
    text = (Path(registry.CONFIG_PATH)).read_text(encoding="utf-8")
    assert "income_jump_factor = 3.0" in text
    changed = tmp_path / "checks.toml"
    changed.write_text(text.replace("income_jump_factor = 3.0", "income_jump_factor = 1.2"), encoding="utf-8")
    before = registry.rule_params()
    monkeypatch.setenv("WARROOM_CHECKS", str(changed))
    registry.load_config.cache_clear()
    try:
        after = registry.rule_params()
        assert after["income_jump_factor"] == 1.2
        with Database.open(demo_db) as db:
            d0 = db.data_as_of()
            for name in ANSWERED:
                wanted = sql_text(name)[1]
                if "income_jump_factor" in wanted:
                    assert not db.is_prepared(name, {"as_of": d0, "township": "ALL", "rule_id": "income_jump",
                                                     "weeks": 8, **{k: v for k, v in after.items() if k in wanted}})
            jumps = lambda p: db.run("checks_rows", rule_id="income_jump", as_of=d0, township="ALL", **p).height  # noqa: E731
            counted = lambda p: db.run("checks_counts_by_township", as_of=d0, **p).filter(  # noqa: E731
                pl.col("rule_id") == "income_jump")["issues"].sum()
            assert jumps(after) > jumps(before) and counted(after) == jumps(after) and counted(before) == jumps(before)
    finally:
        registry.load_config.cache_clear()


def _checks_notes(db: Path, monkeypatch) -> list[str]:
    """The shell's sidebar warnings that name the rebuild for 数据核查, as 县领导 sees them."""
    monkeypatch.setenv("WARROOM_DB", str(db))
    monkeypatch.chdir(ROOT)
    registry.load_config.cache_clear()  # the server reads checks.toml once; these runs stand for restarts
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state["user"] = demo_user()
    at.session_state["role"] = "县领导"
    at.run()
    assert not at.exception
    return [w.value for w in at.sidebar.warning if "数据核查" in w.value and "ingest rebuild" in w.value]


def test_the_shell_names_the_rebuild_while_the_rules_differ_from_the_publish(tiny_db, tmp_path, monkeypatch):
    """checks.toml edited after the publish: every 数据核查 answer runs the rule files live (seconds at province
    scale), so the sidebar says so and names the fix, until a rebuild prepares the table with the new threshold."""
    assert _checks_notes(tiny_db, monkeypatch) == []
    text = Path(registry.CONFIG_PATH).read_text(encoding="utf-8")
    changed = tmp_path / "checks.toml"
    changed.write_text(text.replace("income_jump_factor = 3.0", "income_jump_factor = 1.2"), encoding="utf-8")
    monkeypatch.setenv("WARROOM_CHECKS", str(changed))
    try:
        assert len(_checks_notes(tiny_db, monkeypatch)) == 1
        run_cli("ingest", "rebuild", "--db", str(tiny_db))  # inherits WARROOM_CHECKS: prepared with 1.2
        assert _checks_notes(tiny_db, monkeypatch) == []
    finally:
        registry.load_config.cache_clear()
