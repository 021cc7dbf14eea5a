"""Masking of personal data (姓名, 身份证号) on screen and in exports, unless the user's role may see it.

The access-control issue will set the role at login; until then the role comes from
st.session_state["role"] (default 只读演示), so pages show masked data by default. Pure functions, no
Streamlit import: pages pass the role in.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

DEFAULT_ROLE = "只读演示"
ROLES_SEEING_PERSONAL_DATA = frozenset({"县领导", "数据管理员"})


def can_see_personal(role: str | None) -> bool:
    """Placeholder policy: only 县领导 and 数据管理员 see names and ID numbers in full."""
    return role in ROLES_SEEING_PERSONAL_DATA


def mask_name(name: str | None) -> str | None:
    """张三明 -> 张*明, 欧阳明华 -> 欧**华, 张三 -> 张*: the surname stays, so a helper can still address the family."""
    if not name:
        return name
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(id_number: str | None) -> str | None:
    """430102199001011234 -> 430102********1234: region kept, birth date and sequence hidden."""
    if not id_number:
        return id_number
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_frame(frame: pl.DataFrame, *, names: Iterable[str] = (), id_numbers: Iterable[str] = (),
               visible: bool = False) -> pl.DataFrame:
    """The frame with its name and ID-number columns masked (unchanged when visible)."""
    if visible:
        return frame
    return frame.with_columns(
        *[pl.col(c).map_elements(mask_name, return_dtype=pl.String) for c in names if c in frame.columns],
        *[pl.col(c).map_elements(mask_id_number, return_dtype=pl.String) for c in id_numbers if c in frame.columns],
    )
