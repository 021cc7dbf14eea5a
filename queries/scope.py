"""Township scope, enforced where data is read: a 乡镇 user gets villages and households of their own
township only, whatever the URL, the filters or the page asks for; 只读演示 gets no household rows at all.

Every query file declares what one of its rows is about in its header, `-- level: <level>` (the runner refuses
a file without it):

    county     catalogues and county-wide facts (townships, meta, import history)      every role
    township   one row per township, or the totals of one township or the county      every role, any township
    project    projects and their funds (publicly posted, 公示)                        every role, any township
    village    one row per village                                                    scoped
    household  one row per household or person                                        scoped; not 只读演示

A village- or household-level file takes `$township` ('ALL' = whole county) and filters its rows with the
predicate `$township = 'ALL' OR <alias>.township_code = $township` (tests/test_scope.py checks both, and runs
every such file as a 乡镇 user). For a user bound to one township it runs with `$township` forced to that
township; asking for another one raises OutOfScope, which pages turn into a short note (app_data.detail).
"""

from __future__ import annotations

import re
from functools import lru_cache

from queries.runner import level_of, sql_text

SCOPED_LEVELS = frozenset({"village", "household"})
SUMMARY_ONLY_HIDDEN = frozenset({"household"})  # what 只读演示 (aggregates only, README) never receives
PREDICATE = re.compile(r"\$township\s*=\s*'ALL'\s+OR\s+(?:\w+\.)?township_code\s*=\s*\$township")


class Withheld(PermissionError):
    """Detail the signed-in user may not read; `message` is the Chinese note a page shows instead."""

    def __init__(self, message: str, name: str, township: str | None = None):
        super().__init__(message)
        self.message, self.name, self.township = message, name, township


class OutOfScope(Withheld):
    """A township-bound user asked for another township's villages or households."""


class SummaryOnly(Withheld):
    """The read-only demo role asked for household-level rows (it sees aggregates only)."""


def level(name: str) -> str:
    return level_of(name, sql_text(name)[0])


@lru_cache(maxsize=None)
def is_scoped(name: str) -> bool:
    """True for village- and household-level queries; raises ValueError when such a file lacks $township or
    the scope predicate (it would otherwise run unscoped)."""
    text, params = sql_text(name)
    scoped = level_of(name, text) in SCOPED_LEVELS
    if scoped and ("township" not in params or not PREDICATE.search(re.sub(r"--[^\n]*", "", text))):
        raise ValueError(f"queries/{name}.sql is village- or household-level but has no "
                         "`$township = 'ALL' OR township_code = $township` predicate")
    return scoped


def enforce(name: str, params: dict, household_scope: str | None, *, summary_only: bool = False) -> dict:
    """The parameters to run `name` with for a user whose household scope is `household_scope` (None = all);
    `summary_only` for a role that sees aggregates only (只读演示)."""
    if not is_scoped(name):
        return params
    if summary_only and level(name) in SUMMARY_ONLY_HIDDEN:
        raise SummaryOnly("只读演示账户只能查看汇总数据，农户名单和台账不对该账户开放。", name)
    if household_scope is None:
        return params
    asked = params.get("township", "ALL")
    if asked not in ("ALL", household_scope):
        raise OutOfScope(f"无权查看其他乡镇（{asked}）的村和农户数据", name, asked)
    return {**params, "township": household_scope}
