"""Issue 15 §1, 3, 4, 6, 9: demo accounts end with real data, sessions end and cookies are revoked, secrets
and data are owner-only, every audited action leaves a row, user names are one spelling, admin refuses
unscoped 乡镇 accounts, a forged cookie is ignored."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys

import duckdb
import jwt
import pytest

from access import audit
from access.roles import LEADER, TOWNSHIP, User
from access.session import COOKIE_NAME, cookie_claims, issue_cookie
from access.store import FAILURES_BEFORE_LOCK, AccessError, AccessStore, store_path
from ingest import publish
from tests.conftest import ROOT, run_cli

PERSON = ROOT / "tests" / "fixtures" / "person_export"


def _rows(db) -> list[tuple]:
    """(at, user, action, detail, success), newest first."""
    return AccessStore(store_path(db)).audit_rows()


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- §6 the audit API ----------------------------------------------------------------------------------------
def test_record_writes_user_time_action_and_detail(tmp_path):
    db = tmp_path / "county.duckdb"
    before = dt.datetime.now().replace(microsecond=0)
    audit.record(User("Wang", "王", LEADER), audit.EXPORT, "周调度简报_20261122.pdf", db=db)
    audit.record(None, audit.LOGIN_FAILED, "x", success=False, db=db)
    (at2, user2, action2, _, ok2), (at1, user1, action1, detail1, ok1) = _rows(db)[:2]
    assert (user1, action1, detail1, ok1) == ("wang", "导出", "周调度简报_20261122.pdf", 1)
    assert dt.datetime.fromisoformat(at1) >= before
    assert (user2, action2, ok2) == (None, "登录失败", 0)


# --- §9 one spelling of a user name; §6 lock-out attempts under the real name ----------------------------------
def test_mixed_case_names_are_one_account_with_one_lock(tmp_path):
    store = AccessStore(tmp_path / "a.sqlite")
    store.add_user("  Wang ", "王", LEADER, "pw-1234")
    assert [u.username for u, _ in store.users()] == ["wang"]
    with pytest.raises(AccessError, match="已存在"):
        store.add_user("WANG", "王", LEADER, "pw-1234")
    now = dt.datetime.now()
    for name in ("Wang", "WANG", "wang", "wAnG", "Wang "):
        store.record_failure(name, now)
    assert store.lock_state("wang").locked(now), "five failures under any spelling lock the one account"
    assert store.lock_state("WANG").failures == FAILURES_BEFORE_LOCK


def test_an_old_mixed_case_account_is_folded_on_open(tmp_path):
    import sqlite3

    path = tmp_path / "a.sqlite"
    AccessStore(path).add_user("li", "李", LEADER, "pw-1234")
    with sqlite3.connect(path) as con:
        con.execute("UPDATE users SET username = 'Li'")
    assert [u.username for u, _ in AccessStore(path).users()] == ["li"]


def test_user_names_are_plain(tmp_path):
    store = AccessStore(tmp_path / "a.sqlite")
    for bad in ("a", "wang li", "王五", "x" * 40, "<img>"):
        with pytest.raises(AccessError, match="用户名应为"):
            store.add_user(bad, "某", LEADER, "pw-1234")


# --- §9 admin: a 乡镇 account is bound to one existing township; §6 admin changes audited ---------------------------
@pytest.mark.parametrize("code, message", [("ALL", "不能是 ALL"), ("all", "不能是 ALL"), ("T99", "没有乡镇代码 T99")])
def test_admin_refuses_a_township_account_without_a_real_township(tiny_db, code, message):
    bad = run_cli("admin", "add-user", "wang", "--name", "王", "--role", "乡镇", "--township", code,
                  "--db", str(tiny_db), input="pw-1234\n", check=False)
    assert bad.returncode == 2 and message in bad.stderr
    assert "wang" not in run_cli("admin", "list", "--db", str(tiny_db)).stdout
    bad = run_cli("admin", "add-user", "wang", "--name", "王", "--role", "乡镇", "--db", str(tiny_db),
                  input="pw-1234\n", check=False)
    assert bad.returncode == 2 and "必须用 --township" in bad.stderr
    refused = [r for r in _rows(tiny_db) if r[2] == "新增用户"]
    assert refused and all(r[4] == 0 for r in refused) and refused[0][1].startswith("admin")


def test_admin_changes_are_audited_with_who_and_what(tiny_db):
    run_cli("admin", "add-user", "Wang", "--name", "王乡长", "--role", "乡镇", "--township", "T02",
            "--db", str(tiny_db), input="pw-1234\n")
    run_cli("admin", "set-role", "WANG", "--role", "县领导", "--db", str(tiny_db))
    run_cli("admin", "reset-password", "wang", "--db", str(tiny_db), input="pw-5678\n")
    run_cli("admin", "remove-user", "wang", "--db", str(tiny_db))
    rows = {action: (user, detail, ok) for _, user, action, detail, ok in _rows(tiny_db)}
    for action in ("新增用户", "修改角色", "重置密码", "删除用户"):
        user, _, ok = rows[action]
        assert user.startswith("admin") and ok == 1, action
    assert "wang" in rows["新增用户"][1] and "T02" in rows["新增用户"][1]
    assert rows["修改角色"][1] == "wang：乡镇（T02） → 县领导"


# --- §3 the cookie: generation, revocation, forged tokens ----------------------------------------------------
def _token_store(tmp_path):
    store = AccessStore(tmp_path / "a.sqlite")
    store.add_user("wang", "王", LEADER, "pw-1234")
    return store, store.secret("cookie")


def _expires(hours: float = 6) -> float:
    return (dt.datetime.now() + dt.timedelta(hours=hours)).timestamp()


def test_a_cookie_signs_in_until_logout_or_reset(tmp_path):
    store, key = _token_store(tmp_path)
    cookie = issue_cookie("wang", key, store, _expires())
    assert cookie_claims(cookie, key, store, {"wang"})["username"] == "wang"
    store.revoke_sessions("wang")  # what logout does
    assert cookie_claims(cookie, key, store, {"wang"}) is None, "a copy of the cookie replayed after logout"
    fresh = issue_cookie("wang", key, store, _expires())
    assert cookie_claims(fresh, key, store, {"wang"}) is not None
    store.set_password("wang", "new-pw-1")
    assert cookie_claims(fresh, key, store, {"wang"}) is None, "replayed after a password reset"
    after_role = issue_cookie("wang", key, store, _expires())
    store.set_role("wang", TOWNSHIP, "T01")
    assert cookie_claims(after_role, key, store, {"wang"}) is None, "replayed after a role change"


@pytest.mark.parametrize("forge", ["alg_none", "other_key", "no_gen", "garbage", "expired", "too_long_lived",
                                   "unknown_user", "gen_as_text"])
def test_forged_or_odd_cookies_are_ignored_without_error(tmp_path, forge):
    store, key = _token_store(tmp_path)
    claims = {"username": "wang", "exp_date": _expires(), "gen": 0}
    token = {
        "alg_none": lambda: jwt.encode(claims, None, algorithm="none"),
        "other_key": lambda: jwt.encode(claims, "not-the-key-" * 3, algorithm="HS256"),
        "no_gen": lambda: jwt.encode({"username": "wang", "exp_date": _expires()}, key, algorithm="HS256"),
        "garbage": lambda: "eyJhbGciOiJub25lIn0.%%%.",
        "expired": lambda: jwt.encode({**claims, "exp_date": _expires(-1)}, key, algorithm="HS256"),
        "too_long_lived": lambda: jwt.encode({**claims, "exp_date": _expires(24 * 30)}, key, algorithm="HS256"),
        "unknown_user": lambda: jwt.encode({**claims, "username": "li"}, key, algorithm="HS256"),
        "gen_as_text": lambda: jwt.encode({**claims, "gen": "0"}, key, algorithm="HS256"),
    }[forge]()
    assert cookie_claims(token, key, store, {"wang"}) is None
    assert cookie_claims(jwt.encode(claims, key, algorithm="HS256"), key, store, {"wang"}) is not None


def test_a_forged_alg_none_cookie_leaves_the_login_page_whole(demo_db, monkeypatch):
    """The login page with an unsigned cookie in the request: the form, no traceback, nobody signed in."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WARROOM_DB", str(demo_db))
    monkeypatch.chdir(ROOT)
    forged = jwt.encode({"username": "clerk", "exp_date": _expires(), "gen": 0}, None, algorithm="none")
    import streamlit as st

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    monkeypatch.setattr(type(st.context), "cookies", property(lambda self: {COOKIE_NAME: forged}))
    at.run()
    assert not at.exception
    assert {t.label for t in at.text_input} == {"用户名", "密码"}
    assert not at.metric
    assert ("登录失败", 0) in [(a, ok) for _, _, a, _, ok in _rows(demo_db)[:3]], "the forged cookie is in the log"


# --- §3 the idle time-out on every run; an open session ends when its account is revoked -------------------------
def _signed_in(demo_db, monkeypatch, username="secretary"):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WARROOM_DB", str(demo_db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    at.text_input[0].input(username)
    at.text_input[1].input("demo")
    at.button[0].click().run()
    at.run()
    assert at.metric, "signed in"
    return at


def test_thirty_idle_minutes_end_a_signed_in_session(demo_db, monkeypatch):
    at = _signed_in(demo_db, monkeypatch)
    at.session_state["last_active"] = dt.datetime.now() - dt.timedelta(minutes=29)
    at.run()
    assert at.metric, "29 minutes: still signed in"
    at.session_state["last_active"] = dt.datetime.now() - dt.timedelta(minutes=31)
    at.run()
    assert not at.exception and not at.metric
    assert {t.label for t in at.text_input} == {"用户名", "密码"}
    assert "会话已超时" in " ".join(i.value for i in at.info)
    assert ("secretary", "退出", "会话超时") in [(u, a, d) for _, u, a, d, _ in _rows(demo_db)[:5]]


def test_an_open_session_ends_at_the_next_click_after_logout_elsewhere(demo_db, monkeypatch):
    at = _signed_in(demo_db, monkeypatch, "township")
    AccessStore(store_path(demo_db)).revoke_sessions("township")  # logout in another tab or a reset
    at.run()
    assert not at.metric and "已在别处退出登录" in " ".join(i.value for i in at.info)


# --- §3 lock-out: unknown names behave as known ones; §6 failures audited under the typed name --------------------
def test_failed_logins_of_unknown_and_locked_names_are_audited(demo_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WARROOM_DB", str(demo_db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    for _ in range(FAILURES_BEFORE_LOCK):
        at.text_input[0].input("Nobody-Here")
        at.text_input[1].input("guess")
        at.button[0].click().run()
    assert "已锁定" in " ".join(e.value for e in at.error), "an unknown name locks like a real one (no oracle)"
    at.text_input[0].input("SECRETARY")
    at.text_input[1].input("wrong")
    for _ in range(FAILURES_BEFORE_LOCK):
        at.button[0].click().run()
    at.text_input[1].input("demo")
    at.button[0].click().run()
    assert not at.metric and "已被临时锁定" in " ".join(e.value for e in at.error)
    rows = [(u, a, d, ok) for _, u, a, d, ok in _rows(demo_db)[:12]]
    assert ("nobody-here", "登录失败", "未知用户名（第 1 次）", 0) in rows
    assert ("secretary", "登录失败", "账户已锁定，拒绝登录", 0) in rows
    AccessStore(store_path(demo_db)).record_success("secretary")  # leave the shared demo account usable
    AccessStore(store_path(demo_db)).record_success("nobody-here")


# --- §1 demo accounts end with the first real import -----------------------------------------------------------
def test_a_real_snapshot_import_ends_the_demo_accounts(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from ingest.load import load

    db = tmp_path / "county.duckdb"
    for part in ("base", "snapshot_2019-12-31.csv"):  # a small county built as `ingest demo` builds it
        load(PERSON / part, db, user="demo", mode="demo", meta={"is_demo": "true"})
    monkeypatch.setenv("WARROOM_DB", str(db))
    monkeypatch.chdir(ROOT)

    def sign_in_as_clerk() -> AppTest:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
        at.text_input[0].input("clerk")
        at.text_input[1].input("demo")
        at.button[0].click().run()
        return at.run()

    demo = sign_in_as_clerk()
    assert demo.metric and "secretary" not in " ".join(i.value for i in demo.info)
    out = run_cli("ingest", "load", str(PERSON / "snapshot_2020-06-30.csv"), "--db", str(db),
                  "--report", str(tmp_path / "r.xlsx"), cwd=tmp_path).stdout
    assert "演示账户" in out and "已停用" in out
    con = duckdb.connect(str(publish.current(db)), read_only=True)
    assert con.sql("SELECT value FROM meta WHERE key = 'is_demo'").fetchall() == [("false",)]
    con.close()
    demo.run()  # the demo clerk's open session ends at the next click, saying why
    assert not demo.metric and "演示账户" in " ".join(i.value for i in demo.info)
    at = sign_in_as_clerk()
    assert not at.metric, "clerk/demo must not open real data"
    assert "用户名或密码错误" in " ".join(e.value for e in at.error)
    assert "secretary" not in " ".join(i.value for i in at.info)
    rows = [(a, d, ok) for _, _, a, d, ok in _rows(db)]
    assert ("停用演示账户", "snapshot_2020-06-30.csv 取代了演示县数据", 1) in rows
    assert any(a == "导入" and d.startswith("snapshot_2020-06-30.csv → county.") and ok for a, d, ok in rows)


# --- §4 owner-only files ---------------------------------------------------------------------------------------
def test_store_versions_and_sqlite_journals_are_owner_only(tiny_db):
    run_cli("admin", "add-user", "li", "--name", "李", "--role", "县领导", "--db", str(tiny_db), input="pw-1234\n")
    store = store_path(tiny_db)
    assert _mode(store) == 0o600
    for journal in (f"{store}-wal", f"{store}-shm"):
        if os.path.exists(journal):
            assert _mode(journal) == 0o600, journal
    for version in publish.versions(tiny_db):
        assert _mode(version) == 0o600, version


def test_an_existing_world_readable_store_is_repaired(tmp_path):
    path = tmp_path / "county.access.sqlite"
    AccessStore(path)
    os.chmod(path, 0o644)
    code = "from access.store import AccessStore; import sys; AccessStore(sys.argv[1]).secret('cookie')"
    subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, check=True)
    assert _mode(path) == 0o600


# --- §6 each audited action on the pages leaves a row with user and time -----------------------------------------
def _newest(db, n: int = 6) -> list[tuple]:
    return [(u, a, d, ok) for _, u, a, d, ok in _rows(db)[:n]]


def _household(demo_db, township: str, same: bool) -> str:
    con = duckdb.connect(str(publish.current(demo_db)), read_only=True)
    try:
        return con.sql(f"SELECT h.household_id FROM households h JOIN villages v USING (village_code) "
                       f"WHERE v.township_code {'=' if same else '<>'} ? ORDER BY 1 LIMIT 1",
                       params=[township]).fetchall()[0][0]
    finally:
        con.close()


def test_opening_a_household_is_audited_once_and_a_refused_one_as_refused(app_page, demo_db):
    from tests.conftest import demo_user

    own = "431299101"
    mine, other = _household(demo_db, own, True), _household(demo_db, own, False)
    at = app_page("pages/households.py", query={"household": mine}, user=demo_user(TOWNSHIP, own))
    assert not at.exception
    at.run()  # a rerun of the same household: still one row
    views = [r for r in _newest(demo_db, 10) if r[1] == "查看户情" and r[2] == mine]
    assert views == [("township", "查看户情", mine, 1)]
    at = app_page("pages/households.py", query={"household": other}, user=demo_user(TOWNSHIP, own))
    assert ("township", "查看户情", f"{other}（未找到或无权查看）", 0) in _newest(demo_db)


def test_a_refused_scope_attempt_is_audited(demo_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        import app_data
        from access.roles import User
        from queries.scope import OutOfScope

        st.session_state["user"] = User("township", "乡镇长", "乡镇", "431299101")
        try:
            app_data.run("township_villages", township="431299102")
        except OutOfScope as exc:
            st.write(str(exc))

    monkeypatch.setenv("WARROOM_DB", str(demo_db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    user, action, detail, ok = _newest(demo_db, 1)[0]
    assert (user, action, ok) == ("township", "越权访问", 0) and "431299102" in detail


def test_a_deferred_export_is_audited_when_the_file_is_built(demo_db, monkeypatch):
    """Streamlit builds a deferred download outside the script run: the row still names the user."""
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        from access import audit
        from access.roles import User

        st.session_state["user"] = User("secretary", "县委书记", "县领导")
        st.session_state["build"] = audit.on_download("周调度简报_20261122.pdf", lambda: b"%PDF-1.7")

    monkeypatch.setenv("WARROOM_DB", str(demo_db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_function(script, default_timeout=60).run()
    assert ("secretary", "导出", "周调度简报_20261122.pdf", 1) not in _newest(demo_db, 1), "not before the click"
    assert at.session_state["build"]() == b"%PDF-1.7"
    assert _newest(demo_db, 1) == [("secretary", "导出", "周调度简报_20261122.pdf", 1)]


def test_every_weight_change_is_kept_in_the_audit_trail(app_page, demo_db, tmp_path, monkeypatch):
    from access.roles import CLERK

    monkeypatch.setenv("WARROOM_WEIGHTS", str(tmp_path / "weights.toml"))
    at = app_page("pages/ranking.py", user=User("clerk", "扶贫办管理员", CLERK))
    for value in (40.0, 30.0):
        at.number_input(key="weight-balance_rate_pct").set_value(value)
        at.button[-1].click().run()
        assert not at.exception
    changes = [d for u, a, d, ok in _newest(demo_db) if a == "修改权重" and u == "clerk"]
    assert changes[:2] == ["资金结余率（越低越好） 40→30", "资金结余率（越低越好） 15→40"]


@pytest.mark.parametrize("headers, secure", [({"X-Forwarded-Proto": "https"}, True), ({"X-Forwarded-Proto": "http"}, False),
                                             ({}, False)])
def test_the_cookie_is_secure_behind_https(monkeypatch, headers, secure):
    import streamlit as st

    from access import session

    monkeypatch.setattr(type(st.context), "headers", property(lambda self: headers))
    monkeypatch.setattr(type(st.context), "url", property(lambda self: "http://10.0.0.5/"))
    assert session._https() is secure


def test_the_upload_staging_folder_is_owner_only_and_never_someone_elses(tmp_path):
    from access.files import private_dir

    staging = private_dir(tmp_path / "warroom-uploads" / "abc")
    assert _mode(staging) == 0o700
    os.chmod(staging, 0o755)
    assert _mode(private_dir(staging)) == 0o700, "an existing lax folder is repaired"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "planted").symlink_to(elsewhere)
    with pytest.raises(PermissionError, match="不属于本程序的运行账户"):
        private_dir(tmp_path / "planted")
