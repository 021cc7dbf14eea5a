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
    """The frame with its name columns masked unless `visible`, ID-number columns unless `ids_visible`.

    Polars expressions, never a Python callback per value (map_elements): polars runs those on its worker
    threads, which then need the GIL, and the server's other script threads wait on those same workers while
    holding it — a deadlock seen under load."""
    names = [] if visible else [c for c in names if c in frame.columns]
    id_numbers = [] if ids_visible else [c for c in id_numbers if c in frame.columns]
    return frame.with_columns(*[masked_name(pl.col(c)) for c in names],
                              *[masked_id_number(pl.col(c)) for c in id_numbers])


def _stars(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(".", "*")


def masked_name(name: pl.Expr) -> pl.Expr:
    """access.roles.mask_name as an expression: 张三明 -> 张*明, 张三 -> 张*, 张 -> 张."""
    n = name.str.len_chars()
    return (pl.when(n <= 1).then(name)
            .when(n == 2).then(name.str.slice(0, 1) + "*")
            .otherwise(name.str.slice(0, 1) + _stars(name.str.slice(1, n - 2)) + name.str.slice(-1)))


def masked_id_number(id_number: pl.Expr) -> pl.Expr:
    """access.roles.mask_id_number as an expression: the first 6 and last 4 characters only."""
    n = id_number.str.len_chars()
    return (pl.when(n <= 10).then(_stars(id_number))
            .otherwise(id_number.str.slice(0, 6) + _stars(id_number.str.slice(6, n - 10)) + id_number.str.slice(-4)))
