"""Snapshots into history (issue 10): three hand-made person-level exports of a two-township county, loaded
in order, give the status events and indicators worked out by hand below.

The county (tests/fixtures/person_export/base): 东乡 101 with 甲村 (农业户籍人口 100), 西镇 102 with 乙村 (50).

    household            persons  2019-12-31 (S1)        2020-06-30 (S2)       2020-11-16 (S3)
    H1 4312991010001 甲村    3    未脱贫                  脱贫                   已脱贫 (脱贫年度 2020)
    H2 4312991010002 甲村    2    已脱贫, 脱贫年度 2018   返贫                   未脱贫
    H3 4312991020001 乙村    1    未脱贫                  absent (candidate)     absent, confirmed -> 清退
    H4 4312991020002 乙村    4    absent                  预脱贫 (new)           已脱贫

Expected events: H1 纳入 S1, 脱贫 S2; H2 纳入+脱贫 2018-12-31 (first seen exited, dated by 脱贫年度), 返贫 S2;
H3 纳入 S1, 清退 S3; H4 纳入 S2, 脱贫 S3.

Publishing goes through ingest.load.load, the one write path, which recognises a person export and records
it in import_log as mode 'snapshot'.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest import publish
from ingest.load import load
from ingest.snapshots import META_KEY
from queries.indicators import township_indicators
from queries.runner import Database

FIXTURES = Path(__file__).parent / "fixtures" / "person_export"
S1, S2, S3 = (FIXTURES / f"snapshot_{d}.csv" for d in ("2019-12-31", "2020-06-30", "2020-11-16"))
H1, H2, H3, H4 = "4312991010001", "4312991010002", "4312991020001", "4312991020002"


def _base(tmp_path: Path) -> Path:
    db = tmp_path / "county.duckdb"
    result = load(FIXTURES / "base", db)
    assert result.published is not None, result.errors
    return db


def _loaded(result):
    assert result.errors.height == 0, result.errors.to_dicts()
    assert result.published is not None
    return result


def _query(db: Path, sql: str) -> pl.DataFrame:
    con = duckdb.connect(str(publish.current(db)), read_only=True)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def _indicators(db: Path, day: dt.date) -> dict[str, dict]:
    frame = township_indicators(Database.open(db), day)
    return {r["township_code"]: r for r in frame.iter_rows(named=True)}


@pytest.fixture(scope="module")
def three_snapshots(tmp_path_factory) -> Path:
    db = _base(tmp_path_factory.mktemp("three"))
    _loaded(load(S1, db))
    second = _loaded(load(S2, db))
    candidates = second.warnings.filter(pl.col("message").str.starts_with("清退候选"))
    assert candidates["value"].to_list() == [H3]
    _loaded(load(S3, db, confirm_removals=True))
    return db


def test_events_derived_from_three_snapshots(three_snapshots):
    events = _query(three_snapshots, "SELECT household_id, date, event FROM household_events "
                                     "ORDER BY household_id, date, event_order")
    d = dt.date
    assert events.rows() == [
        (H1, d(2019, 12, 31), "纳入"), (H1, d(2020, 6, 30), "脱贫"),
        (H2, d(2018, 12, 31), "纳入"), (H2, d(2018, 12, 31), "脱贫"), (H2, d(2020, 6, 30), "返贫"),
        (H3, d(2019, 12, 31), "纳入"), (H3, d(2020, 11, 16), "清退"),
        (H4, d(2020, 6, 30), "纳入"), (H4, d(2020, 11, 16), "脱贫"),
    ]


@pytest.mark.parametrize("day, expected", [
    # township: (poor_persons, exited_persons_ytd)
    (dt.date(2019, 12, 31), {"101": (3, 0), "102": (1, 0), "ALL": (4, 0)}),  # H2's exit is dated 2018
    (dt.date(2020, 6, 30), {"101": (2, 3), "102": (5, 0), "ALL": (7, 3)}),  # H3 unconfirmed: still counted
    (dt.date(2020, 8, 1), {"101": (2, 3), "102": (5, 0), "ALL": (7, 3)}),  # between snapshots: S2's state
    (dt.date(2020, 11, 16), {"101": (2, 3), "102": (0, 4), "ALL": (2, 7)}),  # H3 清退, H4 exited
])
def test_indicators_follow_the_snapshots(three_snapshots, day, expected):
    rows = _indicators(three_snapshots, day)
    got = {code: (int(rows[code]["poor_persons"] or 0), int(rows[code]["exited_persons_ytd"] or 0))
           for code in expected}
    assert got == expected


def test_incidence_and_income_growth_after_the_last_snapshot(three_snapshots):
    rows = _indicators(three_snapshots, dt.date(2020, 11, 16))
    assert rows["101"]["incidence_pct"] == pytest.approx(2.0)  # 100 × 2 poor / 100
    assert rows["102"]["incidence_pct"] == pytest.approx(0.0)
    # Counted at D with incomes in 2020 and 2019: H1 (3 persons: 3000 -> 4500, S3 replaced S2's 4000) and
    # H2 (2 persons: 5000 -> 4000). pc 2020 = (3×4500 + 2×4000)/5 = 4300; pc 2019 = (3×3000 + 2×5000)/5 = 3800.
    assert rows["ALL"]["income_year"] == 2020
    assert rows["ALL"]["income_pc"] == pytest.approx(4300)
    assert rows["ALL"]["income_pc_prev"] == pytest.approx(3800)
    assert rows["ALL"]["income_growth_pct"] == pytest.approx(100 * (4300 / 3800 - 1))


def test_snapshot_replaces_household_fields_and_members(three_snapshots):
    households = _query(three_snapshots, "SELECT household_id, size, labor_count, housing, water FROM households "
                                         "ORDER BY household_id")
    # H3 (removed) keeps its S1 row: 危房户 是 -> housing false; 饮水安全 否 -> water false; no labour.
    assert households.rows() == [(H1, 3, 3, True, True), (H2, 2, 1, True, True), (H3, 1, 0, False, False),
                                 (H4, 4, 2, True, True)]
    members = _query(three_snapshots, "SELECT household_id, count(*) AS n FROM household_members "
                                      "GROUP BY ALL ORDER BY 1")
    assert members.rows() == [(H1, 3), (H2, 2), (H3, 1), (H4, 4)]


def test_same_snapshot_twice_changes_nothing(three_snapshots):
    served = publish.current(three_snapshots)
    again = load(S3, three_snapshots, confirm_removals=True)
    assert again.mode == "unchanged" and again.errors.height == 0
    assert publish.current(three_snapshots) == served
    assert again.warnings["message"].str.contains("已导入过（snapshot_2020-11-16.csv），内容相同").any()


def test_older_snapshot_after_a_newer_one_is_refused(three_snapshots):
    served = publish.current(three_snapshots)
    older = FIXTURES / "snapshot_2020-06-30.csv"
    copy = Path(str(served) + ".older.csv")
    # Same 统计时间 as S2 but another content: refused as a different snapshot of a loaded date.
    text = older.read_bytes().decode("gb18030").replace(",4200,", ",4300,")
    copy.write_bytes(text.encode("gb18030"))
    refused = load(copy, three_snapshots)
    assert refused.published is None
    assert refused.errors["message"].str.contains("已导入过（snapshot_2020-06-30.csv），但内容不同").all()
    # An older date that was never loaded: refused as older than the last snapshot.
    copy.write_bytes(text.replace("2020-06-30", "2020-09-30").encode("gb18030"))
    refused = load(copy, three_snapshots)
    assert refused.published is None
    assert refused.errors["message"].str.contains("早于已导入的快照（2020-11-16").all()
    assert publish.current(three_snapshots) == served
    copy.unlink()


def test_history_records_each_snapshot(three_snapshots):
    meta = _query(three_snapshots, f"SELECT value FROM meta WHERE key = '{META_KEY}'")
    history = json.loads(meta["value"][0])
    assert [h["as_of"] for h in history] == ["2019-12-31", "2020-06-30", "2020-11-16"]
    assert history[1]["events"] == {"纳入": 1, "脱贫": 1, "返贫": 1}
    assert history[1]["removals_pending"] == 1 and history[2]["removals_pending"] == 0


def test_removal_candidates_confirmed_by_reloading_the_same_snapshot(tmp_path):
    db = _base(tmp_path)
    _loaded(load(S1, db))
    _loaded(load(S2, db))
    assert _indicators(db, dt.date(2020, 6, 30))["102"]["poor_persons"] == 5  # H3 still counted
    confirmed = _loaded(load(S2, db, confirm_removals=True))
    assert confirmed.mode != "unchanged"
    assert _indicators(db, dt.date(2020, 6, 30))["102"]["poor_persons"] == 4
    events = _query(db, f"SELECT date, event FROM household_events WHERE household_id = '{H3}' ORDER BY date")
    assert events.rows() == [(dt.date(2019, 12, 31), "纳入"), (dt.date(2020, 6, 30), "清退")]
    assert load(S2, db, confirm_removals=True).mode == "unchanged"


def test_snapshot_without_statistics_date_needs_as_of(tmp_path):
    db = _base(tmp_path)
    undated = tmp_path / "人员表.csv"
    frame = pl.read_csv(S1, infer_schema=False).drop("统计时间")
    frame.write_csv(undated)
    refused = load(undated, db)
    assert refused.published is None
    assert refused.errors["message"].str.contains("--as-of").all()
    assert refused.errors["sheet"].to_list() == ["人员表.csv"]
    _loaded(load(undated, db, as_of=dt.date(2019, 12, 31)))
    assert _indicators(db, dt.date(2019, 12, 31))["ALL"]["poor_persons"] == 4
    conflicting = load(S2, db, as_of=dt.date(2020, 7, 1))
    assert conflicting.published is None
    assert conflicting.errors["message"].str.contains("不一致").all()


def test_snapshot_before_the_last_multi_sheet_event_is_refused(tmp_path):
    db = _base(tmp_path)
    _loaded(load(S2, db))  # the first snapshot may be any date
    refused = load(S1, db)
    assert refused.published is None
    assert refused.errors["message"].str.contains("早于已导入的快照").all()


def test_missing_required_column_publishes_nothing(tmp_path):
    db = _base(tmp_path)
    served = publish.current(db)
    broken = tmp_path / "缺列.csv"
    pl.read_csv(S1, infer_schema=False).drop("健康状况").write_csv(broken)
    refused = load(broken, db)
    assert refused.published is None and publish.current(db) == served
    error = refused.errors.row(0, named=True)
    assert (error["sheet"], error["row"], error["column"]) == ("缺列.csv", 1, "健康状况")
    assert "缺少必填列" in error["message"]


def test_demo_snapshots_match_the_demo_county_at_each_date(tmp_path):
    """The demo written as snapshots gives, at each snapshot date, the demo county's own poor persons per
    township (the multi-sheet demo, same seed and size, no planted flaws)."""
    from ingest.demo import write_demo
    from ingest.demo_snapshots import BASE_DIR, DEFAULT_DATES, write_demo_snapshots

    paths = write_demo_snapshots(tmp_path / "snapshots", seed=7, households=300)
    assert [p.suffix for p in paths] == [".csv", ".csv", ".xlsx"]
    db = tmp_path / "snap.duckdb"
    assert load(tmp_path / "snapshots" / BASE_DIR, db).published is not None
    for path in paths:
        _loaded(load(path, db))
    full = tmp_path / "full.duckdb"
    assert load(write_demo(tmp_path / "demo", seed=7, households=300, flaws=False), full).published is not None
    for day in DEFAULT_DATES:
        snap, demo = _indicators(db, day), _indicators(full, day)
        assert {k: r["poor_persons"] for k, r in snap.items()} == {k: r["poor_persons"] for k, r in demo.items()}
    shutil.rmtree(tmp_path / "demo")


def test_import_log_records_snapshots_and_history_labels_them(three_snapshots):
    log = _query(three_snapshots, "SELECT mode, source FROM import_log ORDER BY import_id")
    assert log.rows() == [("full", "base"), ("snapshot", S1.name), ("snapshot", S2.name), ("snapshot", S3.name)]
    history = _query(three_snapshots, (Path(__file__).parents[1] / "queries" / "import_history.sql").read_text())
    assert history["mode_label"].to_list()[:3] == ["人员快照导入"] * 3
    # The tables a snapshot does not replace are the served ones.
    assert _query(three_snapshots, "SELECT count(*) FROM villages").rows() == [(2,)]


def test_snapshot_keeps_the_served_meta_but_ends_the_demo(tmp_path):
    db = tmp_path / "county.duckdb"
    assert load(FIXTURES / "base", db, mode="demo", meta={"is_demo": "true", "demo_seed": "7"}).published is not None
    result = _loaded(load(S1, db))
    meta = dict(_query(db, "SELECT key, value FROM meta").rows())
    assert meta["demo_seed"] == "7"
    assert meta["is_demo"] == "false" and result.ended_demo, "a real snapshot ends the demo county (issue 15 §1)"
    assert [h["as_of"] for h in json.loads(meta[META_KEY])] == ["2019-12-31"]


def test_first_snapshot_into_an_empty_database_creates_its_places(tmp_path):
    db = tmp_path / "empty.duckdb"
    refused = load(S1, db)
    assert refused.published is None and publish.current(db) is None
    result = _loaded(load(S1, db, create_places=True))
    assert result.mode == "snapshot"
    assert result.snapshot["persons"] == 6 and result.snapshot["households"] == 3  # H1 3 + H2 2 + H3 1
    assert _query(db, "SELECT township_name FROM townships ORDER BY 1").rows() == [("东乡",), ("西镇",)]
    assert _query(db, "SELECT village_name FROM villages ORDER BY 1").rows() == [("乙村",), ("甲村",)]
    assert _query(db, "SELECT mode FROM import_log").rows() == [("snapshot",)]
    assert _indicators(db, dt.date(2019, 12, 31))["ALL"]["poor_persons"] == 4  # H1 3 + H3 1; H2 exited in 2018
