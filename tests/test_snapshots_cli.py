"""The person-level export through the same command a clerk uses: `python -m ingest load` detects it.

The summary a clerk reads after each snapshot of the hand-made county (tests/test_snapshots.py has the
table), worked out by hand:

    S1 2019-12-31: H1 3 + H2 2 + H3 1 = 6 人, 3 户; 纳入 H1 H2 H3 = 3, 脱贫 H2 (first seen exited) = 1
    S2 2020-06-30: H1 3 + H2 2 + H4 4 = 9 人, 3 户; 纳入 H4, 脱贫 H1, 返贫 H2 = 1 each;
                   H3 absent and not confirmed: 1 户 pending
    S3 2020-11-16 with --confirm-removals: 9 人, 3 户; 脱贫 H4 = 1, 清退 H3 = 1; nothing pending
"""

from __future__ import annotations


from ingest import publish
from tests.conftest import ROOT, run_cli

FIXTURES = ROOT / "tests" / "fixtures" / "person_export"


def test_cli_loads_a_snapshot_ignores_a_repeat_and_refuses_an_older_one(tmp_path):
    db = tmp_path / "county.duckdb"
    run_cli("ingest", "load", str(FIXTURES / "base"), "--db", str(db))
    base = publish.current(db)
    run_cli("ingest", "load", str(FIXTURES / "snapshot_2020-06-30.csv"), "--db", str(db),
            "--report", str(tmp_path / "report.xlsx"), cwd=tmp_path)
    third = publish.current(db)
    assert third != base

    again = run_cli("ingest", "load", str(FIXTURES / "snapshot_2020-06-30.csv"), "--db", str(db),
                    "--report", str(tmp_path / "report.xlsx"), cwd=tmp_path)
    assert "未做任何更改" in again.stdout
    assert publish.current(db) == third

    older = run_cli("ingest", "load", str(FIXTURES / "snapshot_2019-12-31.csv"), "--db", str(db),
                    "--report", str(tmp_path / "report.xlsx"), check=False, cwd=tmp_path)
    assert older.returncode == 1
    assert "快照" in older.stdout + older.stderr
    assert publish.current(db) == third, "a refused snapshot must not publish"


def test_cli_check_recognises_a_person_export(tmp_path):
    result = run_cli("ingest", "check", str(FIXTURES / "snapshot_2019-12-31.csv"), "--report",
                     str(tmp_path / "report.xlsx"), check=False, cwd=tmp_path)
    assert "检查完成" in result.stdout


def test_cli_prints_what_each_snapshot_derived(tmp_path):
    db = tmp_path / "county.duckdb"
    run_cli("ingest", "load", str(FIXTURES / "base"), "--db", str(db))

    def loaded(name: str, *options: str) -> str:
        return run_cli("ingest", "load", str(FIXTURES / name), "--db", str(db), *options,
                       "--report", str(tmp_path / f"{name}.xlsx"), cwd=tmp_path).stdout

    first = loaded("snapshot_2019-12-31.csv")
    assert "人员快照 2019-12-31：6 人、3 户；推导状态变化：纳入 3 户、脱贫 1 户、返贫 0 户、清退 0 户" in first
    assert "未记为清退" not in first

    second = loaded("snapshot_2020-06-30.csv")
    assert "人员快照 2020-06-30：9 人、3 户；推导状态变化：纳入 1 户、脱贫 1 户、返贫 1 户、清退 0 户" in second
    assert ("另有 1 户在上一快照中、本快照中没有：未记为清退。核实后加 --confirm-removals 重新导入本快照即记为清退。"
            in second)

    repeated = loaded("snapshot_2020-06-30.csv")
    assert "未做任何更改" in repeated and "另有 1 户在上一快照中、本快照中没有" in repeated

    third = loaded("snapshot_2020-11-16.csv", "--confirm-removals")
    assert "人员快照 2020-11-16：9 人、3 户；推导状态变化：纳入 0 户、脱贫 1 户、返贫 0 户、清退 1 户" in third
    assert "未记为清退" not in third
