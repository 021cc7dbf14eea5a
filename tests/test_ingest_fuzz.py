"""Property: whatever a clerk's export looks like, the import never raises and never publishes with an
error; when it refuses, every file of the served database is byte-identical."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ingest.load import load
from tests.ingest_helpers import TINY, copy_tiny, fingerprint, read_sheet, write_sheet

SHEETS = sorted(p.stem for p in TINY.glob("*.csv"))
NASTY = st.one_of(
    st.sampled_from(["", " ", "三口", "-1", "0", "101", "1e999", "99999999999999999999", "12345678901234567.5",
                     "NaN", "是", "否", "纳入", "脱贫", "已完工", "2020-02-30", "2020-13-01", "1899-12-31",
                     "43895", "2020/3/5", "２０２０－０３－０５", "11010519491231002X", "110105491231002",
                     "T01", "V0101", "H01", "P1901", '"', ",", "\n", "=1+1", "\u3000", "１２", "+5", ".5", "5.",
                     "-0", "1,234", "100%", "x" * 300]),
    st.text(max_size=12),
)


@st.composite
def corruptions(draw):
    edits = []
    for _ in range(draw(st.integers(1, 6))):
        sheet = draw(st.sampled_from(SHEETS))
        rows = read_sheet(TINY, sheet)
        row = draw(st.integers(1, len(rows) + 1))  # may be the header, or one past the end
        col = draw(st.integers(0, len(rows[0])))  # may be one past the last column
        edits.append((sheet, row, col, draw(NASTY)))
    raw = draw(st.one_of(st.none(), st.tuples(st.sampled_from(SHEETS), st.integers(0, 400), st.binary(max_size=4))))
    return edits, raw


def apply(folder: Path, edits, raw) -> None:
    for sheet, row, col, value in edits:
        rows = read_sheet(folder, sheet)
        while len(rows) < row:
            rows.append([""] * len(rows[0]))
        line = rows[row - 1]
        while len(line) <= col:
            line.append("")
        line[col] = value
        write_sheet(folder, sheet, rows)
    if raw:
        sheet, at, data = raw
        path = folder / f"{sheet}.csv"
        content = path.read_bytes()
        path.write_bytes(content[:at] + data + content[at:])


@pytest.fixture(scope="module")
def served_template():
    with tempfile.TemporaryDirectory(prefix="fuzz-served-") as tmp:
        db = Path(tmp) / "db" / "county.duckdb"
        assert load(TINY, db).published
        yield db


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corruptions())
def test_corrupted_export_never_crashes_and_never_publishes_with_errors(served_template, change):
    edits, raw = change
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        tmp = Path(tmp)
        shutil.copytree(served_template.parent, tmp / "db", symlinks=True)
        db = tmp / "db" / "county.duckdb"
        export = copy_tiny(tmp / "export")
        apply(export, edits, raw)
        before = fingerprint(db)
        result = load(export, db)  # must not raise
        if result.errors.height:
            assert result.published is None
            assert fingerprint(db) == before
        else:
            assert result.published is not None and result.published.exists()
        assert result.problems["message"].null_count() == 0
        assert result.problems.filter(result.problems["sheet"].is_null()).height == 0
