"""整改销号: the store (round trip, dedup, permissions, audit), overdue on fixed dates, the page, a browser run."""

from __future__ import annotations

import datetime as dt
import uuid

import polars as pl
import pytest

from access.roles import User
from rectification.store import (CLOSED, MANUAL, OPEN, SUPERVISION, RectifyError, RectifyStore, store_path, summary,
                                 with_overdue)

LEADER = User("secretary", "书记", "县领导")
CLERK = User("clerk", "管理员", "数据管理员")
T1_HEAD = User("t1", "乡镇长", "乡镇", "T1")
VIEWER = User("viewer", "演示", "只读演示")
DEADLINE = dt.date(2020, 11, 30)


@pytest.fixture
def store(tmp_path):
    log: list[tuple] = []
    s = RectifyStore(store_path(tmp_path / "county.duckdb"), audit=lambda *entry: log.append(entry))
    s.log = log
    return s


def test_store_lives_beside_the_logical_database_name(tmp_path):
    assert store_path(tmp_path / "county.duckdb") == tmp_path / "county.rectify.sqlite"


def test_round_trip_add_dedup_close_refuse_double_close_reopen(store):
    first = store.add_item(LEADER, "T1", "龙潭乡", "龙潭乡 3 个项目逾期", DEADLINE, source=SUPERVISION, kind="逾期项目")
    again = store.add_item(CLERK, "T1", "龙潭乡", "龙潭乡 3 个项目逾期", DEADLINE, source=SUPERVISION, kind="逾期项目")
    other = store.add_item(LEADER, "T2", "青石镇", "龙潭乡 3 个项目逾期", DEADLINE)  # same text, other township
    assert again == first and other != first
    assert store.items().height == 2

    store.close_item(first, T1_HEAD, "已督促完工")
    row = store.items(status=CLOSED).row(0, named=True)
    assert (row["id"], row["closed_by"], row["close_note"]) == (first, "t1", "已督促完工")
    assert isinstance(row["closed_at"], dt.datetime) and row["deadline"] == DEADLINE
    with pytest.raises(RectifyError, match="已经销号"):
        store.close_item(first, LEADER, "再次销号")

    # closed: the same 督办事项 next week is a new item
    assert store.add_item(LEADER, "T1", "龙潭乡", "龙潭乡 3 个项目逾期", DEADLINE, source=SUPERVISION) not in (first, other)
    with pytest.raises(RectifyError, match="未销号事项"):
        store.reopen_item(first, LEADER)  # would duplicate the open one


def test_reopen_clears_the_close_record(store):
    item = store.add_item(LEADER, "T1", "龙潭乡", "危房改造未完成", DEADLINE)
    store.close_item(item, LEADER, "已完成")
    store.reopen_item(item, CLERK)
    row = store.items().row(0, named=True)
    assert (row["status"], row["closed_at"], row["closed_by"], row["close_note"]) == (OPEN, None, None, None)
    with pytest.raises(RectifyError, match="尚未销号"):
        store.reopen_item(item, LEADER)


def test_items_filters(store):
    a = store.add_item(LEADER, "T1", "龙潭乡", "甲", DEADLINE)
    b = store.add_item(LEADER, "T2", "青石镇", "乙", DEADLINE)
    store.add_item(LEADER, "T1", "龙潭乡", "丙", DEADLINE)
    store.close_item(a, LEADER, "完成")
    assert set(store.items(township_code="T1")["text"]) == {"甲", "丙"}
    assert store.items(status=OPEN)["id"].to_list() == sorted(set(store.items()["id"]) - {a}, reverse=True)
    assert store.items(township_code="T1", status=CLOSED)["id"].to_list() == [a]
    assert store.items(township_code="T9").height == 0 and set(store.items().columns) >= {"deadline", "source"}
    assert b in store.items(township_code="T2")["id"].to_list()


def test_supervision_items_are_added_once_and_counted(store):
    items = pl.DataFrame({"kind": ["逾期项目", "沉淀资金"], "township_code": ["T1", "T2"],
                          "township_name": ["龙潭乡", "青石镇"], "text": ["甲事项", "乙事项"]})
    assert store.add_supervision_items(LEADER, items, DEADLINE) == 2
    assert store.add_supervision_items(LEADER, items, DEADLINE) == 0
    stored = store.items()
    assert set(stored["source"]) == {SUPERVISION} and set(stored["kind"]) == {"逾期项目", "沉淀资金"}


def test_township_closes_only_its_own_and_viewer_cannot_add(store):
    own = store.add_item(LEADER, "T1", "龙潭乡", "本乡镇事项", DEADLINE)
    other = store.add_item(LEADER, "T2", "青石镇", "他乡镇事项", DEADLINE)
    with pytest.raises(RectifyError, match="本乡镇"):
        store.close_item(other, T1_HEAD, "越权销号")
    store.close_item(own, T1_HEAD, "已整改")
    for user in (VIEWER, T1_HEAD, None):
        with pytest.raises(RectifyError, match="县领导和数据管理员"):
            store.add_item(user, "T1", "龙潭乡", "新事项", DEADLINE)
    with pytest.raises(RectifyError):
        store.close_item(other, VIEWER, "只读")
    with pytest.raises(RectifyError):
        store.reopen_item(own, T1_HEAD)
    assert store.items(status=OPEN)["id"].to_list() == [other]
    # a 乡镇 account reads only its own township
    assert set(store.visible_items(T1_HEAD)["township_code"]) == {"T1"}
    with pytest.raises(RectifyError):
        store.visible_items(T1_HEAD, "T2")
    assert set(store.visible_items(VIEWER)["township_code"]) == {"T1", "T2"}


def test_audit_records_changes_and_refusals(store):
    item = store.add_item(LEADER, "T1", "龙潭乡", "甲", DEADLINE)
    store.add_item(LEADER, "T1", "龙潭乡", "甲", DEADLINE)  # a duplicate changes nothing: no entry
    with pytest.raises(RectifyError):
        store.close_item(item, User("t2", "乙", "乡镇", "T2"), "越权")
    store.close_item(item, LEADER, "完成")
    store.reopen_item(item, LEADER)
    assert [(who, action, ok) for who, action, _, ok in store.log] == [
        ("secretary", "整改新增", True), ("t2", "整改销号", False), ("secretary", "整改销号", True),
        ("secretary", "整改重开", True)]
    assert all(f"#{item}" in detail for _, _, detail, _ in store.log)


def test_close_needs_a_note(store):
    item = store.add_item(LEADER, "T1", "龙潭乡", "甲", DEADLINE)
    with pytest.raises(RectifyError, match="销号说明"):
        store.close_item(item, LEADER, "  ")
    with pytest.raises(RectifyError, match="没有编号"):
        store.close_item(item + 100, LEADER, "完成")


def frame(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"status": pl.String, "deadline": pl.Date, "closed_at": pl.Datetime},
                        orient="row")


def test_overdue_is_open_and_past_the_deadline_on_fixed_dates():
    today = dt.date(2020, 12, 10)  # a Thursday; its week starts on Monday 12-07
    items = frame([(OPEN, dt.date(2020, 12, 1), None),  # 9 days late
                   (OPEN, today, None),  # due today: not late
                   (OPEN, dt.date(2020, 12, 20), None),
                   (CLOSED, dt.date(2020, 11, 1), dt.datetime(2020, 12, 7, 0, 0)),  # closed this week
                   (CLOSED, dt.date(2020, 11, 1), dt.datetime(2020, 12, 6, 23, 59))])
    assert with_overdue(items, today)["overdue_days"].to_list() == [9, None, None, None, None]
    assert summary(items, today) == {"open": 3, "overdue": 1, "closed_this_week": 1, "closed": 2}


# -- the page ---------------------------------------------------------------------------------------------

@pytest.fixture
def page_store(tmp_path, monkeypatch):
    """The page's store in a tmp file, so no test leaves items beside the shared demo database."""
    from rectification import app as rectify_app

    location = tmp_path / "county.rectify.sqlite"
    monkeypatch.setattr(rectify_app, "path", lambda: location)
    return RectifyStore(location)


def _townships(demo_db):
    from queries.runner import Database

    with Database.open(demo_db) as db:
        return db.run("townships")


def test_page_for_the_county_leader_adds_and_closes(app_page, page_store, demo_db):
    towns = _townships(demo_db)
    code, name = towns["township_code"][1], towns["township_name"][1]
    at = app_page("pages/rectification.py")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "整改销号"
    assert [m.label for m in at.metric] == ["未销号", "其中逾期", "本周销号", "已销号"]
    assert [m.value for m in at.metric] == ["0"] * 4

    at.selectbox(key="rectify_new_town").set_value(code)
    at.text_area(key="rectify_new_text").set_value("危房改造进度滞后")
    at.button[[b.label for b in at.button].index("新增")].click().run()
    assert not at.exception, [e.value for e in at.exception]
    stored = page_store.items()
    assert (stored["township_name"][0], stored["created_by"][0], stored["source"][0]) == (name, "secretary", MANUAL)
    assert stored["deadline"][0] == dt.date.today() + dt.timedelta(days=14)
    assert at.metric[0].value == "1" and any("已新增" in s.value for s in at.success)

    # no note: refused with a message, nothing closed
    item = stored["id"][0]
    at.selectbox(key="rectify_close_id").set_value(item)
    at.button[[b.label for b in at.button].index("销号")].click().run()
    assert any("销号说明" in w.value for w in at.warning) and page_store.items(status=CLOSED).height == 0
    at.selectbox(key="rectify_close_id").set_value(item)
    at.text_area(key="rectify_close_note").set_value("已全部完工入住")
    at.button[[b.label for b in at.button].index("销号")].click().run()
    assert page_store.items(status=CLOSED)["close_note"].to_list() == ["已全部完工入住"]
    assert [m.value for m in at.metric] == ["0", "0", "1", "1"]
    assert at.dataframe == [] or at.dataframe[0].value.height == 0  # the open list is empty now
    at.pills(key="rectify_status").set_value(CLOSED).run()
    closed = at.dataframe[0].value
    assert closed["事项"].to_list() == ["危房改造进度滞后"] and closed["销号人"].to_list() == ["secretary"]


def test_page_for_a_township_shows_only_its_items_and_no_add_form(app_page, page_store, demo_db):
    from conftest import demo_user

    towns = _townships(demo_db)
    (own, own_name), (other, other_name) = towns.select("township_code", "township_name").rows()[:2]
    page_store.add_item(LEADER, own, own_name, "本乡镇的事项", dt.date(2020, 1, 1))
    page_store.add_item(LEADER, other, other_name, "别的乡镇的事项", dt.date(2020, 1, 1))
    at = app_page("pages/rectification.py", query={"township": own}, user=demo_user("乡镇", own))
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[0].value == "1" and at.metric[1].value == "1"  # deadline long past: overdue
    shown = at.dataframe[0].value
    assert shown["事项"].to_list() == ["本乡镇的事项"] and int(shown["逾期天数"][0]) > 0
    assert "rectify_new_text" not in [t.key for t in at.text_area]  # 乡镇 cannot add
    assert at.selectbox(key="rectify_close_id").options  # but may close its own


def test_page_for_the_viewer_is_read_only(app_page, page_store):
    from conftest import demo_user

    at = app_page("pages/rectification.py", user=demo_user("只读演示"))
    assert not at.exception, [e.value for e in at.exception]
    assert not at.text_area and not [b for b in at.button if b.label in ("新增", "销号")]


@pytest.mark.browser
def test_add_and_close_in_a_browser(server, browser):
    from conftest import OfflinePage, open_signed_in

    text = f"浏览器测试整改事项 {uuid.uuid4().hex[:6]}"
    tab = OfflinePage(browser, width=1400, height=900)
    try:
        page = open_signed_in(tab, f"{server}/rectification", "整改销号")
        assert not tab.error_boxes()
        page.get_by_label("事项").fill(text)
        page.get_by_role("button", name="新增").click()
        page.get_by_text("已新增整改事项").wait_for(timeout=30_000)
        tab.wait_idle()
        tab.screenshot("rectification_1400")

        page.get_by_label("整改事项").click()
        page.get_by_role("option", name=text).click()
        page.get_by_label("销号说明").fill("已整改到位，群众满意")
        page.get_by_role("button", name="销号", exact=True).click()
        page.get_by_text("已销号。").wait_for(timeout=30_000)
        tab.wait_idle()
        page.locator("[data-testid=stButtonGroup]").get_by_text(CLOSED, exact=True).click()
        tab.wait_idle()
        grid = page.locator("[data-testid=stDataFrame]").first
        assert text in (grid.text_content() or "")  # the canvas grid keeps its cells in an accessible table
        assert not tab.error_boxes()
        page.set_viewport_size({"width": 1024, "height": 900})
        tab.wait_idle()
        tab.screenshot("rectification_1024")
    finally:
        tab.close()
    assert not tab.foreign, tab.foreign[:5]


def test_weekly_adds_its_supervision_items_once(app_page, page_store):
    from conftest import demo_user

    at = app_page("pages/weekly.py")
    assert not at.exception, [e.value for e in at.exception]
    shown = at.dataframe[[i for i, d in enumerate(at.dataframe) if "督办事项" in d.value.columns][0]].value
    at.button(key="weekly-rectify").click().run()
    assert not at.exception, [e.value for e in at.exception]
    stored = page_store.items()
    assert sorted(stored["text"]) == sorted(shown["督办事项"]) and set(stored["source"]) == {SUPERVISION}
    as_of = at.session_state["_filters"].as_of
    # two weeks from D, or from today when D is past (the demo's D is in 2020): never due on arrival
    assert set(stored["deadline"]) == {max(as_of, dt.date.today()) + dt.timedelta(days=14)}
    assert any(f"已加入整改清单 {stored.height} 项" in s.value for s in at.success)
    assert at.page_link[0].label == "前往整改销号"
    at.button(key="weekly-rectify").click().run()
    assert page_store.items().height == stored.height
    assert any("已加入整改清单 0 项" in s.value for s in at.success)

    township = app_page("pages/weekly.py", user=demo_user("乡镇", stored["township_code"][0]))
    assert "weekly-rectify" not in [b.key for b in township.button]
