"""整改事项 in a small SQLite file beside (never inside) the served data.

The served DuckDB files are read-only, versioned and replaced on every import or rollback; the list of
things the county ordered fixed must outlive all of that, so it lives in `<db stem>.rectify.sqlite` next to
the logical database name (as the accounts do, access.store). Every call that changes an item takes the
acting user and checks the role here, so a hidden button is never the only guard; each change, and each
refused attempt, goes to the audit trail through the `audit` callback.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import polars as pl

from access.roles import TOWNSHIP, User
from sidecar import connect, sidecar_path

SUPERVISION, MANUAL = "督办事项", "手工录入"
OPEN, CLOSED = "未销号", "已销号"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('督办事项', '手工录入')),
    kind           TEXT,
    township_code  TEXT NOT NULL,
    township_name  TEXT NOT NULL,
    text           TEXT NOT NULL,
    deadline       DATE NOT NULL,
    status         TEXT NOT NULL DEFAULT '未销号' CHECK (status IN ('未销号', '已销号')),
    closed_at      TEXT,
    closed_by      TEXT,
    close_note     TEXT
);
-- One open item per township and text: adding a 督办事项 again the next week finds the one still open.
CREATE UNIQUE INDEX IF NOT EXISTS items_open_once ON items (township_code, text) WHERE status = '未销号';
"""
SCHEMA = {"id": pl.Int64, "created_at": pl.Datetime, "created_by": pl.String, "source": pl.String,
          "kind": pl.String, "township_code": pl.String, "township_name": pl.String, "text": pl.String,
          "deadline": pl.Date, "status": pl.String, "closed_at": pl.Datetime, "closed_by": pl.String,
          "close_note": pl.String}
Audit = Callable[[str | None, str, str, bool], None]


class RectifyError(ValueError):
    """A refused change, with the reason in Chinese for the page to show."""


def store_path(db: Path) -> Path:
    return sidecar_path(db, "rectify")


def may_close(user: User | None, township_code: str) -> bool:
    """县领导 and 数据管理员 close any item; a 乡镇 account closes only its own township's."""
    if user is None:
        return False
    return user.can_rectify or (user.role == TOWNSHIP and user.township_code == township_code)


class RectifyStore:
    def __init__(self, path: Path, audit: Audit | None = None):
        self.path = Path(path)
        self._audit_hook = audit
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con, con:
            con.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path)

    def _audit(self, user: User | None, action: str, detail: str, success: bool = True) -> None:
        if self._audit_hook is not None:
            self._audit_hook(user.username if user else None, action, detail, success)

    def _refuse(self, user: User | None, action: str, detail: str, reason: str) -> RectifyError:
        self._audit(user, action, f"{detail}（拒绝：{reason}）", False)
        return RectifyError(reason)

    # adding -----------------------------------------------------------------------------------------
    def add_item(self, user: User | None, township_code: str, township_name: str, text: str,
                 deadline: dt.date, *, source: str = MANUAL, kind: str | None = None) -> int:
        """The new item's id; an open item with the same township and text is not duplicated: its id."""
        return self._add(user, township_code, township_name, text, deadline, source, kind)[0]

    def add_supervision_items(self, user: User | None, items: pl.DataFrame, deadline: dt.date) -> int:
        """Every 督办事项 of `items` (exports.supervision frame) as an item; how many were new."""
        added = 0
        for row in items.iter_rows(named=True):
            added += self._add(user, row["township_code"], row["township_name"], row["text"], deadline,
                               SUPERVISION, row["kind"])[1]
        return added

    def _add(self, user, township_code, township_name, text, deadline, source, kind) -> tuple[int, bool]:
        text = (text or "").strip()
        detail = f"{township_name} {source}"
        if user is None or not user.can_rectify:
            raise self._refuse(user, "整改新增", detail, "只有县领导和数据管理员可以新增整改事项")
        if not text:
            raise RectifyError("请填写整改事项内容")
        if not township_code:
            raise RectifyError("请选择责任乡镇")
        if source not in (SUPERVISION, MANUAL):
            raise RectifyError(f"来源应为{SUPERVISION}或{MANUAL}")
        with closing(self._connect()) as con, con:
            cur = con.execute(
                "INSERT OR IGNORE INTO items (created_at, created_by, source, kind, township_code, township_name, "
                "text, deadline) VALUES (:at, :by, :source, :kind, :code, :name, :text, :deadline)",
                {"at": _now(), "by": user.username, "source": source, "kind": kind, "code": township_code,
                 "name": township_name, "text": text, "deadline": deadline.isoformat()})
            if cur.rowcount:
                item_id, new = cur.lastrowid, True
            else:
                item_id, new = con.execute(
                    "SELECT id FROM items WHERE township_code = ? AND text = ? AND status = ?",
                    (township_code, text, OPEN)).fetchone()[0], False
        if new:
            self._audit(user, "整改新增", f"#{item_id} {detail} 期限 {deadline.isoformat()}")
        return item_id, new

    # reading ----------------------------------------------------------------------------------------
    def items(self, township_code: str | None = None, status: str | None = None) -> pl.DataFrame:
        """Items of one township (None: all) and one status (None: both), newest first."""
        with closing(self._connect()) as con:
            rows = con.execute(
                "SELECT id, created_at, created_by, source, kind, township_code, township_name, text, deadline, "
                "status, closed_at, closed_by, close_note FROM items "
                "WHERE (:code IS NULL OR township_code = :code) AND (:status IS NULL OR status = :status) "
                "ORDER BY id DESC", {"code": township_code, "status": status}).fetchall()
        frame = pl.DataFrame(rows, schema={k: pl.String if k != "id" else pl.Int64 for k in SCHEMA}, orient="row")
        return frame.with_columns(pl.col("created_at", "closed_at").str.to_datetime("%Y-%m-%dT%H:%M:%S"),
                                  pl.col("deadline").str.to_date("%Y-%m-%d"))

    def visible_items(self, user: User | None, township_code: str | None = None,
                      status: str | None = None) -> pl.DataFrame:
        """What `user` may read: a 乡镇 account only its own township, whatever it asks for."""
        scope = user.township_code if user is not None and user.role == TOWNSHIP else None
        if scope is not None and township_code not in (None, scope):
            raise RectifyError("乡镇账户只能查看本乡镇的整改事项")
        return self.items(scope or township_code, status)

    def _item(self, con: sqlite3.Connection, item_id: int) -> tuple[str, str, str]:
        row = con.execute("SELECT township_code, township_name, status FROM items WHERE id = ?",
                          (item_id,)).fetchone()
        if row is None:
            raise RectifyError(f"没有编号为 {item_id} 的整改事项")
        return row

    # closing and reopening --------------------------------------------------------------------------
    def close_item(self, item_id: int, user: User | None, note: str) -> None:
        """销号: the note says what was done; an item is closed once."""
        note = (note or "").strip()
        with closing(self._connect()) as con, con:
            code, name, status = self._item(con, item_id)
            detail = f"#{item_id} {name}"
            if not may_close(user, code):
                raise self._refuse(user, "整改销号", detail, "只能为本乡镇的整改事项销号")
            if status == CLOSED:
                raise RectifyError(f"整改事项 {item_id} 已经销号，不能重复销号")
            if not note:
                raise RectifyError("请填写销号说明（整改了什么、怎么整改的）")
            changed = con.execute(
                "UPDATE items SET status = :closed, closed_at = :at, closed_by = :by, close_note = :note "
                "WHERE id = :id AND status = :open",
                {"closed": CLOSED, "open": OPEN, "at": _now(), "by": user.username, "note": note, "id": item_id})
            if not changed.rowcount:  # closed by someone else between the read and this write
                raise RectifyError(f"整改事项 {item_id} 已经销号，不能重复销号")
        self._audit(user, "整改销号", detail)

    def reopen_item(self, item_id: int, user: User | None) -> None:
        """Undo a 销号 (县领导, 数据管理员): the item is open again, its close record cleared."""
        with closing(self._connect()) as con, con:
            code, name, status = self._item(con, item_id)
            detail = f"#{item_id} {name}"
            if user is None or not user.can_rectify:
                raise self._refuse(user, "整改重开", detail, "只有县领导和数据管理员可以重新打开整改事项")
            if status == OPEN:
                raise RectifyError(f"整改事项 {item_id} 尚未销号")
            try:
                con.execute("UPDATE items SET status = :open, closed_at = NULL, closed_by = NULL, close_note = NULL "
                            "WHERE id = :id", {"open": OPEN, "id": item_id})
            except sqlite3.IntegrityError as exc:
                raise RectifyError(f"{name}已有内容相同的未销号事项，不能重新打开") from exc
        self._audit(user, "整改重开", detail)


def with_overdue(items: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Adds overdue_days: days past the deadline of an open item (null when closed or not yet due).

    Computed at view time, never stored: an item becomes overdue by the calendar alone.
    """
    days = (pl.lit(today) - pl.col("deadline")).dt.total_days()
    return items.with_columns(
        overdue_days=pl.when((pl.col("status") == OPEN) & (pl.col("deadline") < today)).then(days)
        .otherwise(None).cast(pl.Int64))


def summary(items: pl.DataFrame, today: dt.date) -> dict[str, int]:
    """The page's four counts; 本周 starts on Monday, the day of the weekly meeting."""
    monday = dt.datetime.combine(today - dt.timedelta(days=today.weekday()), dt.time())
    frame = with_overdue(items, today)
    closed = frame.filter(pl.col("status") == CLOSED)
    return {"open": frame.height - closed.height,
            "overdue": frame.filter(pl.col("overdue_days").is_not_null()).height,
            "closed_this_week": closed.filter(pl.col("closed_at") >= monday).height,
            "closed": closed.height}


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")
