"""The audit trail's one entry point: `record(user, action, detail)` from pages, components and CLIs.

Every action that touches personal data or changes who may see it leaves a row (time, user, action, detail,
success) in the access store beside the database (access/store.py). Callers never open the store
themselves: on a page the served database's store is used; a command line passes `db=` (the logical
database name). Detail names *what* (a file, a household ID, a township), never personal data itself.

Action names in use are listed below so that the 审计日志 filter stays short; new ones may be added.
"""

from __future__ import annotations

from pathlib import Path

from access.roles import User, normalise_username

# Action names (the 操作 column). Pages and CLIs may pass any short Chinese verb; prefer these.
LOGIN, LOGIN_FAILED, LOGOUT = "登录", "登录失败", "退出"
VIEW_HOUSEHOLD = "查看户情"
EXPORT = "导出"              # Excel / CSV / PDF / DOCX / PPTX / PNG; detail = file name
IMPORT, IMPORT_REFUSED = "导入", "导入被拒"
CHECK = "数据核查"           # a check run on an uploaded file (web) or `ingest check`
OUT_OF_SCOPE = "越权访问"     # refused scope attempts (another township's villages or households)
WEIGHTS = "修改权重"
ADD_USER, SET_ROLE, RESET_PASSWORD, REMOVE_USER = "新增用户", "修改角色", "重置密码", "删除用户"
DEMO_ENDED = "停用演示账户"


def _name(user: User | str | None) -> str | None:
    if user is None:
        return None
    return normalise_username(user.username if isinstance(user, User) else str(user)) or None


def record(user: User | str | None, action: str, detail: str = "", *, success: bool = True,
           db: Path | str | None = None) -> None:
    """Append one audit row now. `user`: a User, a user name, or None (not signed in / unknown).

    On a page leave `db` out (the served database's store); a CLI passes its `--db`. Never raises for a
    missing Streamlit context when `db` is given; a failure to write propagates (an unaudited action on
    personal data must not pass silently).
    """
    if db is not None:
        from access.store import AccessStore, store_path

        store = AccessStore(store_path(Path(db)))
    else:
        import app_data  # late: app_data imports Streamlit and the query layer

        store = app_data.access_store()
    store.audit(_name(user), action, detail, success=success)


def record_session(action: str, detail: str = "", *, success: bool = True) -> None:
    """`record` for the user signed in to this Streamlit session (None when nobody is)."""
    import streamlit as st

    record(st.session_state.get("user"), action, detail, success=success)
