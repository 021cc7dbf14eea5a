"""The dashboard's handle on the rectification store: one per logical database, writing to its audit trail."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import app_data
from rectification.store import RectifyStore, store_path


def path() -> Path:
    """Beside the logical database name, so items outlive every import, publish and rollback."""
    return store_path(app_data.db_path())


@st.cache_resource(show_spinner=False)
def _store(location: str) -> RectifyStore:
    return RectifyStore(Path(location), audit=lambda *entry: app_data.access_store().audit(*entry))


def store() -> RectifyStore:
    return _store(str(path()))
