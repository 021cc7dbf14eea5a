"""Scope and masking as a user meets them (issue 15 §2, §7; issue 17 §1): every page and every table download,
as a 乡镇 account with another township in the URL and as 只读演示; no traceback ever reaches a user.

Downloads are checked at the frame each one is written from (components.tables.excel_download).
"""

from __future__ import annotations

import logging

import duckdb
import polars as pl
import pytest

from access.roles import TOWNSHIP, VIEWER
from conftest import demo_user
from ingest import publish

PAGES = ["pages/overview.py", "pages/poverty.py", "pages/households.py", "pages/funds.py", "pages/projects.py",
         "pages/battle_map.py", "pages/ranking.py", "pages/weekly.py", "pages/quarterly.py",
         "pages/rectification.py", "pages/data_check.py"]
PROJECT_PAGES = {"pages/funds.py", "pages/projects.py", "pages/weekly.py", "pages/quarterly.py"}
OWN = "431299101"


@pytest.fixture(scope="module")
def county(demo_db):
    con = duckdb.connect(str(publish.current(demo_db)), read_only=True)
    try:
        def frame(sql):
            return con.sql(sql).pl()
        villages = frame("SELECT v.village_code, v.village_name, v.township_code, t.township_name, v.first_secretary "
                         "FROM villages v JOIN townships t USING (township_code)")
        households = frame("SELECT h.household_id, h.head_name, h.helper, v.township_code FROM households h "
                           "JOIN villages v USING (village_code)")
        members = frame("SELECT name FROM household_members")
    finally:
        con.close()
    own_names = set(villages.filter(pl.col("township_code") == OWN)["village_name"])
    other = villages.filter(pl.col("township_code") != OWN)
    return {
        "own_township_name": villages.filter(pl.col("township_code") == OWN)["township_name"][0],
        "other_township": other["township_code"][0],
        "other_township_name": other["township_name"][0],
        # what a 乡镇 user must never receive of other townships: their households, and their villages outside
        # project lists (projects and their funds are posted publicly, 公示: queries/scope.py level "project")
        "foreign_households": set(households.filter(pl.col("township_code") != OWN)["household_id"]),
        "foreign_villages": set(other["village_code"]) | (set(other["village_name"]) - own_names),
        # what 只读演示 must never receive in full: every person's name
        "names": {n for n in (set(households["head_name"]) | set(households["helper"]) | set(members["name"])
                              | set(villages["first_secretary"])) if n and len(n) >= 2},
    }


@pytest.fixture
def downloads(monkeypatch):
    """The frames every 下载 Excel button of a page run would write."""
    import components.tables as tables

    captured: list[tuple[str, pl.DataFrame]] = []
    real = tables.excel_download

    def capture(frame, file_name, **kwargs):
        captured.append((file_name, frame))
        return real(frame, file_name, **kwargs)

    monkeypatch.setattr(tables, "excel_download", capture)
    return captured


def _cells(at, downloads) -> list[tuple[str, set]]:
    """(where, the set of cell values) of every table on the page and every download."""
    tables = [(f"table {i}", set(d.value.astype(str).to_numpy().ravel())) for i, d in enumerate(at.dataframe)]
    tables += [(name, {str(v) for row in frame.iter_rows() for v in row}) for name, frame in downloads]
    return tables


def _text(at) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                                  "success", "error") for e in getattr(at, kind)]
    return " ".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_township_user_with_another_township_sees_its_totals_and_no_detail(app_page, county, downloads, page):
    at = app_page(page, query={"township": county["other_township"]}, user=demo_user(TOWNSHIP, OWN))
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    foreign = county["foreign_households"] | (set() if page in PROJECT_PAGES else county["foreign_villages"])
    for where, cells in _cells(at, downloads):
        leaked = cells & foreign
        assert not leaked, f"{page} {where}: {sorted(leaked)[:5]}"
    if page in ("pages/poverty.py", "pages/households.py", "pages/data_check.py", "pages/battle_map.py"):
        assert "只对该乡镇和县级账户开放" in _text(at), f"{page} says why the detail is missing"
    if page in ("pages/poverty.py", "pages/battle_map.py", "pages/data_check.py"):
        assert county["other_township_name"] in " ".join(t.value for t in at.title), "the township's own page"


def test_ranking_lists_only_the_own_townships_villages(app_page, county, downloads):
    at = app_page("pages/ranking.py", user=demo_user(TOWNSHIP, OWN))
    assert at.selectbox(key="ranking-village-township").options == [county["own_township_name"]]
    assert any(name.startswith("村级排名_") for name, _ in downloads), "its own village ranking is there"


@pytest.mark.parametrize("page", ["pages/poverty.py", "pages/households.py", "pages/data_check.py",
                                  "pages/battle_map.py", "pages/ranking.py"])
def test_viewer_gets_masked_names_and_no_household_rows(app_page, county, downloads, page):
    at = app_page(page, query={"township": OWN}, user=demo_user(VIEWER))
    assert not at.exception, at.exception
    for where, cells in _cells(at, downloads):
        leaked = cells & county["names"]
        assert not leaked, f"{page} {where}: full names {sorted(leaked)[:5]}"
        assert not any(str(c).startswith("4312991") and len(str(c)) == 16 for c in cells), \
            f"{page} {where}: household rows for 只读演示"


def test_birth_dates_of_the_birth_date_rule_are_masked_for_everyone_but_the_clerk(app_page, downloads):
    from access.roles import CLERK, LEADER

    shown = {}
    for role in (LEADER, CLERK):
        downloads.clear()
        at = app_page("pages/data_check.py", user=demo_user(role))
        downloads.clear()
        at.selectbox(key="rule").set_value("implausible_birth_date").run()
        assert not at.exception
        frame = next(f for name, f in downloads if name.startswith("出生日期异常_"))
        shown[role] = " ".join(frame["问题说明"].to_list())
    assert "出生日期 ****-**-**" in shown[LEADER]
    assert not any(ch.isdigit() for ch in shown[LEADER].replace("110", "")), shown[LEADER][:200]
    assert "出生日期 1" in shown[CLERK] or "出生日期 2" in shown[CLERK], "the data office sees the dates it corrects"


def test_an_unexpected_error_shows_a_reference_the_server_log_carries(app_page, monkeypatch, caplog):
    import app_data

    def broken(*args, **kwargs):
        raise RuntimeError("boom /srv/secret/path.py")

    monkeypatch.setattr(app_data, "indicators", broken)
    with caplog.at_level(logging.ERROR, logger="warroom"):
        at = app_page("pages/overview.py")  # the default page: AppTest runs a switched-to page outside the shell
    assert not at.exception, "no traceback element"
    message = " ".join(e.value for e in at.error)
    assert "页面出错" in message and "boom" not in message and "Traceback" not in message
    reference = message.split("参考编号 ")[1].split("，")[0].split(" ")[0]
    assert len(reference) == 8
    logged = [r for r in caplog.records if r.name == "warroom" and reference in r.getMessage()]
    assert logged and logged[0].exc_info and "boom" in str(logged[0].exc_info[1])
