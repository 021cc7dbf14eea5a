"""Faults the Monday meeting must survive: a served file missing or corrupt at start, the disk full during an
import, a query that does not finish. Each says so in Chinese; none shows a traceback or loses data."""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import time
from pathlib import Path

import pytest
import streamlit as st

from ingest import publish
from queries import runner, version_label
from tests.conftest import ROOT, demo_user

SLOW_SQL = (ROOT / "tests" / "fixtures" / "slow_query.sql").read_text(encoding="utf-8")
GOOD = "county.20200101T000000000000.duckdb"
NEWER = "county.20200102T000000000000.duckdb"


@pytest.fixture(autouse=True)
def fresh_caches():
    """Results and connections are cached process-wide; each test starts from none."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _app(db: Path, monkeypatch, user="default", timeout: float = 60):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WARROOM_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    if user == "default":
        user = demo_user()
    if user is not None:
        at.session_state["user"] = user
        at.session_state["role"] = user.role
    return at


def _folder_with(demo_db: Path, tmp_path: Path, newer: bytes | None) -> Path:
    """A logical database whose older version is the demo county and whose newer, served one is `newer`
    (None: the link points at a file that is gone)."""
    db = tmp_path / "county.duckdb"
    shutil.copyfile(publish.current(demo_db), tmp_path / GOOD)
    if newer is not None:
        (tmp_path / NEWER).write_bytes(newer)
    os.symlink(NEWER, db)
    return db


def _republished_later(version: Path) -> None:
    """Move the version's import history a day on: the same data published again, as another version."""
    import duckdb

    con = duckdb.connect(str(version))
    try:
        con.execute("UPDATE import_log SET imported_at = imported_at + INTERVAL 1 DAY")
    finally:
        con.close()


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


# -- database missing or corrupt at start -------------------------------------------------------------------

@pytest.mark.parametrize("newer", [b"this is not a database" * 1000, "truncated"], ids=["garbage", "truncated"])
def test_corrupt_served_file_shows_chinese_message_and_offers_last_good_version(demo_db, tmp_path, monkeypatch,
                                                                                 newer):
    if newer == "truncated":  # the first 64 KB of a real version: a copy that stopped half-way
        newer = publish.current(demo_db).read_bytes()[: 64 * 1024]
    db = _folder_with(demo_db, tmp_path, newer)
    at = _app(db, monkeypatch).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "已损坏或无法打开" in _texts(at.error) and NEWER in _texts(at.error)
    # The previous version is the good one: the ordinary rollback command fixes it for everyone.
    assert f"python -m ingest rollback --db {db}" in _texts(at.info)
    assert GOOD in at.button(key="use_fallback").label

    at.button(key="use_fallback").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "总览 · 全县", "the session now browses the last good version"
    assert version_label.of_version(tmp_path / GOOD) in _texts(at.sidebar.caption)
    assert "上一个完好版本" in _texts(at.sidebar.warning)
    assert os.readlink(db) == NEWER and (tmp_path / NEWER).read_bytes()[:10] == newer[:10], \
        "the dashboard changed nothing on disk"


def test_missing_served_file_offers_the_relink_command(demo_db, tmp_path, monkeypatch):
    db = _folder_with(demo_db, tmp_path, None)
    at = _app(db, monkeypatch, user=None).run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"当前数据库文件 {NEWER} 不存在" in _texts(at.error)
    # `ingest rollback` steps back from the version the link names, which is gone: `ingest use` the good one.
    assert f"python -m ingest use {GOOD} --db {db}" in _texts(at.info)
    at.button(key="use_fallback").click().run()
    assert not at.exception
    assert "登录" in " ".join(b.label for b in at.get("form_submit_button")) or at.text_input, \
        "signed out, the fallback version leads to the login"


def test_repaired_link_drops_the_fallback(demo_db, tmp_path, monkeypatch):
    db = _folder_with(demo_db, tmp_path, b"garbage" * 100)
    at = _app(db, monkeypatch).run()
    at.button(key="use_fallback").click().run()
    (tmp_path / NEWER).write_bytes(publish.current(demo_db).read_bytes())  # the data office restored it
    _republished_later(tmp_path / NEWER)  # a version of its own, not a byte copy of the fallback
    st.cache_resource.clear()
    at.run()
    assert not at.exception
    assert version_label.of_version(tmp_path / NEWER) in _texts(at.sidebar.caption)
    assert version_label.of_version(tmp_path / GOOD) not in _texts(at.sidebar.caption)
    assert not at.sidebar.warning


def test_no_version_at_all_is_not_a_fault_but_asks_for_an_import(tmp_path, monkeypatch):
    at = _app(tmp_path / "county.duckdb", monkeypatch, user=None).run()
    assert not at.exception and not at.error
    assert "python -m ingest load" in _texts(at.warning)


# -- disk full during an import -----------------------------------------------------------------------------

@pytest.mark.parametrize("failure", [
    OSError(errno.ENOSPC, "No space left on device"),
    # What DuckDB raises when its own write fails (an IOException carrying the system's message).
    "duckdb",
], ids=["oserror", "duckdb-ioerror"])
def test_disk_full_during_import_publishes_nothing_and_says_so(demo_db, tmp_path, monkeypatch, capsys, failure):
    import duckdb

    from ingest import __main__ as cli
    from ingest import load as load_module
    from ingest.demo import write_demo

    db = tmp_path / "db" / "county.duckdb"
    db.parent.mkdir()
    shutil.copyfile(publish.current(demo_db), db.parent / GOOD)
    os.symlink(GOOD, db)
    export = tmp_path / "export"
    write_demo(export, seed=7, households=300)
    if failure == "duckdb":
        failure = duckdb.IOException('Could not write file "county.duckdb.building": No space left on device')

    def full_disk(target, *args, **kwargs):
        target.write_bytes(b"\0" * 4096)  # a partial file, as a build that ran out of space leaves behind
        raise failure

    monkeypatch.setattr(load_module, "_build", full_disk)
    code = cli.main(["load", str(export), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 1
    assert "磁盘空间不足" in err and "未发布任何数据" in err and f"当前数据保持不变（仍为 {GOOD}）" in err
    assert "Traceback" not in err
    assert os.readlink(db) == GOOD
    assert sorted(p.name for p in db.parent.iterdir()) == [GOOD, "county.duckdb"], "no partial file left"


def test_other_import_failures_are_not_reported_as_disk_full(demo_db, tmp_path, monkeypatch):
    from ingest import __main__ as cli
    from ingest import load as load_module
    from ingest.demo import write_demo

    export = tmp_path / "export"
    write_demo(export, seed=7, households=300)
    monkeypatch.setattr(load_module, "_build", lambda *a, **k: (_ for _ in ()).throw(PermissionError(13, "denied")))
    with pytest.raises(PermissionError):
        cli.main(["load", str(export), "--db", str(tmp_path / "county.duckdb")])


# -- a query that does not finish ---------------------------------------------------------------------------

def test_runner_interrupts_a_query_after_its_timeout(demo_db, monkeypatch):
    real = runner.sql_text
    monkeypatch.setattr(runner, "sql_text", lambda name: (SLOW_SQL, frozenset()) if name == "slow" else real(name))
    with runner.Database(publish.current(demo_db), timeout=0.3) as db:
        started = time.monotonic()
        with pytest.raises(runner.QueryTimeout) as caught:
            db.run("slow")
        assert time.monotonic() - started < 5
        assert "超过 0.3 秒" in str(caught.value)
        assert db.run("data_as_of").height == 1, "the connection still answers after an interrupt"


def test_timeout_is_configurable_and_defaults_to_ten_seconds(monkeypatch):
    monkeypatch.delenv("WARROOM_QUERY_TIMEOUT", raising=False)
    assert runner.default_timeout() == 10
    monkeypatch.setenv("WARROOM_QUERY_TIMEOUT", "2.5")
    assert runner.default_timeout() == 2.5
    monkeypatch.setenv("WARROOM_QUERY_TIMEOUT", "0")
    assert runner.default_timeout() is None


def _slow_when(monkeypatch, predicate, timeout: float = 2.0):
    """Queries for which predicate(name, params) holds become a minutes-long query; the timeout is real.

    It applies to every query, so it must leave room for the real ones on a busy machine (CI, shared cores).
    """
    monkeypatch.setenv("WARROOM_QUERY_TIMEOUT", str(timeout))
    real = runner.Database._run

    def run(self, con, name, text, params):
        if predicate(name, params):
            return real(self, con, name, SLOW_SQL, {})
        return real(self, con, name, text, params)

    monkeypatch.setattr(runner.Database, "_run", run)


def test_overview_week_change_times_out_and_the_rest_of_the_page_renders(demo_db, monkeypatch):
    as_of = dt.date(2020, 11, 16)
    _slow_when(monkeypatch, lambda name, p: name.endswith("township_indicators")  # or its prepared lookup
               and p.get("as_of") == as_of - dt.timedelta(7))
    at = _app(demo_db, monkeypatch).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "「较上周变化」的数据查询超时" in _texts(at.warning)
    assert at.title[0].value == "总览 · 全县"
    metrics = {m.label: m for m in at.metric}
    assert "贫困人口" in metrics and metrics["项目完工率"].value.endswith("%"), "the cards still show"
    assert at.dataframe, "the township table still shows"


def test_page_whose_main_query_times_out_says_so_and_keeps_the_shell(demo_db, monkeypatch):
    from types import SimpleNamespace

    from streamlit.runtime.scriptrunner import script_runner

    # As on a server once any session has called st.navigation: every page runs inside the shell. AppTest
    # resets Streamlit to its legacy pages/ mode on each run, which would run pages/funds.py on its own.
    monkeypatch.setattr(script_runner, "PagesManager", SimpleNamespace(uses_pages_directory=False))
    _slow_when(monkeypatch, lambda name, p: name.startswith("funds_"))
    at = _app(demo_db, monkeypatch).run()
    at.switch_page("pages/funds.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "数据查询超时" in _texts(at.warning)
    assert "数据截止" in _texts(at.sidebar.caption), "the sidebar (filters, version) still renders"
