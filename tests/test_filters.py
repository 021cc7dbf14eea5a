"""The sidebar's 数据截止日期 after a publish: it follows the newest data unless the user picked a date."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest


def _script():
    import datetime as dt

    import polars as pl
    import streamlit as st

    from components.filters import sidebar_filters

    latest = st.session_state.get("_test_latest", dt.date(2020, 11, 16))
    filters = sidebar_filters(latest, pl.DataFrame({"township_code": ["431299101"], "township_name": ["甲镇"]}))
    st.write(f"as_of={filters.as_of}")


def _shown(at: AppTest) -> str:
    return at.markdown[0].value


def test_the_date_follows_a_newer_publish_unless_the_user_picked_one():
    at = AppTest.from_function(_script)
    at.run()
    assert _shown(at) == "as_of=2020-11-16"  # default: the newest date in the data
    at.session_state["_test_latest"] = dt.date(2020, 11, 23)  # this week's export published
    at.run()
    assert _shown(at) == "as_of=2020-11-23"
    at.sidebar.date_input[0].set_value(dt.date(2020, 10, 1)).run()
    assert _shown(at) == "as_of=2020-10-01"
    at.session_state["_test_latest"] = dt.date(2020, 11, 30)
    at.run()
    assert _shown(at) == "as_of=2020-10-01"  # a date the user chose is theirs


def test_the_marked_township_has_its_code_for_the_province_cut():
    from components.filters import ALL, Filters

    head_on_county = Filters(dt.date(2020, 11, 16), ALL, "全县", "桃花乡", "T01")
    assert (head_on_county.marked, head_on_county.marked_code) == ("桃花乡", "T01")
    picked = Filters(dt.date(2020, 11, 16), "T02", "马鞍镇", "桃花乡", "T01")
    assert (picked.marked, picked.marked_code) == ("马鞍镇", "T02")
    assert Filters(dt.date(2020, 11, 16), ALL, "全县").marked_code is None
