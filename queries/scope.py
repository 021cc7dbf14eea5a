"""Township scope, enforced where data is read: a 乡镇 user gets villages and households of their own
township only, whatever the URL, the filters or the page asks for.

A query that returns village- or household-level rows declares it in its header with the line
`-- scope: township` and filters its rows by `$township` ('ALL' = whole county). For a user bound to one
township, such a query runs with `$township` forced to that township; asking for another one is refused.
Queries without the marker return only aggregates that every role may see.
"""

from __future__ import annotations

import re
from functools import lru_cache

from queries.runner import sql_text

_MARKER = re.compile(r"^--\s*scope:\s*township\s*$", re.MULTILINE)


class OutOfScope(PermissionError):
    """A township-bound user asked for another township's villages or households."""


@lru_cache(maxsize=None)
def is_scoped(name: str) -> bool:
    text, params = sql_text(name)
    scoped = bool(_MARKER.search(text))
    if scoped and "township" not in params:
        raise ValueError(f"queries/{name}.sql is marked scope: township but has no $township parameter")
    return scoped


def enforce(name: str, params: dict, household_scope: str | None) -> dict:
    """The parameters to run `name` with for a user whose household scope is `household_scope`."""
    if household_scope is None or not is_scoped(name):
        return params
    asked = params.get("township", "ALL")
    if asked not in ("ALL", household_scope):
        raise OutOfScope(f"无权查看其他乡镇（{asked}）的村和农户数据")
    return {**params, "township": household_scope}
