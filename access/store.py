"""Users, login failures and the audit log, in a small SQLite file beside (never inside) the served data.

The data file is read-only for the dashboard and replaced on every import; accounts and the audit trail
must outlive imports, so they live in `<db stem>.access.sqlite` next to the logical database name.
SQLite serialises the few writes (logins, audit rows) from concurrent sessions.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from access.roles import ROLES, TOWNSHIP, User, normalise_username
from sidecar import connect, sidecar_path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username       TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    role           TEXT NOT NULL,
    township_code  TEXT,
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS login_state (
    username      TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    username  TEXT,
    action    TEXT NOT NULL,
    detail    TEXT,
    success   INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS secrets (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
-- The generation a user's sign-in cookie must carry: raised by logout, password reset, role change and
-- removal, so that every earlier cookie (a copy included) stops signing in. Demo accounts have rows too.
CREATE TABLE IF NOT EXISTS session_generation (
    username    TEXT PRIMARY KEY,
    generation  INTEGER NOT NULL
);
"""
# Accounts made before user names were normalised: fold them to the one spelling (a clash keeps both rows
# and the mixed-case one can no longer sign in: `admin list` shows it for the administrator to remove).
_NORMALISE = """
UPDATE OR IGNORE users SET username = lower(trim(username)) WHERE username <> lower(trim(username));
DELETE FROM login_state WHERE username <> lower(trim(username));
"""
# The demo county's accounts (access/session.py), never stored here; their session generation is.
DEMO_USERNAMES = ("secretary", "township", "clerk")
# After this many consecutive failures an account is locked; each further failure doubles the lock.
FAILURES_BEFORE_LOCK = 5
FIRST_LOCK = dt.timedelta(minutes=5)
MAX_LOCK = dt.timedelta(hours=24)


class AccessError(ValueError):
    pass


def store_path(db: Path) -> Path:
    return sidecar_path(db, "access")


def hash_password(password: str) -> str:
    if len(password) < 4:
        raise AccessError("密码至少 4 位")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=12)).decode("ascii")


@dataclass
class LockState:
    failures: int
    locked_until: dt.datetime | None

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


class AccessStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con, con:
            con.executescript(_SCHEMA)
            con.executescript(_NORMALISE)

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path)

    # users ------------------------------------------------------------------------------------------
    def add_user(self, username: str, name: str, role: str, password: str, township_code: str | None = None) -> None:
        username = _check_username(username)
        _check_role(role, township_code)
        with closing(self._connect()) as con, con:
            try:
                con.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)",
                            (username, name, role, township_code if role == TOWNSHIP else None, hash_password(password),
                             dt.datetime.now().isoformat(timespec="seconds")))
            except sqlite3.IntegrityError as exc:
                raise AccessError(f"用户 {username} 已存在") from exc

    def set_password(self, username: str, password: str) -> None:
        """New password, lock lifted, and every sign-in cookie issued before revoked."""
        username = normalise_username(username)
        with closing(self._connect()) as con, con:
            if con.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                           (hash_password(password), username)).rowcount == 0:
                raise AccessError(f"没有用户 {username}")
            con.execute("DELETE FROM login_state WHERE username = ?", (username,))
            _bump(con, username)

    def set_role(self, username: str, role: str, township_code: str | None = None) -> User:
        """Change the role (open sessions and cookies end: they carry the old rights); returns the old user."""
        username = normalise_username(username)
        _check_role(role, township_code)
        with closing(self._connect()) as con, con:
            old = con.execute("SELECT username, name, role, township_code FROM users WHERE username = ?",
                              (username,)).fetchone()
            if old is None:
                raise AccessError(f"没有用户 {username}")
            con.execute("UPDATE users SET role = ?, township_code = ? WHERE username = ?",
                        (role, township_code if role == TOWNSHIP else None, username))
            _bump(con, username)
        return User(*old)

    def remove_user(self, username: str) -> None:
        username = normalise_username(username)
        with closing(self._connect()) as con, con:
            if con.execute("DELETE FROM users WHERE username = ?", (username,)).rowcount == 0:
                raise AccessError(f"没有用户 {username}")
            con.execute("DELETE FROM login_state WHERE username = ?", (username,))
            _bump(con, username)

    def user(self, username: str) -> User | None:
        username = normalise_username(username)
        with closing(self._connect()) as con:
            row = con.execute("SELECT username, name, role, township_code FROM users WHERE username = ?",
                              (username,)).fetchone()
        return User(*row) if row else None

    # sessions ---------------------------------------------------------------------------------------
    def account_and_generation(self, username: str) -> tuple[User | None, int]:
        """The stored account (None for a demo or removed one) and its session generation: what every run of a
        signed-in session checks (access.session.enforce), in one connection."""
        username = normalise_username(username)
        with closing(self._connect()) as con:
            row = con.execute("SELECT username, name, role, township_code FROM users WHERE username = ?",
                              (username,)).fetchone()
            generation = con.execute("SELECT generation FROM session_generation WHERE username = ?",
                                     (username,)).fetchone()
        return (User(*row) if row else None), (generation[0] if generation else 0)

    def session_generation(self, username: str) -> int:
        """The generation a valid sign-in cookie of this user carries (0 until the first revocation)."""
        with closing(self._connect()) as con:
            row = con.execute("SELECT generation FROM session_generation WHERE username = ?",
                              (normalise_username(username),)).fetchone()
        return row[0] if row else 0

    def end_demo_accounts(self) -> None:
        """The demo county was replaced by real data: every demo account's cookie and session ends now."""
        real = {user.username for user, _ in self.users()}  # a stored account of the same name is not a demo one
        for username in DEMO_USERNAMES:
            if username not in real:
                self.revoke_sessions(username)

    def revoke_sessions(self, username: str) -> int:
        """Every cookie and open session of this user ends (logout, reset); returns the new generation."""
        with closing(self._connect()) as con, con:
            return _bump(con, normalise_username(username))

    def users(self) -> list[tuple[User, str]]:
        """(user, password hash) for every account."""
        with closing(self._connect()) as con:
            rows = con.execute("SELECT username, name, role, township_code, password_hash FROM users "
                               "ORDER BY username").fetchall()
        return [(User(u, n, r, t), h) for u, n, r, t, h in rows]

    # login failures ---------------------------------------------------------------------------------
    def lock_state(self, username: str) -> LockState:
        username = normalise_username(username)
        with closing(self._connect()) as con:
            row = con.execute("SELECT failures, locked_until FROM login_state WHERE username = ?",
                              (username,)).fetchone()
        if row is None:
            return LockState(0, None)
        return LockState(row[0], dt.datetime.fromisoformat(row[1]) if row[1] else None)

    def record_failure(self, username: str, now: dt.datetime | None = None) -> LockState:
        now = now or dt.datetime.now()
        username = normalise_username(username)
        failures = self.lock_state(username).failures + 1
        locked_until = None
        if failures >= FAILURES_BEFORE_LOCK:
            locked_until = now + min(FIRST_LOCK * 2 ** (failures - FAILURES_BEFORE_LOCK), MAX_LOCK)
        with closing(self._connect()) as con, con:
            con.execute("INSERT OR REPLACE INTO login_state VALUES (?, ?, ?)",
                        (username, failures, locked_until.isoformat() if locked_until else None))
        return LockState(failures, locked_until)

    def record_success(self, username: str) -> None:
        with closing(self._connect()) as con, con:
            con.execute("DELETE FROM login_state WHERE username = ?", (normalise_username(username),))

    # audit ------------------------------------------------------------------------------------------
    def audit(self, username: str | None, action: str, detail: str = "", success: bool = True) -> None:
        """One audit row (prefer access.audit.record, which also finds the store)."""
        username = normalise_username(username) or None
        with closing(self._connect()) as con, con:
            con.execute("INSERT INTO audit (at, username, action, detail, success) VALUES (?, ?, ?, ?, ?)",
                        (dt.datetime.now().isoformat(timespec="seconds"), username, action, detail, int(success)))

    def audit_rows(self, limit: int = 5000) -> list[tuple]:
        with closing(self._connect()) as con:
            return con.execute("SELECT at, username, action, detail, success FROM audit ORDER BY id DESC LIMIT ?",
                               (limit,)).fetchall()

    # secrets ----------------------------------------------------------------------------------------
    def secret(self, key: str) -> str:
        """A random secret made on first use (e.g. the cookie signing key); never in the repository."""
        with closing(self._connect()) as con, con:
            con.execute("INSERT OR IGNORE INTO secrets VALUES (?, ?)", (key, secrets.token_urlsafe(32)))
            return con.execute("SELECT value FROM secrets WHERE key = ?", (key,)).fetchone()[0]


def _bump(con: sqlite3.Connection, username: str) -> int:
    con.execute("INSERT INTO session_generation VALUES (?, 1) ON CONFLICT (username) "
                "DO UPDATE SET generation = generation + 1", (username,))
    return con.execute("SELECT generation FROM session_generation WHERE username = ?", (username,)).fetchone()[0]


def _check_username(username: str) -> str:
    """Normalised (lower-case) and plain: letters, digits, '.', '_', '-' (it appears in cookies and the log)."""
    name = normalise_username(username)
    if not 2 <= len(name) <= 32 or not all(c.isascii() and (c.isalnum() or c in "._-") for c in name):
        raise AccessError("用户名应为 2–32 位英文字母、数字或 . _ -（不区分大小写）")
    return name


def _check_role(role: str, township_code: str | None) -> None:
    if role not in ROLES:
        raise AccessError(f"角色应为以下之一：{'、'.join(ROLES)}")
    if role == TOWNSHIP and not township_code:
        raise AccessError("乡镇角色必须绑定乡镇代码（--township）")
    if role == TOWNSHIP and township_code.strip().upper() == "ALL":
        raise AccessError("乡镇角色只能绑定一个乡镇，不能是 ALL（全县请用县领导角色）")
