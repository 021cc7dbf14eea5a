"""The publish pointer: a small file replaced with os.replace names the served version (issue 19 §5).

It works where symlinks do not (Windows without the right, some network shares), keeps reading folders from
before it (a symlink, a plain database file), and a reader never sees half a switch.
"""

from __future__ import annotations

import os
import threading

import pytest

from ingest import publish

V1 = "county.20201101T000000000001.duckdb"
V2 = "county.20201108T000000000002.duckdb"


@pytest.fixture
def folder(tmp_path):
    for name in (V1, V2):
        (tmp_path / name).write_bytes(name.encode())
    return tmp_path


def test_switch_writes_the_pointer_and_serves_it(folder):
    db = folder / "county.duckdb"
    publish.switch(db, folder / V1)
    assert (folder / "county.duckdb.current").read_text().strip() == V1
    assert publish.current(db) == folder / V1
    publish.switch(db, folder / V2)
    assert publish.current(db) == folder / V2
    assert os.readlink(db) == V2, "where symlinks work the logical name still opens in the DuckDB shell"


def test_without_symlink_rights_the_pointer_alone_serves(folder, monkeypatch):
    def refused(*args, **kwargs):
        raise OSError(1314, "A required privilege is not held by the client")  # Windows' refusal

    monkeypatch.setattr(os, "symlink", refused)
    db = folder / "county.duckdb"
    publish.switch(db, folder / V1)
    publish.switch(db, folder / V2)
    assert not db.is_symlink() and not db.exists()
    assert publish.current(db) == folder / V2
    assert publish.rollback(db) == folder / V1 and publish.current(db) == folder / V1
    assert sorted(p.name for p in folder.iterdir()) == sorted([V1, V2, "county.duckdb.current"]), \
        "no temporary file left behind"


def test_a_folder_from_before_the_pointer_is_read_and_then_switched(folder):
    db = folder / "county.duckdb"
    os.symlink(V1, db)
    assert publish.current(db) == folder / V1 and publish.served_name(db) == V1
    publish.switch(db, folder / V2)
    assert publish.current(db) == folder / V2 and os.readlink(db) == V2


def test_the_pointer_wins_over_a_stale_symlink(folder):
    db = folder / "county.duckdb"
    publish.switch(db, folder / V2)
    os.remove(db)
    os.symlink(V1, db)  # e.g. an old copy of the folder, or a hand-made link
    assert publish.current(db) == folder / V2


def test_a_plain_database_file_is_kept_as_a_version_on_the_first_switch(folder):
    db = folder / "county.duckdb"
    db.write_bytes(b"legacy")
    assert publish.current(db) == db
    publish.switch(db, folder / V2)
    legacy = [p for p in publish.versions(db) if p.read_bytes() == b"legacy"]
    assert len(legacy) == 1 and publish.current(db) == folder / V2


def test_a_pointer_to_a_missing_version_is_nothing_served(folder):
    db = folder / "county.duckdb"
    publish.switch(db, folder / V1)
    (folder / V1).unlink()
    assert publish.current(db) is None and publish.served_name(db) == V1


def test_readers_never_see_half_a_switch(folder):
    db = folder / "county.duckdb"
    publish.switch(db, folder / V1)
    stop = threading.Event()
    seen: set = set()

    def reader():
        while not stop.is_set():
            seen.add(publish.current(db))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for i in range(400):
        publish.switch(db, folder / (V1 if i % 2 else V2))
    stop.set()
    for t in threads:
        t.join()
    assert seen == {folder / V1, folder / V2}


def test_use_serves_a_kept_version_by_name(folder):
    from ingest.__main__ import main

    db = folder / "county.duckdb"
    publish.switch(db, folder / V2)
    assert main(["use", V1, "--db", str(db)]) == 0
    assert publish.current(db) == folder / V1
    assert main(["use", "county.nope.duckdb", "--db", str(db)]) == 2
    assert publish.current(db) == folder / V1
