"""docs/ carries the contract with the code (issue 19 §6): every command and option that docs/commands.md
names exists, and README sends readers to docs/ rather than to a file outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")


def _documented() -> list[tuple[list[str], list[str]]]:
    """(module and subcommand, options) of each `python -m` line in the code blocks."""
    out = []
    for block in re.findall(r"```\n(.*?)```", COMMANDS, re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0]
            if not line.startswith("python -m "):
                continue
            words = line.split()
            out.append((words[2:4], re.findall(r"(?<![\w-])--[a-z][a-z-]*", line)))
    return out


@pytest.mark.parametrize("command,options", _documented(), ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_every_documented_command_and_option_exists(command, options):
    result = run_cli(*command, "--help", check=False)
    assert result.returncode == 0, result.stderr
    for option in options:
        assert option in result.stdout, f"{' '.join(command)}: {option} is documented but not an option"


def test_the_documented_set_is_not_empty_and_covers_every_module():
    modules = {c[0] for c, _ in _documented()}
    assert {"ingest", "queries", "exports", "admin"} <= modules


def test_readme_points_to_the_docs_in_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared/DESIGN.md" not in readme
    for doc in ("docs/import-format.md", "docs/indicators.md", "docs/commands.md", "deploy/README.md"):
        assert doc in readme and (ROOT / doc).exists(), doc
