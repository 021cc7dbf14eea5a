"""A faster publish publishes the same thing: the derived tables (and the answers prepared from them) of a version
equal those that main's ingest/derived.sql of 87b649e builds from the same contract tables
(tests/fixtures/derived_87b649e.sql, kept as the reference), for the demo county and the tiny hand-worked one.
At 1,000,000 households the same comparison of two whole versions is `python tests/version_diff.py A B`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, run_cli
from ingest import publish
from ingest.load import BUILD_MEMORY_LIMIT
from ingest.prepared import build_prepared
from version_diff import differences

REFERENCE = ROOT / "tests" / "fixtures" / "derived_87b649e.sql"


def _as_reference_builds_it(version: Path, copy: Path) -> Path:
    """A copy of the version with its derived tables and prepared answers rebuilt by the reference derived.sql."""
    shutil.copyfile(version, copy)
    con = duckdb.connect(str(copy), config={"memory_limit": BUILD_MEMORY_LIMIT})
    try:
        for statement in re.split(r";\s*$", REFERENCE.read_text(encoding="utf-8"), flags=re.MULTILINE):
            if "CREATE OR REPLACE TABLE" in statement:
                con.execute(statement)
        build_prepared(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return copy


@pytest.mark.parametrize("county", ["demo", "tiny"])
def test_the_published_version_equals_what_the_reference_derived_sql_builds(county, demo_db, tmp_path):
    if county == "demo":
        version = publish.current(demo_db)
    else:
        db = tmp_path / "county.duckdb"
        run_cli("ingest", "load", str(ROOT / "tests" / "fixtures" / "tiny"), "--db", str(db))
        version = publish.current(db)
    reference = _as_reference_builds_it(version, tmp_path / "reference.duckdb")
    assert differences(version, reference) == []


def test_a_changed_row_is_a_difference(demo_db, tmp_path):
    """The comparison itself can fail: one income changed, one row of a derived table dropped."""
    copy = tmp_path / "changed.duckdb"
    shutil.copyfile(publish.current(demo_db), copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE income_latest SET income = income + 1 WHERE rowid = (SELECT min(rowid) FROM income_latest)")
        con.execute("DELETE FROM household_persons WHERE rowid = (SELECT min(rowid) FROM household_persons)")
    assert differences(publish.current(demo_db), copy) == [
        "household_persons: 1 rows only in a", "income_latest: 1 rows only in a", "income_latest: 1 rows only in b"]
