"""Roles and what each may see or do (issue "Access control, privacy and audit").

县领导 sees everything; 乡镇 sees county figures and rankings of every township but villages and
households only of its own township; 数据管理员 imports, rolls back and edits weights; 只读演示 sees
aggregates with personal data masked.
"""

from __future__ import annotations

from dataclasses import dataclass

LEADER, TOWNSHIP, CLERK, VIEWER = "县领导", "乡镇", "数据管理员", "只读演示"
ROLES = (LEADER, TOWNSHIP, CLERK, VIEWER)


def normalise_username(name: str | None) -> str:
    """The one spelling of a user name: stripped and lower-case, as streamlit-authenticator matches it.

    Every store lookup, lock-out counter and audit row uses this form, so that `Wang` and `wang` are one
    account (never two lock-out counters, never a way to tell a locked account from a wrong password).
    """
    return (name or "").strip().lower()


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    township_code: str | None = None

    @property
    def can_import(self) -> bool:
        return self.role == CLERK

    @property
    def can_edit_weights(self) -> bool:
        return self.role == CLERK

    @property
    def can_read_audit(self) -> bool:
        return self.role in (LEADER, CLERK)

    @property
    def can_rectify(self) -> bool:
        """May add, close and reopen any 整改事项 (a 乡镇 account closes only its own: rectification.store)."""
        return self.role in (LEADER, CLERK)

    @property
    def household_scope(self) -> str | None:
        """The one township whose villages and households this user may read; None = all."""
        return self.township_code if self.role == TOWNSHIP else None


def mask_name(name: str | None) -> str | None:
    """张三明 -> 张*明, 张三 -> 张*: keeps the surname and the last character."""
    if not name:
        return name
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(id_number: str | None) -> str | None:
    """430224198001010015 -> 430224********0015 (first 6 and last 4 only)."""
    if not id_number:
        return id_number
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]
