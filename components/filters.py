"""The global filters in the sidebar: 数据截止日期 and 乡镇, bound to the URL so a link reproduces the view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import streamlit as st

ALL = "ALL"
EARLIEST = dt.date(2014, 1, 1)


@dataclass(frozen=True)
class Filters:
    as_of: dt.date
    township: str  # a 乡镇代码, or ALL for 全县
    township_name: str
    home_name: str | None = None  # the signed-in township head's own township
    home: str | None = None       # ... and its 乡镇代码

    @property
    def marked(self) -> str | None:
        """The township to highlight on county-wide charts and tables: the one picked, else the viewer's own."""
        return self.home_name if self.is_county else self.township_name

    @property
    def marked_code(self) -> str | None:
        """`marked`'s 乡镇代码: the township a chart of a province's townships keeps (components/long_lists)."""
        return self.home if self.is_county else self.township

    @property
    def is_county(self) -> bool:
        return self.township == ALL


def sidebar_filters(latest: dt.date, townships: pl.DataFrame, home: str | None = None,
                    earliest: dt.date | None = None) -> Filters:
    """home: the signed-in user's own 乡镇代码 (a township head's), where the session opens unless a link
    names another township; the user can still pick 全县 or any other township."""
    names = dict(zip(townships["township_code"], townships["township_name"]))
    # The URL carries the township by name (the widget binds its formatted option); links made by other
    # tools may carry the 乡镇代码: accept that on arrival.
    linked = st.query_params.get("township")
    if "township" not in st.session_state and linked in names:
        st.session_state["township"] = linked
    elif "township" not in st.session_state and linked is None and home in names:
        st.session_state["township"] = home
    # A view that showed the newest data keeps doing so after a publish (the widget keeps its value, not its
    # default); a date the user picked stays picked.
    followed = st.session_state.get("_as_of_latest")
    if followed is not None and followed != latest and st.session_state.get("as_of") == followed:
        st.session_state["as_of"] = latest
    st.session_state["_as_of_latest"] = latest
    with st.sidebar:
        as_of = st.date_input(
            "数据截止日期", value=latest, min_value=EARLIEST, max_value=max(latest, EARLIEST),
            key="as_of", bind="query-params", format="YYYY-MM-DD",
            help="所有指标按该日期及以前的记录计算；默认为数据中最晚的日期",
        )
        township = st.selectbox(
            "乡镇", [ALL, *names], key="township", bind="query-params",
            format_func=lambda code: "全县" if code == ALL else f"{names.get(code, code)}",
        )
    as_of = as_of if isinstance(as_of, dt.date) else latest
    if earliest is not None and as_of < earliest:
        st.sidebar.warning(f"所选日期早于数据中最早的记录（{earliest:%Y年%-m月%-d日}），各项指标都是 0。",
                           icon=":material/event_busy:")
    township = township if township in names or township == ALL else ALL
    return Filters(as_of, township, "全县" if township == ALL else names[township], names.get(home),
                   home if home in names else None)


def current() -> Filters:
    """The filters the shell set for this run (pages read them here)."""
    filters = st.session_state.get("_filters")
    if filters is None:  # the page ran without the shell: see app_data.leave_pages_directory_mode
        import app_data

        app_data.leave_pages_directory_mode()
    return filters
