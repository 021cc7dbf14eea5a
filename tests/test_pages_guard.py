"""Every page starts by requiring the shell (dashboard.py and its login).

Streamlit's legacy pages/ mode can run a page file on its own (the first visit after a start); a page
that touched Streamlit or data before `current()` / `app_data.require_shell()` would show it to a visitor
who never logged in.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PAGES = sorted((Path(__file__).resolve().parents[1] / "pages").glob("*.py"))
GUARDS = {"current", "require_shell"}


def _calls(node: ast.AST) -> list[str]:
    names = []
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        func = call.func
        names.append(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_requires_the_shell_before_anything_else(page):
    tree = ast.parse(page.read_text(encoding="utf-8"))
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
            continue
        calls = _calls(statement)
        if not calls:
            continue  # docstring, constants
        assert GUARDS & set(calls), (
            f"{page.name}: the first statement that calls anything must be `current()` or "
            f"`app_data.require_shell()`, found: {ast.unparse(statement)[:80]}")
        return
    pytest.fail(f"{page.name} never requires the shell")
