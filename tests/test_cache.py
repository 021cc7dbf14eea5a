"""Caching across versions: results keyed by version, a newly published version served on the next run,
old connections closed once nobody uses them, pruned files harmless to a run that has them open."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
import streamlit as st

import app_data
from ingest import publish
from ingest.demo import write_demo
from ingest.load import load
from queries import runner, version_label
from tests.conftest import ROOT, demo_user


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _open_fds(path: Path) -> int:
    """How many file descriptors of this process point at `path` (also after it was deleted)."""
    target = str(path)
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link == target or link == f"{target} (deleted)":
            count += 1
    return count


@pytest.fixture
def versions(demo_db, tmp_path) -> list[Path]:
    """Four copies of the demo county as four versions of one logical name (the last one served)."""
    db = tmp_path / "county.duckdb"
    source = publish.current(demo_db)
    made = []
    for i in range(4):
        version = tmp_path / f"county.2020010{i + 1}T000000000000.duckdb"
        shutil.copyfile(source, version)
        made.append(version)
    publish.switch(db, made[-1])
    return made


def test_results_are_cached_per_version(versions, monkeypatch):
    calls = []
    real = runner.Database.run
    monkeypatch.setattr(runner.Database, "run", lambda self, name, **p: calls.append(self.version) or real(self, name, **p))
    first = app_data._cached(str(versions[0]), "data_as_of", ())
    again = app_data._cached(str(versions[0]), "data_as_of", ())
    other = app_data._cached(str(versions[1]), "data_as_of", ())
    assert calls == [versions[0], versions[1]], "the same query on the same version runs once; a new version runs"
    assert first.equals(again) and first.equals(other)


def test_evicted_version_is_closed_and_its_file_released(versions):
    """_database holds three versions; opening a fourth closes the least recently used one."""
    for version in versions[:3]:
        app_data._database(str(version)).run("data_as_of")
    assert all(_open_fds(v) >= 1 for v in versions[:3])
    app_data._database(str(versions[3])).run("data_as_of")
    assert _open_fds(versions[0]) == 0, "the evicted version's connection was not closed"
    assert _open_fds(versions[3]) >= 1 and _open_fds(versions[2]) >= 1


def test_release_waits_for_the_running_query(versions, monkeypatch):
    """A version evicted while a session's query runs on it closes only when that query has finished."""
    entered, proceed = threading.Event(), threading.Event()
    real = runner.Database._run

    def held(self, con, name, text, params):
        entered.set()
        proceed.wait(10)
        return real(self, con, name, text, params)

    db = runner.Database(versions[0])
    monkeypatch.setattr(runner.Database, "_run", held)
    result = {}
    worker = threading.Thread(target=lambda: result.update(frame=db.run("data_as_of")))
    worker.start()
    assert entered.wait(10)
    db.release()
    assert _open_fds(versions[0]) >= 1, "closed under a running query"
    proceed.set()
    worker.join(10)
    assert result["frame"].height == 1
    assert _open_fds(versions[0]) == 0, "not closed after its last query"
    monkeypatch.setattr(runner.Database, "_run", real)
    assert db.run("data_as_of").height == 1, "a late query on a released version still answers"
    assert _open_fds(versions[0]) == 0


def test_pruned_file_does_not_break_a_run_that_has_it_open(versions):
    db = app_data._database(str(versions[0]))
    db.run("townships")
    versions[0].unlink()  # publish.prune while a session is mid-run on this version
    assert db.run("townships").height > 0
    with pytest.raises(runner.VersionGone):
        runner.Database(versions[0])


def test_new_version_is_served_on_the_next_interaction(demo_db, tmp_path, monkeypatch):
    """Publish between two runs of one session: the next run shows the new version and its data."""
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "county.duckdb"
    first = tmp_path / "county.20200101T000000000000.duckdb"
    shutil.copyfile(publish.current(demo_db), first)
    publish.switch(db, first)
    monkeypatch.setenv("WARROOM_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state["user"] = demo_user()
    at.session_state["role"] = "县领导"
    at.run()
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert version_label.of_version(first) in captions
    before = {m.label: m.value for m in at.metric}["贫困人口"]

    export = tmp_path / "export"
    write_demo(export, seed=7, households=500)
    result = load(export, db, user="test")
    assert result.published is not None
    at.run()
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert version_label.of_version(result.published) in captions
    assert version_label.of_version(first) not in captions
    after = {m.label: m.value for m in at.metric}["贫困人口"]
    assert after != before, "a 500-household county cannot have the 7,000-household county's poor persons"
