"""Login, logout, session expiry and revocation for the dashboard (streamlit-authenticator), with lock-out and audit.

Passwords are checked by the library against bcrypt hashes from the access store; a signed cookie lets a
user who logged in recently open new tabs without logging in again (12 hours). On top of the library:

- Lock-out is ours and persistent: after 5 failures a name is locked, each further failure doubling the lock;
  unknown names count and lock the same way (and cost the same bcrypt time), so neither the message nor the
  delay tells an existing account from a made-up one. Names are normalised (access.roles) as the library does.
- The cookie carries the user's session generation (access store): logout, password reset, role change and
  removal raise it, so a cookie issued before — a copy included — no longer signs in. A cookie that fails
  any check (bad signature, alg=none, wrong fields, revoked) is ignored, never a traceback.
- `enforce` runs on every script run of a signed-in session: 30 minutes without a run end it; a raised
  generation, a removed account or a demo account after the first real import end it at the next click.
- The cookie is Secure when the page is served over HTTPS (directly or behind a proxy that sets
  X-Forwarded-Proto) and SameSite=Strict. It cannot be HttpOnly: the library sets it from JavaScript
  (extra-streamlit-components' CookieManager, document.cookie), and a script cannot set HttpOnly. The
  revocable generation, the 12-hour limit and rendering user data as text (no HTML/Markdown injection)
  are the mitigation.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import bcrypt
import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from access import audit
from access.roles import CLERK, LEADER, TOWNSHIP, User, normalise_username
from access.store import AccessStore

DEMO_PASSWORD = "demo"
IDLE_TIMEOUT = dt.timedelta(minutes=30)
COOKIE_DAYS = 0.5
COOKIE_NAME = "warroom_auth"
MAX_USERNAME = 64  # longer input is cut before it reaches the lock-out table or the audit log

_GEN, _DEMO, _ENDED = "_session_generation", "_demo_account", "_session_ended"
_BAD_COOKIE_LOGGED = "_bad_cookie_logged"

DEMO_ENDED_MESSAGE = ("已导入真实数据，演示账户（secretary、township、clerk）已停用。"
                      "请数据管理员在服务器上用 `python -m admin add-user` 建立正式账户后登录。")


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


def _sign_in(user: User, store: AccessStore, how: str, demo: bool) -> None:
    st.session_state["user"] = user
    st.session_state["role"] = user.role
    st.session_state["last_active"] = dt.datetime.now()
    st.session_state[_GEN] = store.session_generation(user.username)
    st.session_state[_DEMO] = demo
    st.session_state.pop(_ENDED, None)
    store.record_success(user.username)
    store.audit(user.username, audit.LOGIN, how)


# -- every run of a signed-in session ------------------------------------------------------------------------

def enforce(store: AccessStore, demo: list[User]) -> User | None:
    """The signed-in user if the session may go on, else None (the session is ended, with the reason kept
    for the login screen). Call first on every run, before any page; cheap (one SQLite read)."""
    user = current_user()
    if user is None:
        return None
    now = dt.datetime.now()
    last = st.session_state.get("last_active", now)
    if now - last > IDLE_TIMEOUT:
        _end(store, "会话超时", f"会话已超时（{IDLE_TIMEOUT.seconds // 60} 分钟无操作），请重新登录。", revoke=False)
        return None
    if _GEN in st.session_state:  # a session signed in through the form or a cookie (not a test's fixture)
        stored, generation = store.account_and_generation(user.username)
        if st.session_state.get(_DEMO):
            if user.username not in {u.username for u in demo}:
                _end(store, "演示账户停用", DEMO_ENDED_MESSAGE, revoke=False)
                return None
        elif stored is None or stored != user:
            _end(store, "账户已变更", "账户已被删除或角色已变更，请重新登录。", revoke=False)
            return None
        if generation != st.session_state[_GEN]:
            _end(store, "会话已失效", "已在别处退出登录或密码已重置，请重新登录。", revoke=False)
            return None
    st.session_state["last_active"] = now
    return user


def _end(store: AccessStore, why: str, message: str, *, revoke: bool) -> None:
    logout(store, why, revoke=revoke)
    st.session_state[_ENDED] = message


# -- the sign-in cookie ---------------------------------------------------------------------------------------

def _https() -> bool:
    """Served over HTTPS: directly, or behind a proxy that says so (nginx: X-Forwarded-Proto $scheme)."""
    try:
        proto = (st.context.headers.get("X-Forwarded-Proto") or "").split(",")[0].strip().lower()
        return proto == "https" or str(st.context.url or "").startswith("https://")
    except Exception:  # no request context (AppTest)
        return False


def cookie_claims(token: str | None, key: str, store: AccessStore, known: set[str],
                  now: dt.datetime | None = None) -> dict | None:
    """The cookie's claims when it may sign in; None for anything else (forged, alg=none, malformed, expired,
    revoked, unknown user). Never raises: a hostile cookie must not break the login page."""
    if not token or not isinstance(token, str) or len(token) > 4096:
        return None
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"])
    except Exception:  # jwt.PyJWTError and whatever a malformed token provokes
        return None
    if not isinstance(claims, dict):
        return None
    username, expires, generation = claims.get("username"), claims.get("exp_date"), claims.get("gen")
    if not isinstance(username, str) or not isinstance(generation, int) or isinstance(generation, bool) \
            or not isinstance(expires, (int, float)) or isinstance(expires, bool):
        return None
    now = now or dt.datetime.now()
    if not now.timestamp() < expires <= (now + dt.timedelta(days=COOKIE_DAYS, minutes=5)).timestamp():
        return None
    username = normalise_username(username)
    if username not in known or generation != store.session_generation(username):
        return None
    return {"username": username, "exp_date": expires, "gen": generation}


def issue_cookie(username: str, key: str, store: AccessStore, expires: float) -> str:
    """The signed cookie value: user name, expiry (library's `exp_date`) and the current session generation."""
    username = normalise_username(username)
    return jwt.encode({"username": username, "exp_date": expires, "gen": store.session_generation(username)},
                      key, algorithm="HS256")


def _harden_cookie(authenticator, store: AccessStore, known: set[str]) -> None:
    """Make the library's cookie carry the session generation, be checked by `cookie_claims`, and be Secure
    over HTTPS (the library's CookieModel; streamlit-authenticator is pinned, see requirements.txt)."""
    model = authenticator.cookie_controller.cookie_model
    key = model.cookie_key

    def encode() -> str:
        return issue_cookie(st.session_state["username"], key, store, model.exp_date)

    def decode():
        claims = cookie_claims(model.token, key, store, known)
        if claims is None and not st.session_state.get(_BAD_COOKIE_LOGGED):
            st.session_state[_BAD_COOKIE_LOGGED] = True
            store.audit(None, audit.LOGIN_FAILED, "登录凭证无效或已失效（已退出、密码已重置或被篡改），已忽略",
                        success=False)
        return claims if claims is not None else False

    def set_cookie() -> None:
        if model.cookie_expiry_days != 0:
            model.exp_date = model._set_exp_date()
            model.cookie_manager.set(model.cookie_name, encode(), expires_at=dt.datetime.fromtimestamp(model.exp_date),
                                     secure=True if _https() else None, same_site="strict")

    model._token_encode, model._token_decode, model.set_cookie = encode, decode, set_cookie


def _guard_password_login(authenticator, store: AccessStore, known: set[str], attempt: dict) -> None:
    """Lock-out before the library checks a password, for any name typed (known or not), and the name kept
    for the audit; an unknown name pays a bcrypt check too (no timing difference)."""
    model = authenticator.authentication_controller.authentication_model
    library_login = model.login

    def login(username=None, password=None, *args, **kwargs):
        if username:
            username = normalise_username(username)[:MAX_USERNAME]
            attempt["username"] = username
            if store.lock_state(username).locked(dt.datetime.now()):
                raise LoginError("locked")
            if username not in known:
                bcrypt.checkpw((password or "").encode("utf-8"), _demo_hash().encode("ascii"))
        return library_login(username, password, *args, **kwargs)

    model.login = login


# -- the login form -------------------------------------------------------------------------------------------

def authenticate(store: AccessStore, demo: list[User]) -> User | None:
    """The signed-in user, or None after rendering the login form. Call when `enforce` returned None."""
    now = dt.datetime.now()
    accounts = _accounts(store, demo)
    demo_names = {u.username for u in demo}
    credentials = {"usernames": {name: {"name": u.name, "password": h, "roles": [u.role]}
                                 for name, (u, h) in accounts.items()}}
    # The library pauses (0.7 s) before drawing the form so that the cookie component can first report a saved
    # sign-in; with no cookie of ours in the request there is nothing to wait for, and every password sign-in
    # would pay the pause twice (the form, then its submission).
    pause = {} if COOKIE_NAME in st.context.cookies else {"login_sleep_time": 0}
    authenticator = stauth.Authenticate(credentials, cookie_name=COOKIE_NAME,
                                        cookie_key=store.secret("cookie"), cookie_expiry_days=COOKIE_DAYS,
                                        auto_hash=False, **pause)
    known = set(accounts)
    attempt: dict = {}
    _harden_cookie(authenticator, store, known)
    _guard_password_login(authenticator, store, known, attempt)
    st.session_state["_authenticator"] = authenticator
    ended = st.session_state.get(_ENDED)  # kept until the next sign-in: the cookie component's rerun follows
    if ended:
        st.info(ended, icon=":material/logout:")
    try:
        authenticator.login(location="main", key="login", fields={
            "Form name": "登录 脱贫攻坚作战室", "Username": "用户名", "Password": "密码", "Login": "登录"})
    except LoginError:
        st.error("该账户因多次密码错误已被临时锁定，请稍后再试或联系数据管理员重置密码。")
        store.audit(attempt.get("username"), audit.LOGIN_FAILED, "账户已锁定，拒绝登录", success=False)
        return None
    status = st.session_state.get("authentication_status")
    if status is False and attempt.get("username"):
        name = attempt["username"]
        state = store.record_failure(name)
        detail = f"第 {state.failures} 次密码错误" if name in known else f"未知用户名（第 {state.failures} 次）"
        store.audit(name, audit.LOGIN_FAILED, detail, success=False)
        if state.locked(now):
            st.error(f"密码错误次数过多，账户已锁定至 {state.locked_until:%H:%M}。")
    if status and st.session_state.get("username") in accounts:
        name = st.session_state["username"]
        user = accounts[name][0]
        from_cookie = "username" not in attempt
        _sign_in(user, store, "登录凭证（12 小时内免密）" if from_cookie else "密码",
                 demo=name in demo_names and store.user(name) is None)
        if from_cookie:
            st.rerun()
        # After a password login, no st.rerun(): the library has just queued the signed cookie (a component
        # that must reach the browser to be set); it reports back and Streamlit reruns into the app by itself.
        st.success(f"{user.name}，登录成功，正在进入……")
        return user
    if status is False:
        st.error("用户名或密码错误。")
    return None


def logout(store: AccessStore, why: str = "退出", *, revoke: bool = True) -> None:
    """End this session and delete the cookie; `revoke` (a deliberate logout) also raises the user's session
    generation, so that no copy of the cookie signs in again (every session of this user ends)."""
    user = current_user()
    authenticator = st.session_state.get("_authenticator")
    if authenticator is not None and st.session_state.get("authentication_status"):
        authenticator.logout(location="unrendered")
    for key in ("user", "role", "last_active", "authentication_status", "username", "name", "roles", _GEN, _DEMO):
        st.session_state.pop(key, None)
    if user is not None:
        if revoke:
            store.revoke_sessions(user.username)
        store.audit(user.username, audit.LOGOUT, why)
    from access.media_guard import purge_session_media

    purge_session_media()  # the downloads this session made are gone now, not minutes later
