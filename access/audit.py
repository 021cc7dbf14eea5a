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
MAX_DETAIL = 500  # a typed value (a search, a household ID from a URL) is cut, never stored whole


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
    store.audit(_name(user), action, str(detail)[:MAX_DETAIL], success=success)


def record_session(action: str, detail: str = "", *, success: bool = True) -> None:
    """`record` for the user signed in to this Streamlit session (None when nobody is)."""
    import streamlit as st

    record(st.session_state.get("user"), action, detail, success=success)


def record_once(key: str, action: str, detail: str = "", *, success: bool = True) -> None:
    """`record_session`, at most once per session for this key: a page that reruns on every click (户情 of
    one household, a search) leaves one row per thing looked at, not one per rerun."""
    import streamlit as st

    seen = st.session_state.setdefault("_audited", set())
    if key in seen:
        return
    record_session(action, detail, success=success)
    seen.add(key)


def on_download(file_name: str, make, *, action: str = EXPORT):
    """Wrap the `data` callable of a deferred st.download_button: the click that builds the file records who
    downloaded which file. Streamlit runs the callable outside the script run (no session there), so the
    user and the database are taken now, when the button is drawn.

        st.download_button("周报 PDF", data=audit.on_download(name, lambda: render(brief)), file_name=name, ...)
    """
    import streamlit as st

    import app_data

    user, db = st.session_state.get("user"), app_data.db_path()

    def build():
        data = make()
        record(user, action, file_name, db=db)
        return data

    return build
