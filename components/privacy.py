"""Masking of personal data (姓名, 身份证号) on screen and in exports, unless the user's role may see it.

The login sets st.session_state["role"] (access/roles.py); without one, pages mask (只读演示). Pure
functions, no Streamlit import: pages pass the role in. The masks themselves live in access/roles.py.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from access.roles import CLERK, LEADER, TOWNSHIP, VIEWER, mask_id_number, mask_name

NAME_ROLES = frozenset({LEADER, TOWNSHIP, CLERK})
ID_NUMBER_ROLES = frozenset({CLERK})

DEFAULT_ROLE = VIEWER


def can_see_personal(role: str | None) -> bool:
    """Names in full: the county leadership, township heads (their own township only — the query layer
    enforces that scope) and the data office; the read-only demo role sees them masked."""
    return role in NAME_ROLES


def can_see_id_numbers(role: str | None) -> bool:
    """身份证号 in full only for the data office, which corrects them; everyone else sees 430224********123X."""
    return role in ID_NUMBER_ROLES


def mask_frame(frame: pl.DataFrame, *, names: Iterable[str] = (), id_numbers: Iterable[str] = (),
               visible: bool = False, ids_visible: bool = False) -> pl.DataFrame:
    """The frame with its name columns masked unless `visible`, ID-number columns unless `ids_visible`."""
    names = [] if visible else [c for c in names if c in frame.columns]
    id_numbers = [] if ids_visible else [c for c in id_numbers if c in frame.columns]
    return frame.with_columns(
        *[pl.col(c).map_elements(mask_name, return_dtype=pl.String) for c in names],
        *[pl.col(c).map_elements(mask_id_number, return_dtype=pl.String) for c in id_numbers],
    )
