"""Login, logout and session expiry for the dashboard (streamlit-authenticator), with lock-out and audit.

Passwords are checked by the library against bcrypt hashes from the access store; a signed cookie lets
a user who logged in recently open new tabs without logging in again (12 hours). Lock-out is ours and
persistent: after 5 failures an account is locked, each further failure doubling the lock.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from access.roles import CLERK, LEADER, TOWNSHIP, User
from access.store import AccessStore

DEMO_PASSWORD = "demo"
IDLE_TIMEOUT = dt.timedelta(minutes=30)
COOKIE_DAYS = 0.5
COOKIE_NAME = "warroom_auth"
_LOCKED = 10**9  # failed-attempt count that makes the library refuse a locked account


@lru_cache(maxsize=1)
def _demo_hash() -> str:
    return stauth.Hasher.hash(DEMO_PASSWORD)


def demo_accounts(first_township: str | None) -> list[User]:
    """The demo county's accounts: only ever offered while the demo database is the one served."""
    return [
        User("secretary", "县委书记（演示）", LEADER),
        User("township", "乡镇长（演示）", TOWNSHIP, first_township),
        User("clerk", "扶贫办数据管理员（演示）", CLERK),
    ]


def current_user() -> User | None:
    return st.session_state.get("user")


def _accounts(store: AccessStore, demo: list[User]) -> dict[str, tuple[User, str]]:
    accounts = {u.username: (u, h) for u, h in store.users()}
    for user in demo:
        accounts.setdefault(user.username, (user, _demo_hash()))
    return accounts


def _sign_in(user: User, store: AccessStore, how: str) -> None:
    st.session_state["user"] = user
    st.session_state["role"] = user.role
    st.session_state["last_active"] = dt.datetime.now()
    store.record_success(user.username)
    store.audit(user.username, "登录", how)


def authenticate(store: AccessStore, demo: list[User]) -> User | None:
    """The signed-in user, or None after rendering the login form. Call once per run, before pages."""
    now = dt.datetime.now()
    user = current_user()
    if user is not None:
        if now - st.session_state.get("last_active", now) > IDLE_TIMEOUT:
            logout(store, "会话超时")
            st.session_state["expired"] = True
            user = None
        else:
            st.session_state["last_active"] = now
            return user

    accounts = _accounts(store, demo)
    credentials = {"usernames": {
        name: {"name": u.name, "password": h, "roles": [u.role],
               "failed_login_attempts": _LOCKED if store.lock_state(name).locked(now) else 0}
        for name, (u, h) in accounts.items()
    }}
    # The library pauses (0.7 s) before drawing the form so that the cookie component can first report a saved
    # sign-in; with no cookie of ours in the request there is nothing to wait for, and every password sign-in
    # would pay the pause twice (the form, then its submission).
    pause = {} if COOKIE_NAME in st.context.cookies else {"login_sleep_time": 0}
    authenticator = stauth.Authenticate(credentials, cookie_name=COOKIE_NAME,
                                        cookie_key=store.secret("cookie"), cookie_expiry_days=COOKIE_DAYS,
                                        auto_hash=False, **pause)
    st.session_state["_authenticator"] = authenticator
    if st.session_state.pop("expired", False):
        st.info("会话已超时，请重新登录。")
    try:
        authenticator.login(location="main", max_login_attempts=_LOCKED, key="login", fields={
            "Form name": "登录 脱贫攻坚作战室", "Username": "用户名", "Password": "密码", "Login": "登录"})
    except LoginError:
        st.error("该账户因多次密码错误已被临时锁定，请稍后再试或联系数据管理员重置密码。")
        store.audit(None, "登录失败", "账户已锁定", success=False)
        return None
    for name, entry in credentials["usernames"].items():
        if 0 < entry.get("failed_login_attempts", 0) < _LOCKED:
            state = store.record_failure(name)
            store.audit(name, "登录失败", f"第 {state.failures} 次密码错误", success=False)
            if state.locked(now):
                st.error(f"密码错误次数过多，账户已锁定至 {state.locked_until:%H:%M}。")
    status = st.session_state.get("authentication_status")
    if status and st.session_state.get("username") in accounts:
        user = accounts[st.session_state["username"]][0]
        from_cookie = COOKIE_NAME in st.context.cookies
        _sign_in(user, store, "登录凭证（12 小时内免密）" if from_cookie else "密码")
        if from_cookie:
            st.rerun()
        # After a password login, no st.rerun(): the library has just queued the signed cookie (a component
        # that must reach the browser to be set); it reports back and Streamlit reruns into the app by itself.
        st.success(f"{user.name}，登录成功，正在进入……")
        return user
    if status is False:
        st.error("用户名或密码错误。")
    return None


def logout(store: AccessStore, why: str = "退出") -> None:
    user = current_user()
    authenticator = st.session_state.get("_authenticator")
    if authenticator is not None and st.session_state.get("authentication_status"):
        authenticator.logout(location="unrendered")
    for key in ("user", "role", "last_active", "authentication_status", "username", "name", "roles"):
        st.session_state.pop(key, None)
    if user is not None:
        store.audit(user.username, "退出", why)
