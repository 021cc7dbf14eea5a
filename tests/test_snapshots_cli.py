"""The person-level export through the same command a clerk uses: `python -m ingest load` detects it."""

from __future__ import annotations

from pathlib import Path

from ingest import publish
from tests.conftest import ROOT, run_cli

FIXTURES = ROOT / "tests" / "fixtures" / "person_export"


def test_cli_loads_a_snapshot_ignores_a_repeat_and_refuses_an_older_one(tmp_path):
    db = tmp_path / "county.duckdb"
    run_cli("ingest", "load", str(FIXTURES / "base"), "--db", str(db))
    base = publish.current(db)
    run_cli("ingest", "load", str(FIXTURES / "snapshot_2020-06-30.csv"), "--db", str(db), cwd=tmp_path)
    third = publish.current(db)
    assert third != base

    again = run_cli("ingest", "load", str(FIXTURES / "snapshot_2020-06-30.csv"), "--db", str(db), cwd=tmp_path)
    assert "未做任何更改" in again.stdout
    assert publish.current(db) == third

    older = run_cli("ingest", "load", str(FIXTURES / "snapshot_2019-12-31.csv"), "--db", str(db), check=False,
                    cwd=tmp_path)
    assert older.returncode == 1
    assert "快照" in older.stdout + older.stderr
    assert publish.current(db) == third, "a refused snapshot must not publish"


def test_cli_check_recognises_a_person_export(tmp_path):
    result = run_cli("ingest", "check", str(FIXTURES / "snapshot_2019-12-31.csv"), check=False, cwd=tmp_path)
    assert "检查完成" in result.stdout
