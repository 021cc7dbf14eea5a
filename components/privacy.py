"""Masking of personal data (姓名, 身份证号) on screen and in exports, unless the user's role may see it.

The login sets st.session_state["role"] (access/roles.py); without one, pages mask (只读演示). Pure
functions, no Streamlit import: pages pass the role in. The masks themselves live in access/roles.py.

`mask_result` is applied by app_data.run to every query result before a page sees it, so a page or download
that forgets to mask still cannot show more than the role may see (page-level masking is idempotent).
"""

from __future__ import annotations

from collections.abc import Iterable

import re

import polars as pl

from access.roles import CLERK, LEADER, TOWNSHIP, VIEWER, mask_id_number, mask_name

NAME_ROLES = frozenset({LEADER, TOWNSHIP, CLERK})
ID_NUMBER_ROLES = frozenset({CLERK})

DEFAULT_ROLE = VIEWER

# Result columns holding a person's name or 身份证号, whatever query they come from (户主, 帮扶责任人, 第一书记,
# 家庭成员, the person a 数据核查 rule flags).
PERSON_NAME_COLUMNS = ("head_name", "helper", "first_secretary", "person_name", "name")
ID_NUMBER_COLUMNS = ("head_id_number", "id_number")
# The 出生日期异常 rule explains itself with the birth date and age read from the 身份证号: the very digits the
# ID mask hides, so they go wherever the number is masked.
_BIRTH_DATE = r"出生日期 \d{4}-\d{2}-\d{2}"
_AGE = r"截止日期时 \d+ 岁"


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


def mask_result(frame: pl.DataFrame, role: str | None) -> pl.DataFrame:
    """A query result as `role` may see it: person names masked unless can_see_personal, 身份证号 (and the birth
    dates a 数据核查 `detail` reads from them) unless can_see_id_numbers."""
    ids_visible = can_see_id_numbers(role)
    text = {c for c, dtype in frame.schema.items() if dtype == pl.String}
    masked = mask_frame(frame, names=[c for c in PERSON_NAME_COLUMNS if c in text],
                        id_numbers=[c for c in ID_NUMBER_COLUMNS if c in text],
                        visible=can_see_personal(role), ids_visible=ids_visible)
    if not ids_visible and "detail" in text:
        masked = masked.with_columns(pl.col("detail").str.replace_all(_BIRTH_DATE, "出生日期 ****-**-**")
                                     .str.replace_all(_AGE, "截止日期时 ** 岁"))
    return masked


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
