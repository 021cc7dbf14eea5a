"""A page section that degrades on its own: when its query times out, it says so and the page goes on.

    with section("较上周变化"):
        before = app_data.indicators(week_ago)

Only a QueryTimeout (queries.runner) is caught; any other error still surfaces, and Streamlit's own
control flow (st.rerun, st.stop) passes through.
"""

from __future__ import annotations

from contextlib import contextmanager

import streamlit as st

from queries.runner import QueryTimeout


def timeout_message(title: str, exc: QueryTimeout) -> str:
    return (f"「{title}」的数据查询超时（超过 {exc.seconds:g} 秒），这一部分暂不显示，页面其他部分不受影响。"
            "服务器可能正忙，请稍后刷新重试，或选择单个乡镇缩小范围。")


@contextmanager
def section(title: str):
    try:
        yield
    except QueryTimeout as exc:
        st.warning(timeout_message(title, exc), icon=":material/hourglass_empty:")
