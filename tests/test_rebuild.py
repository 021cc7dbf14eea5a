"""`python -m ingest rebuild`: after an upgrade, a version published by the older release (a derived column
missing, another derived.sql) is published again with this release's derived tables — the county's data
unchanged — and the shell says so until it is."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, demo_user, run_cli
from ingest import publish
from ingest.derived import DERIVED_TABLES, DIGEST_KEY, derived_digest
from queries.runner import Database

import re

# Every table the schema declares, read from it; import_log gains the rebuild's row and meta its digest.
CONTRACT = [t for t in re.findall(r"^CREATE TABLE (\w+)", (ROOT / "ingest" / "schema.sql").read_text(), re.M)
            if t not in ("import_log", "meta")]


def _as_older_release(version: Path) -> None:
    """What a version published before household_spans carried main_cause looks like."""
    con = duckdb.connect(str(version))
    con.execute("ALTER TABLE household_spans DROP COLUMN main_cause")
    con.execute("UPDATE meta SET value = 'older-release' WHERE key = ?", [DIGEST_KEY])
    con.close()


def _rows(version: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(version), read_only=True) as con:
        return sorted(con.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)


@pytest.fixture
def old_db(tiny_db) -> Path:
    _as_older_release(publish.current(tiny_db))
    return tiny_db


def test_a_fresh_publish_records_this_release(tiny_db):
    with duckdb.connect(str(publish.current(tiny_db)), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = ?", [DIGEST_KEY]).fetchone()[0] == derived_digest()


def test_rebuild_restores_the_derived_tables_and_keeps_the_data(old_db):
    old = publish.current(old_db)
    with Database(old) as database, pytest.raises(duckdb.BinderException):
        database.run("poverty_breakdown", as_of="2020-06-30", township="ALL")  # what the upgrade broke

    out = run_cli("ingest", "rebuild", "--db", str(old_db), "--verbose")
    assert "已用本版程序重建" in out.stdout
    phases = [line.rstrip() for line in out.stderr.splitlines()]  # --verbose: where a rebuild's time goes
    for phase in ("复制数据", "主键", "派生表 household_persons", "预备答案（合计）"):
        assert any(line.endswith(phase) for line in phases), phase
    new = publish.current(old_db)
    assert new != old and old in publish.versions(old_db)  # the old version stays for rollback
    assert len(CONTRACT) >= 15
    for table in CONTRACT:
        assert _rows(new, table) == _rows(old, table), table
    with duckdb.connect(str(new), read_only=True) as con:
        assert con.execute("SELECT value FROM meta WHERE key = ?", [DIGEST_KEY]).fetchone()[0] == derived_digest()
        assert con.execute("SELECT mode FROM import_log ORDER BY import_id DESC LIMIT 1").fetchone()[0] == "rebuild"
        assert "main_cause" in [c[0] for c in con.execute("DESCRIBE household_spans").fetchall()]
        # the key of households, added once the rows are copied (schema.sql's end), as a publish adds it
        assert con.execute("SELECT constraint_text FROM duckdb_constraints() WHERE table_name = 'households' "
                           "AND constraint_type = 'PRIMARY KEY'").fetchall() == [("PRIMARY KEY(household_id)",)]
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert set(DERIVED_TABLES) <= tables
    with Database(new) as database:
        assert database.run("poverty_breakdown", as_of="2020-06-30", township="ALL").height > 0


def test_rebuild_with_nothing_published_says_so(tmp_path):
    out = run_cli("ingest", "rebuild", "--db", str(tmp_path / "none.duckdb"), check=False)
    assert out.returncode == 2 and "还没有发布任何数据" in out.stderr


def _shell(db: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("WARROOM_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state["user"] = demo_user()
    at.session_state["role"] = "县领导"
    return at.run()


def _upgrade_notes(at: AppTest) -> list[str]:
    return [w.value for w in at.sidebar.warning if "ingest rebuild" in w.value]


def test_the_shell_names_the_fix_until_the_rebuild(old_db, monkeypatch):
    assert len(_upgrade_notes(_shell(old_db, monkeypatch))) == 1
    run_cli("ingest", "rebuild", "--db", str(old_db))
    assert _upgrade_notes(_shell(old_db, monkeypatch)) == []
