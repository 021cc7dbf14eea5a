"""整改销号: the items the county ordered fixed (from 督办事项 or entered by hand), closed one by one.

Who may do what is checked in rectification.store on every change; this page only hides what a role
cannot use. Overdue is computed here from today's date, never stored.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

import app_data
from access.roles import TOWNSHIP
from access.session import current_user
from components.filters import current
from components.tables import labelled, table_with_download
from components.text import md
from rectification import app as rectify_app
from rectification.store import CLOSED, OPEN, RectifyError, may_close, summary, with_overdue

app_data.require_shell()

COLUMNS = {"id": "编号", "township_name": "乡镇", "text": "事项", "source": "来源", "deadline": "期限",
           "status": "状态", "overdue_days": "逾期天数", "closed_at": "销号时间", "closed_by": "销号人",
           "close_note": "销号说明"}
STATUSES = (OPEN, CLOSED, "全部")
DEFAULT_DAYS = 14
_FLASH = "_rectify_flash"


def _flash(kind: str, message: str) -> None:
    st.session_state[_FLASH] = (kind, message)


def _add(store, user, names: dict[str, str]) -> None:
    """Callback of 新增: runs before the page, so the table below already shows the new item."""
    code, text, deadline = (st.session_state.get(k) for k in ("rectify_new_town", "rectify_new_text",
                                                               "rectify_new_deadline"))
    try:
        item_id = store.add_item(user, code, names.get(code, code), text, deadline)
    except RectifyError as exc:
        _flash("warning", str(exc))
        return
    st.session_state["rectify_new_text"] = ""
    _flash("success", f"已新增整改事项（编号 {item_id}）。")


def _close(store, user) -> None:
    item_id, note = st.session_state.get("rectify_close_id"), st.session_state.get("rectify_close_note")
    if item_id is None:
        _flash("warning", "请选择要销号的整改事项")
        return
    try:
        store.close_item(item_id, user, note)
    except RectifyError as exc:
        _flash("warning", str(exc))
        return
    st.session_state["rectify_close_note"] = ""
    _flash("success", f"整改事项 {item_id} 已销号。")


def _reopen(store, user) -> None:
    item_id = st.session_state.get("rectify_reopen_id")
    try:
        store.reopen_item(item_id, user)
    except RectifyError as exc:
        _flash("warning", str(exc))
        return
    _flash("success", f"整改事项 {item_id} 已重新打开。")


def _for_display(items: pl.DataFrame) -> pl.DataFrame:
    """Blank, not "None", where an item is not overdue or not yet closed (the grid prints nulls as None)."""
    text = items.with_columns(pl.col("overdue_days").cast(pl.String),
                              pl.col("closed_at").dt.strftime("%Y-%m-%d %H:%M"))
    return text.with_columns(pl.col("overdue_days", "closed_at", "closed_by", "close_note").fill_null(""))


def _label(row: dict) -> str:
    text = row["text"] if len(row["text"]) <= 40 else row["text"][:39] + "…"
    return f"{row['id']} · {row['township_name']} · {text}"


filters = current()
user = current_user()
store = rectify_app.store()
today = dt.date.today()
townships = app_data.townships()
names = dict(zip(townships["township_code"], townships["township_name"]))
scope = user.township_code if user is not None and user.role == TOWNSHIP else \
    (None if filters.is_county else filters.township)
area = names.get(scope, "全县") if scope else "全县"

st.title("整改销号")
st.caption(f"{md(area)}的整改事项：来自周调度的督办事项或手工录入，逐项整改、逐项销号。逾期按今天（{today:%Y年%m月%d日}）计算。")
if flash := st.session_state.pop(_FLASH, None):
    getattr(st, flash[0])(md(flash[1]), icon=":material/task_alt:" if flash[0] == "success" else ":material/warning:")

every = with_overdue(store.visible_items(user, scope), today)
counts = summary(every, today)
for column, (label, value, help_text) in zip(st.columns(4), (
        ("未销号", counts["open"], "尚未销号的整改事项"),
        ("其中逾期", counts["overdue"], "未销号且已过整改期限"),
        ("本周销号", counts["closed_this_week"], "本周一以来销号的事项"),
        ("已销号", counts["closed"], "累计已销号的事项"))):
    column.metric(label, f"{value:,}", help=help_text, border=True)

status = st.pills("状态", STATUSES, default=OPEN, key="rectify_status") or OPEN
shown = (every if status == "全部" else every.filter(pl.col("status") == status)).sort(
    pl.col("status") == CLOSED, "deadline", "id")  # open first, the most urgent first, 督办事项 in their order
if shown.height:
    table_with_download(labelled(_for_display(shown), COLUMNS), f"整改销号_{area}_{status}_{today:%Y%m%d}",
                        key="rectify-items",
                        column_config={"编号": st.column_config.NumberColumn(format="%d", width="small"),
                                       "期限": st.column_config.DateColumn(format="YYYY-MM-DD")})
else:
    st.info(f"没有{'' if status == '全部' else status}的整改事项。", icon=":material/inbox:")

closable = every.filter((pl.col("status") == OPEN)
                        & pl.Series([may_close(user, code) for code in every["township_code"]], dtype=pl.Boolean))
if user is not None and (user.can_rectify or closable.height):
    left, right = st.columns(2)
    if closable.height:
        with right, st.form("rectify_close", border=True):
            st.markdown("**销号**")
            rows = {row["id"]: row for row in closable.iter_rows(named=True)}
            st.selectbox("整改事项", list(rows), format_func=lambda i: _label(rows[i]), key="rectify_close_id",
                         index=None, placeholder="选择一项未销号的事项")
            st.text_area("销号说明", key="rectify_close_note", placeholder="整改了什么、怎么整改的（必填）")
            st.form_submit_button("销号", type="primary", icon=":material/check_circle:",
                                  on_click=_close, args=(store, user))
    if user.can_rectify:
        with left, st.form("rectify_new", border=True):
            st.markdown("**新增整改事项**")
            codes = [scope] if scope else list(names)
            st.selectbox("责任乡镇", codes, format_func=lambda code: names.get(code, code), key="rectify_new_town")
            st.text_area("事项", key="rectify_new_text", placeholder="需要整改的问题（必填）")
            st.date_input("期限", value=today + dt.timedelta(days=DEFAULT_DAYS), min_value=today,
                          format="YYYY-MM-DD", key="rectify_new_deadline")
            st.form_submit_button("新增", icon=":material/add:", on_click=_add, args=(store, user, names))
        closed = every.filter(pl.col("status") == CLOSED)
        if closed.height:
            with st.expander("重新打开已销号的事项"):
                rows_closed = {row["id"]: row for row in closed.iter_rows(named=True)}
                st.selectbox("已销号事项", list(rows_closed), format_func=lambda i: _label(rows_closed[i]),
                             key="rectify_reopen_id")
                st.button("重新打开", icon=":material/undo:", on_click=_reopen, args=(store, user),
                          key="rectify_reopen")
