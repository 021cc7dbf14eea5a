"""`ingest backup` / `ingest restore` (issue 19 §3): a consistent copy while the dashboard writes, restored
into an empty folder serves the same numbers and the same sign-ins."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path

import bcrypt
import pytest

from access.roles import User
from access.store import AccessStore, store_path
from ingest import publish
from rectification.store import RectifyStore
from rectification.store import store_path as rectify_path
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("backup") / "live" / "county.duckdb"
    run_cli("ingest", "demo", "--db", str(db), "--households", "300")
    store = AccessStore(store_path(db))
    store.add_user("wang", "王乡长", "县领导", "s3cret-pw")
    (db.parent / "county.boundary_names.csv").write_text("文件中的名称,乡镇\n白沙乡,431299101\n", encoding="utf-8")
    RectifyStore(rectify_path(db)).add_item(User("wang", "王乡长", "县领导", None), "ALL", "全县", "测试整改事项", dt.date(2020, 11, 30))
    return db


def _report(db: Path, out: Path, approx: bool = False) -> list[list]:
    """township_indicators.csv as cells, numbers as floats: DuckDB's parallel sums may differ in the last digit
    between two runs over the same file, so numbers are compared to 1e-9 relative, not as text."""
    run_cli("queries", "report", "--db", str(db), "--as-of", "2020-11-16", "--out", str(out))
    rows = list(csv.reader((out / "township_indicators.csv").open(encoding="utf-8")))

    def cell(text: str):
        try:
            number = float(text)
        except ValueError:
            return text
        return pytest.approx(number, rel=1e-9) if approx else number

    return [[cell(c) for c in row] for row in rows]


def test_backup_while_the_dashboard_writes_then_restore_into_an_empty_folder(county, tmp_path):
    store = AccessStore(store_path(county))
    stop = threading.Event()
    written = []

    def dashboard_writes():  # sessions signing in and viewing households while the backup runs
        i = 0
        while not stop.is_set():
            store.audit("wang", "查看户情", f"view {i}")
            written.append(i)
            i += 1

    writer = threading.Thread(target=dashboard_writes)
    writer.start()
    try:
        result = run_cli("ingest", "backup", "--db", str(county), "--to", str(tmp_path / "backups"))
    finally:
        stop.set()
        writer.join()
    assert written, "the writer ran during the backup"
    (folder,) = (tmp_path / "backups").iterdir()
    assert str(folder) in result.stdout
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == publish.current(county).name
    assert set(manifest["sidecars"]) == {"county.access.sqlite", "county.rectify.sqlite", "county.boundary_names.csv"}
    for name in ("county.access.sqlite", "county.rectify.sqlite"):
        with sqlite3.connect(folder / name) as con:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    target = tmp_path / "restored" / "county.duckdb"
    run_cli("ingest", "restore", str(folder), "--db", str(target))
    assert publish.current(target).name == manifest["version"]
    assert _report(target, tmp_path / "after") == _report(county, tmp_path / "before", approx=True)
    users = {u.username: h for u, h in AccessStore(store_path(target)).users()}
    assert bcrypt.checkpw(b"s3cret-pw", users["wang"].encode())
    items = RectifyStore(rectify_path(target)).items()
    assert "测试整改事项" in items["text"].to_list()
    assert (target.parent / "county.boundary_names.csv").read_text(encoding="utf-8") == \
        (county.parent / "county.boundary_names.csv").read_text(encoding="utf-8"), "the clerk's name mapping"


def test_restore_refuses_a_damaged_backup_and_changes_nothing(county, tmp_path):
    run_cli("ingest", "backup", "--db", str(county), "--to", str(tmp_path))
    (folder,) = tmp_path.iterdir()
    with open(folder / "county.access.sqlite", "r+b") as f:
        f.seek(200)
        f.write(b"\xff" * 16)
    target = tmp_path / "restored" / "county.duckdb"
    result = run_cli("ingest", "restore", str(folder), "--db", str(target), check=False)
    assert result.returncode == 1 and "校验值不符" in result.stderr and "county.access.sqlite" in result.stderr
    assert not target.parent.exists() or not any(target.parent.iterdir())


def test_restore_over_existing_data_needs_force(county, tmp_path):
    run_cli("ingest", "backup", "--db", str(county), "--to", str(tmp_path / "b"))
    (folder,) = (tmp_path / "b").iterdir()
    result = run_cli("ingest", "restore", str(folder), "--db", str(county), check=False)
    assert result.returncode == 1 and "--force" in result.stderr
    run_cli("ingest", "restore", str(folder), "--db", str(county), "--force")
    assert publish.current(county).name == json.loads((folder / "manifest.json").read_text())["version"]
