"""The note a page shows while its issue is still being built."""

from __future__ import annotations

import streamlit as st


def under_construction(title: str, what: str) -> None:
    st.title(title)
    st.info(f"建设中：{what}", icon=":material/construction:")
