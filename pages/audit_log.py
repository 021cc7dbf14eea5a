"""审计日志: who logged in (or failed to), viewed households, exported and imported — for 县领导 and 数据管理员."""

from __future__ import annotations

import polars as pl
import streamlit as st

import app_data
from access.session import current_user
from components.tables import table_with_download

app_data.require_shell()

user = current_user()
st.title("审计日志")
if user is None or not user.can_read_audit:
    st.error("无权查看审计日志。")
    st.stop()
rows = app_data.access_store().audit_rows()
log = pl.DataFrame(rows, schema={"时间": pl.String, "用户": pl.String, "操作": pl.String, "内容": pl.String,
                                 "成功": pl.Int64}, orient="row").with_columns(
    pl.col("成功").replace_strict({1: "是", 0: "否"}, return_dtype=pl.String),
    # Stored as ISO text (2026-11-29T21:05:56); shown as a reader writes it. Unparseable text stays as is.
    pl.coalesce(pl.col("时间").str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False).dt.strftime("%Y年%-m月%-d日 %H:%M:%S"),
                pl.col("时间")))
actions = st.multiselect("操作", sorted(log["操作"].unique().to_list()), placeholder="全部操作")
who = st.text_input("用户名", placeholder="全部用户")
if actions:
    log = log.filter(pl.col("操作").is_in(actions))
if who:
    log = log.filter(pl.col("用户").str.contains(who.strip().lower(), literal=True))  # names are stored lower-case
st.caption(f"最近 {log.height} 条记录（最新在前）")
table_with_download(log, "审计日志", key="audit")
