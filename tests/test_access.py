"""Access control, privacy and audit: login, lock-out, roles, township scope, masking, audit rows."""

from __future__ import annotations

import datetime as dt

import pytest

from access.roles import CLERK, LEADER, TOWNSHIP, VIEWER, User, mask_id_number, mask_name
from access.store import FAILURES_BEFORE_LOCK, AccessError, AccessStore, store_path
from queries import scope
from tests.conftest import demo_user, run_cli


# --- masking -----------------------------------------------------------------------------------------
def test_id_number_shows_only_first_six_and_last_four():
    assert mask_id_number("43022419800101123X") == "430224********123X"
    assert mask_id_number("430224800101123") == "430224*****1123"


@pytest.mark.parametrize("name, masked", [("张三明", "张*明"), ("张三", "张*"), ("欧阳小明", "欧**明"), ("", "")])
def test_names_keep_surname_and_last_character(name, masked):
    assert mask_name(name) == masked


# --- roles ---------------------------------------------------------------------------------------------
def test_only_township_role_is_bound_to_one_township():
    assert User("a", "A", TOWNSHIP, "T1").household_scope == "T1"
    assert User("b", "B", LEADER, "T1").household_scope is None
    assert User("d", "D", CLERK).can_import and not User("e", "E", LEADER).can_import


# --- store: accounts, lock-out with growing delay --------------------------------------------------------
def test_store_lives_beside_the_database_not_inside(tmp_path):
    assert store_path(tmp_path / "county.duckdb") == tmp_path / "county.access.sqlite"


def test_passwords_are_stored_only_as_bcrypt_hashes(tmp_path):
    store = AccessStore(tmp_path / "a.sqlite")
    store.add_user("wang", "王乡长", TOWNSHIP, "s3cret-pw", "T1")
    (user, hashed), = store.users()
    assert user == User("wang", "王乡长", TOWNSHIP, "T1")
    assert hashed.startswith("$2b$12$") and "s3cret-pw" not in hashed
    assert b"s3cret-pw" not in (tmp_path / "a.sqlite").read_bytes()


def test_township_role_needs_a_township(tmp_path):
    store = AccessStore(tmp_path / "a.sqlite")
    with pytest.raises(AccessError, match="乡镇角色必须绑定"):
        store.add_user("wang", "王", TOWNSHIP, "pw12")


def test_account_locks_after_five_failures_and_each_more_doubles_the_lock(tmp_path):
    store = AccessStore(tmp_path / "a.sqlite")
    now = dt.datetime(2026, 11, 23, 9, 0)
    for _ in range(FAILURES_BEFORE_LOCK - 1):
        assert not store.record_failure("wang", now).locked(now)
    fifth = store.record_failure("wang", now)
    assert fifth.locked_until == now + dt.timedelta(minutes=5)
    sixth = store.record_failure("wang", now)
    assert sixth.locked_until == now + dt.timedelta(minutes=10)
    assert not sixth.locked(now + dt.timedelta(minutes=11))
    store.record_success("wang")
    assert store.lock_state("wang").failures == 0


def test_password_reset_clears_the_lock(tmp_path):
    store = AccessStore(tmp_path / "a.sqlite")
    store.add_user("wang", "王", LEADER, "pw12")
    for _ in range(FAILURES_BEFORE_LOCK):
        store.record_failure("wang")
    store.set_password("wang", "new-pw")
    assert store.lock_state("wang").failures == 0


# --- admin CLI -------------------------------------------------------------------------------------------
def test_admin_cli_adds_lists_and_resets_users(tiny_db):
    db = tiny_db
    run_cli("admin", "add-user", "wang", "--name", "王乡长", "--role", "乡镇", "--township", "T02",
            "--db", str(db), input="pw-1234\n")
    listing = run_cli("admin", "list", "--db", str(db)).stdout
    assert "wang" in listing and "乡镇" in listing and "T02" in listing
    run_cli("admin", "reset-password", "wang", "--db", str(db), input="pw-5678\n")
    run_cli("admin", "set-role", "wang", "--role", "县领导", "--db", str(db))
    assert "县领导" in run_cli("admin", "list", "--db", str(db)).stdout
    bad = run_cli("admin", "set-role", "nobody", "--role", "县领导", "--db", str(db), check=False)
    assert bad.returncode == 2 and "没有用户 nobody" in bad.stderr


# --- township scope in the query layer -----------------------------------------------------------------
def test_scoped_query_is_forced_to_the_users_township():
    assert scope.is_scoped("township_villages")
    assert scope.enforce("township_villages", {"township": "ALL"}, "T1") == {"township": "T1"}
    assert scope.enforce("township_villages", {"township": "T1"}, "T1") == {"township": "T1"}
    assert scope.enforce("township_villages", {"township": "T2"}, None) == {"township": "T2"}


def test_scoped_query_refuses_another_township():
    with pytest.raises(scope.OutOfScope, match="无权查看其他乡镇"):
        scope.enforce("township_villages", {"township": "T2"}, "T1")


def test_unscoped_aggregate_is_left_alone():
    assert not scope.is_scoped("townships")
    assert scope.enforce("townships", {}, "T1") == {}


# --- the shell -------------------------------------------------------------------------------------------
def test_signed_out_visitor_sees_only_the_login(app_page):
    at = app_page("pages/overview.py", user=None)
    assert not at.exception
    assert [t.value for t in at.title] == ["脱贫攻坚作战室"]
    assert not at.metric
    assert {t.label for t in at.text_input} == {"用户名", "密码"}
    assert "secretary" in " ".join(i.value for i in at.info)


def test_township_user_does_not_get_the_import_page(app_page, demo_db):
    at = app_page("pages/overview.py", user=demo_user(TOWNSHIP, "431299101"))
    assert not at.exception
    with pytest.raises(Exception):
        at.switch_page("pages/data_import.py").run()
        assert not at.exception


def test_demo_accounts_are_not_offered_on_a_real_database(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    db = tmp_path / "real.duckdb"
    run_cli("ingest", "load", str(ROOT / "tests" / "fixtures" / "tiny"), "--db", str(db))
    monkeypatch.setenv("WARROOM_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert {t.label for t in at.text_input} == {"用户名", "密码"}
    assert "secretary" not in " ".join(i.value for i in at.info)
    at.text_input[0].input("secretary")
    at.text_input[1].input("demo")
    at.button[0].click().run()
    assert not at.metric, "demo accounts must not open a real database"
    assert "用户名或密码错误" in " ".join(e.value for e in at.error)


@pytest.mark.browser
def test_login_keeps_the_deep_link_and_writes_audit_rows(server, offline_page, demo_db):
    page = offline_page.open(f"{server}/funds", login=None)
    page.get_by_label("用户名").wait_for(timeout=30_000)
    assert page.locator("[data-testid=stMetric]").count() == 0
    offline_page.screenshot("login")
    offline_page.login("secretary", "wrong-password", expect_success=False)
    page.get_by_text("用户名或密码错误").wait_for(timeout=30_000)
    offline_page.login("secretary", "demo")
    assert "/funds" in page.url
    assert page.get_by_text("县委书记（演示）", exact=False).count() >= 1
    actions = [(u, a, s) for _, u, a, _, s in AccessStore(store_path(demo_db)).audit_rows()]
    assert ("secretary", "登录失败", 0) in actions
    assert ("secretary", "登录", 1) in actions


@pytest.mark.browser
def test_a_second_tab_is_signed_in_by_the_cookie_until_logout(server, offline_page):
    offline_page.open(f"{server}/")
    assert "warroom_auth" in [c["name"] for c in offline_page.context.cookies()]
    tab = offline_page.context.new_page()
    tab.goto(f"{server}/funds")
    tab.get_by_role("button", name="退出登录").wait_for(timeout=60_000)
    assert tab.get_by_label("用户名").count() == 0
    copy = [c for c in offline_page.context.cookies() if c["name"] == "warroom_auth"]
    assert copy  # (not HttpOnly: the library sets it from JavaScript; see access/session.py)
    assert copy[0]["sameSite"] == "Strict"
    tab.get_by_role("button", name="退出登录").click()
    tab.get_by_label("用户名").wait_for(timeout=60_000)
    third = offline_page.context.new_page()
    third.goto(f"{server}/")
    third.get_by_label("用户名").wait_for(timeout=60_000)
    # A copy of the cookie taken before the logout, replayed from another browser, no longer signs in.
    replay = offline_page.context.browser.new_context()
    try:
        replay.add_cookies(copy)
        stolen = replay.new_page()
        stolen.goto(f"{server}/funds")
        stolen.get_by_label("用户名").wait_for(timeout=60_000)
        stolen.wait_for_timeout(3000)
        assert stolen.get_by_role("button", name="退出登录").count() == 0
        assert not stolen.locator("[data-testid=stException]").count()
    finally:
        replay.close()


def _household_of_another_township(demo_db, own: str) -> tuple[str, str]:
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        return con.sql("SELECT h.household_id, h.helper FROM households h JOIN villages v USING (village_code) "
                       "WHERE v.township_code <> ? AND h.helper IS NOT NULL ORDER BY 1 LIMIT 1",
                       params=[own]).fetchall()[0]
    finally:
        con.close()


def _page_text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [m.value for m in at.metric]
    parts += [d.value.to_string() for d in at.dataframe]
    return " ".join(str(p) for p in parts)


def test_township_user_cannot_open_another_townships_household_by_url(app_page, demo_db):
    own = "431299101"
    other, helper = _household_of_another_township(demo_db, own)
    at = app_page("pages/households.py", query={"household": other}, user=demo_user(TOWNSHIP, own))
    assert not at.exception
    assert "无权查看" in " ".join(w.value for w in at.warning)
    assert helper not in _page_text(at)
    leader = app_page("pages/households.py", query={"household": other})
    assert not leader.exception and not leader.warning
    assert helper in _page_text(leader), "the county leadership opens any household"


def test_every_household_level_query_is_township_scoped():
    """Village- and household-level queries must declare the scope, or a 乡镇 user could read them."""
    for name in ("household_profile", "household_timeline", "household_income", "household_members",
                 "household_village_projects", "household_search", "township_villages"):
        assert scope.is_scoped(name), name


INJECTIONS = ["'; DROP TABLE households; --", "' OR '1'='1", "\\\\'); SELECT * FROM households; --", "%' --"]


@pytest.mark.parametrize("attack", INJECTIONS)
def test_text_inputs_are_bound_parameters_not_sql(app_page, demo_db, attack):
    """Every free-text input reaches SQL only as a bound parameter: an injection string finds nothing and
    breaks nothing (the database still has its households afterwards)."""
    import duckdb

    at = app_page("pages/households.py", query={"household": attack})
    assert not at.exception
    assert "没有户编号为" in " ".join(w.value for w in at.warning)
    at.text_input(key="household-search").input(attack).run()
    assert not at.exception
    clerk = app_page("pages/audit_log.py", user=demo_user(CLERK))
    clerk.text_input[0].input(attack).run()
    assert not clerk.exception
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        assert con.sql("SELECT count(*) FROM households").fetchall()[0][0] > 0
    finally:
        con.close()


@pytest.mark.browser
def test_a_download_link_needs_the_sign_in_cookie_and_dies_at_logout(server, browser):
    """/media/<id> (every download) answers only a browser with a valid sign-in cookie (issue 15 §9)."""
    from tests.conftest import OfflinePage, open_signed_in

    tab = OfflinePage(browser)
    stranger = browser.new_context()
    try:
        page = open_signed_in(tab, f"{server}/ranking", "综合排名")
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="下载 Excel").first.click()
        url = info.value.url
        assert "/media/" in url
        assert tab.context.request.get(url).status == 200, "the signed-in browser may fetch it again"
        refused = stranger.request.get(url)
        assert refused.status == 403 and "需要登录" in refused.text(), "the same link without the cookie"
        page.get_by_role("button", name="退出登录").click()
        page.get_by_label("用户名").wait_for(timeout=60_000)
        assert tab.context.request.get(url).status in (403, 404), "after logout the link is dead"
    finally:
        stranger.close()
        tab.close()
