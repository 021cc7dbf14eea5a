"""数据导入 page: AppTest of the page and its pure tables and texts, and browser tests that upload into a
running server of their own: a broken and a good multi-sheet export (published, and seen in the same
session), and a 建档立卡 person-level snapshot of the hand-made county of tests/test_snapshots.py, whose
derived changes are known by hand (S2 after S1: 9 人, 3 户; 纳入 H4, 脱贫 H1, 返贫 H2; H3 left the list: a
清退 candidate until confirmed)."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import expect

from components.import_views import (NOT_A_PERSON_CSV, OLE2_MAGIC, ZIP_MAGIC, history_table,
                                     pending_removals_text, problems_table, upload_problem)
from ingest import publish
from ingest.error_report import LIST_SHEET, error_report_bytes
from ingest.load import check, load
from queries import version_label
from tests.conftest import ROOT, demo_user, run_cli, serving

CLERK = "数据管理员"
PERSON_FIXTURES = ROOT / "tests" / "fixtures" / "person_export"
CLERK_LOGIN = ("clerk", "clerk-pass")  # an account of the snapshot server (the demo accounts need a demo db)
S1, S2 = PERSON_FIXTURES / "snapshot_2019-12-31.csv", PERSON_FIXTURES / "snapshot_2020-06-30.csv"


def test_problems_table_filters_by_sheet_and_severity():
    problems = pl.DataFrame({
        "severity": ["错误", "警告", "错误"], "sheet": ["农户", "农户", "村"], "row": [7, 2, 3],
        "column": ["家庭人口数", "户主身份证号", "是否贫困村"], "value": ["三口", "1101054912…", "Y"],
        "message": ["a", "b", "c"]})
    table = problems_table(problems, ["农户"], ["错误"])
    assert table.columns == ["级别", "表", "行（Excel）", "列", "值", "说明"]
    assert table.rows() == [("错误", "农户", 7, "家庭人口数", "三口", "a")]
    assert problems_table(problems).height == 3


def test_history_table_spells_out_files_and_row_counts():
    history = pl.DataFrame({
        "import_id": [2], "imported_at": [None], "imported_by": ["李文书"], "mode_label": ["部分更新"],
        "source": ["week.zip"], "files": [json.dumps([{"name": "项目进度.csv", "sha256": "ab" * 32}], ensure_ascii=False)],
        "row_counts": [json.dumps({"项目进度": 1234}, ensure_ascii=False)], "warnings": [0]})
    row = history_table(history).row(0, named=True)
    assert row["文件（sha256 前 12 位）"] == "项目进度.csv（abababababab）"
    assert row["行数"] == "项目进度 1,234"


@pytest.mark.parametrize("name, data, expected", [
    ("人员表.xls", OLE2_MAGIC + b"rest", None),
    ("人员表.csv", "户编号,姓名\n".encode(), None),
    ("导出.zip", ZIP_MAGIC + b"rest", None),
    ("人员表.xls", ZIP_MAGIC + b"rest", "实际是 .xlsx 工作簿"),
    ("导出.xlsx", OLE2_MAGIC + b"rest", "文件内容不是 .xlsx 格式"),
    ("人员表.xls", b"<html>", "文件内容不是 .xls 格式"),
    ("人员表.csv", ZIP_MAGIC + b"rest", "文件内容不是文本 CSV"),
    ("人员表.csv", "id,name\n".encode("utf-16"), None),  # with its BOM: text
    ("人员表.csv", "id,name\n".encode("utf-16-le"), "文件内容不是文本 CSV"),
    ("人员表.txt", b"a,b", "只接受"),
])
def test_upload_problem_from_name_and_first_bytes(name, data, expected):
    problem = upload_problem(name, data, max_mb=1)
    assert problem is None if expected is None else expected in problem


def test_upload_problem_over_the_size_limit():
    assert "超过 1 MB" in upload_problem("导出.zip", ZIP_MAGIC + bytes(1024 * 1024), max_mb=1)


def test_pending_removals_text_only_when_households_left_the_list():
    assert pending_removals_text(None) is None
    assert pending_removals_text({"removals_pending": 0}) is None
    text = pending_removals_text({"removals_pending": 1234})
    assert "另有 1,234 户" in text and "确认清退" in text


def test_error_report_of_a_person_export_lists_its_problems(tmp_path):
    """The page builds the report from what check() returns for a person export (no marked sheets)."""
    db = tmp_path / "county.duckdb"
    assert load(PERSON_FIXTURES / "base", db).published is not None
    assert load(S1, db).published is not None
    export, problems, validated = check(S2, db)
    frame = problems.frame()
    assert validated.entry["removals_pending"] == 1  # H3
    book = pl.read_excel(io.BytesIO(error_report_bytes(frame, export)), sheet_name=LIST_SHEET)
    assert book.height == frame.height
    assert book.filter(pl.col("说明").str.starts_with("清退候选"))["值"].to_list() == ["4312991020001"]


def test_page_shows_history_and_role_note(app_page):
    at = app_page("pages/data_import.py", user=demo_user(CLERK))
    assert not at.exception
    assert at.title[0].value == "数据导入"
    assert "需数据管理员权限" in at.caption[0].value
    history = at.dataframe[0].value
    assert list(history["方式"]) == ["演示数据"]
    assert "农户" in history["行数"][0]
    assert not [b for b in at.button if b.key == "import-publish"]  # nothing uploaded: nothing to publish


# --- in a real browser, against a server of our own (the session server's database must not change) ------

def _demo_sheets(tmp: Path) -> Path:
    from ingest.demo import write_demo

    write_demo(tmp / "demo", households=600)
    return tmp / "demo"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("import-server")
    db = tmp / "db" / "county.duckdb"
    run_cli("ingest", "demo", "--db", str(db), "--households", "600")
    from access.store import AccessStore, store_path

    # A real account: the first real import here ends the demo accounts (issue 15 §1).
    username, password = CLERK_LOGIN
    AccessStore(store_path(db)).add_user(username, "测试数据管理员", CLERK, password)
    with serving(db, tmp) as url:
        yield url, db, tmp


@pytest.fixture(scope="module")
def snapshot_server(tmp_path_factory):
    """The hand-made two-township county (tests/test_snapshots.py) with its first snapshot S1 loaded."""
    tmp = tmp_path_factory.mktemp("snapshot-server")
    db = tmp / "db" / "county.duckdb"
    assert load(PERSON_FIXTURES / "base", db).published is not None
    assert load(S1, db).published is not None
    from access.store import AccessStore, store_path

    username, password = CLERK_LOGIN
    AccessStore(store_path(db)).add_user(username, "测试数据管理员", CLERK, password)
    with serving(db, tmp) as url:
        yield url, db, tmp


def _zip(folder: Path, names: list[str], target: Path, edit=None) -> Path:
    with zipfile.ZipFile(target, "w") as z:
        for name in names:
            text = (folder / f"{name}.csv").read_text(encoding="utf-8")
            z.writestr(f"{name}.csv", edit(name, text) if edit else text)
    return target


def _open_import(tab, url, login=CLERK_LOGIN):
    page = tab.open(url, login=login)
    page.get_by_role("link", name="数据导入").click()
    tab.wait_idle(2000)
    page.get_by_role("heading", name="数据导入").wait_for(timeout=30_000)
    return page


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 1024])
def test_upload_check_publish_and_the_running_app_picks_up_the_new_version(own_server, browser, width):
    from tests.conftest import OfflinePage

    url, db, tmp = own_server
    sheets = _demo_sheets(tmp / f"w{width}") if not (tmp / f"w{width}").exists() else tmp / f"w{width}" / "demo"
    towns = pl.read_csv(sheets / "乡镇.csv", infer_schema=False)
    old_name = towns["乡镇名称"][0]
    new_name = f"新{width}镇"
    bad = _zip(sheets, ["资金支出"], tmp / f"bad{width}.zip",
               edit=lambda n, t: t.replace("\n", "\nXM9999-0001,2020-11-01,5\n", 1))
    good = _zip(sheets, ["乡镇"], tmp / f"good{width}.zip", edit=lambda n, t: t.replace(old_name, new_name, 1))

    tab = OfflinePage(browser, width=width)
    try:
        page = _open_import(tab, url)
        assert not tab.error_boxes()
        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(bad))
        tab.wait_idle(2500)
        page.get_by_text("有 1 个错误，不能发布").wait_for(timeout=30_000)
        assert page.get_by_role("button", name="发布为新版本").is_disabled()
        tab.screenshot(f"import_refused_{width}")
        before = publish.current(db)

        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(good))
        tab.wait_idle(2500)
        page.get_by_text("没有发现问题").wait_for(timeout=30_000)
        page.get_by_role("button", name="发布为新版本").click()
        tab.wait_idle(2500)
        page.get_by_text("已发布新版本").wait_for(timeout=30_000)
        after = publish.current(db)
        assert after != before
        assert page.get_by_text(version_label.of_version(after)).count() == 1  # the shell serves the new version
        page.get_by_text("部分更新").first.wait_for(state="attached", timeout=30_000)  # history shows the partial update
        tab.screenshot(f"import_published_{width}")
        from access.store import AccessStore, store_path

        audited = [(u, a, ok) for _, u, a, _, ok in AccessStore(store_path(db)).audit_rows(50)]
        assert ("clerk", "数据核查", 0) in audited and ("clerk", "数据核查", 1) in audited  # the refused, the good
        assert ("clerk", "导入", 1) in audited
        import stat
        import tempfile

        staging = Path(tempfile.gettempdir()) / f"warroom-uploads-{os.getuid()}"  # pages/data_import.UPLOAD_DIR
        assert stat.S_IMODE(staging.stat().st_mode) == 0o700
        assert not list(staging.glob(f"*/good{width}.zip")), "a published upload is deleted at once"
        assert not list(staging.glob(f"*/bad{width}.zip")), "so is one replaced by another file"
        # the rest of the app, in the same session: the township filter lists the new name
        page.get_by_role("link", name="总览").click()
        tab.wait_idle(2500)
        page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").click()
        page.keyboard.type(new_name[:2])  # filter the list, so the option is rendered whatever the height
        page.get_by_role("option", name=new_name).wait_for(timeout=10_000)
        assert not tab.error_boxes()
    finally:
        tab.close()
    assert not tab.foreign


@pytest.mark.browser
def test_a_version_published_elsewhere_shows_on_the_next_interaction(own_server, browser):
    from tests.conftest import OfflinePage

    url, db, tmp = own_server
    tab = OfflinePage(browser)
    try:
        page = _open_import(tab, url)
        served = publish.current(db)
        assert page.get_by_text(version_label.of_version(served)).count() == 1
        sheets = _demo_sheets(tmp / "cli")
        week = tmp / "cli-week"
        week.mkdir()
        (week / "项目进度.csv").write_bytes((sheets / "项目进度.csv").read_bytes())
        run_cli("ingest", "load", str(week), "--db", str(db), "--user", "命令行", "--report", str(tmp / "r.xlsx"))
        newer = publish.current(db)
        assert newer != served
        # next interaction in the same session: filter the warnings / click the nav -> new version everywhere
        page.get_by_role("link", name="数据导入").click()
        tab.wait_idle(2500)
        assert page.get_by_text(version_label.of_version(newer)).count() == 1
        assert page.get_by_text("命令行").count() >= 1  # the history of the new version
        assert not tab.error_boxes()
    finally:
        tab.close()


def _upload(tab, page, path: Path) -> None:
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    tab.wait_idle(2500)


def _served_modes(db: Path) -> list[str]:
    import duckdb

    con = duckdb.connect(str(publish.current(db)), read_only=True)
    try:
        return [m for (m,) in con.execute("SELECT mode FROM import_log ORDER BY import_id").fetchall()]
    finally:
        con.close()


@pytest.mark.browser
def test_person_snapshot_upload_confirm_removals_and_publish(snapshot_server, browser):
    from tests.conftest import OfflinePage

    url, db, tmp = snapshot_server
    tab = OfflinePage(browser, width=1024)
    try:
        page = _open_import(tab, url, CLERK_LOGIN)
        before = publish.current(db)
        _upload(tab, page, S2)
        page.get_by_text("建档立卡人员表（快照导入）").wait_for(timeout=30_000)
        # Worked out by hand (module docstring): H3 is a candidate, not yet 清退.
        page.get_by_text("人员快照 2020-06-30：9 人、3 户；推导状态变化：纳入 1 户、脱贫 1 户、返贫 1 户、清退 0 户"
                         ).wait_for(timeout=30_000)
        assert page.get_by_text("另有 1 户在上一快照中、本快照中没有").count() == 1
        assert page.get_by_role("button", name="发布为新版本").is_enabled()
        tab.screenshot("import_snapshot_candidates_1024")

        tab.wait_idle(1500)  # the upload's run has finished: the click is not taken by a page being redrawn
        confirm = page.get_by_role("checkbox", name="确认清退：上一快照中有、本快照中没有的农户记为清退")
        page.get_by_text("确认清退：上一快照中有、本快照中没有的农户记为清退").click()
        expect(confirm).to_be_checked(timeout=10_000)
        tab.wait_idle(2500)
        page.get_by_text("推导状态变化：纳入 1 户、脱贫 1 户、返贫 1 户、清退 1 户").wait_for(timeout=60_000)
        assert page.get_by_text("另有 1 户在上一快照中、本快照中没有").count() == 0
        page.get_by_role("button", name="发布为新版本").click()
        tab.wait_idle(2500)
        page.get_by_text("已发布新版本").wait_for(timeout=30_000)
        after = publish.current(db)
        assert after != before
        assert page.get_by_text(f"已发布新版本 {after.name}（人员快照 2020-06-30：9 人、3 户；").count() == 1
        assert page.get_by_text(version_label.of_version(after)).count() == 1
        page.get_by_text("人员快照导入").first.wait_for(state="attached", timeout=30_000)  # 导入历史
        assert _served_modes(db)[-2:] == ["snapshot", "snapshot"]  # S1 (before the server), S2 here
        tab.screenshot("import_snapshot_published_1024")

        _upload(tab, page, S2)  # the same snapshot again: nothing to publish
        page.get_by_text("这份快照已导入过，内容相同，未做任何更改。").wait_for(timeout=30_000)
        assert page.get_by_role("button", name="发布为新版本").count() == 0
        assert publish.current(db) == after
        assert not tab.error_boxes()

        older = tmp / "人员表_2020-03-31.csv"  # a date between S1 and S2, never loaded: older than the last
        older.write_bytes(S1.read_bytes().replace(b"2019-12-31", b"2020-03-31"))
        _upload(tab, page, older)  # refused, with the reason in the problem list
        page.get_by_text("有 1 个错误，不能发布").wait_for(timeout=30_000)
        assert page.get_by_role("button", name="发布为新版本").is_disabled()
        assert publish.current(db) == after
    finally:
        tab.close()
    assert not tab.foreign


@pytest.mark.browser
def test_a_csv_that_is_not_a_person_list_is_refused(snapshot_server, browser):
    from tests.conftest import OfflinePage

    url, db, tmp = snapshot_server
    tab = OfflinePage(browser)
    try:
        page = _open_import(tab, url, CLERK_LOGIN)
        served = publish.current(db)
        _upload(tab, page, PERSON_FIXTURES / "base" / "乡镇.csv")
        page.get_by_text(NOT_A_PERSON_CSV[:20]).wait_for(timeout=30_000)
        boxes = tab.error_boxes()
        assert len(boxes) == 1 and NOT_A_PERSON_CSV in boxes[0]
        assert page.get_by_text("建档立卡人员表（快照导入）").count() == 0
        assert page.get_by_role("button", name="发布为新版本").count() == 0
        assert publish.current(db) == served
        from access.store import AccessStore, store_path

        refused = [r for r in AccessStore(store_path(db)).audit_rows(20) if r[2] == "导入被拒"]
        assert refused and refused[0][1] == "clerk" and "乡镇.csv" in refused[0][3] and refused[0][4] == 0
    finally:
        tab.close()
    assert not tab.foreign


def _merge_preview_script(db: str, week: str) -> None:
    """The page's preview and choices, on a real check of `week` against `db` (AppTest.from_function)."""
    from pathlib import Path

    from components.merge_preview import merge_options, merge_preview
    from ingest.load import check

    _, problems, validated = check(Path(week), Path(db), **merge_options("replace", "duplicates"))
    merge_preview(validated.changes, "replace", "duplicates")
    import streamlit as st

    st.write(f"errors={problems.count('错误')}")


def test_merge_preview_shows_per_sheet_changes_and_what_a_replace_deletes(tmp_path):
    """The tiny county (tests/fixtures/tiny, 16 progress reports, 12 payments) and a week of 3 reports (one
    new, one corrected, one the same) and 1 payment equal to a served one: counts worked out by hand."""
    from streamlit.testing.v1 import AppTest

    from tests.ingest_helpers import copy_tiny, read_sheet, write_sheet

    db = tmp_path / "db" / "county.duckdb"
    assert load(copy_tiny(tmp_path / "full"), db).published is not None
    week = tmp_path / "week"
    week.mkdir()
    write_sheet(week, "项目进度", [read_sheet(tmp_path / "full", "项目进度")[0], ["P1903", "2020-11-10", "100", "已完工"],
                                ["P2002", "2020-11-15", "100", "已验收"], ["P2001", "2020-07-10", "100", "已完工"]])
    write_sheet(week, "资金支出", [["项目编号", "支付日期", "金额"], ["P2001", "2020-11-01", "15"]])
    at = AppTest.from_function(_merge_preview_script, args=(str(db), str(week)), default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0].value
    progress = table[table["表"] == "项目进度"].iloc[0]
    assert (progress["方式"], progress["当前行数"], progress["新增"], progress["修改"], progress["相同"],
            progress["删除"], progress["文件中没有（保留）"], progress["发布后行数"]) == ("按主键合并", 16, 1, 1, 1, 0, 14, 17)
    assert progress["示例"] == "新增：P1903 2020-11-10；修改：P2002 2020-11-15"
    choice = at.multiselect(key="replace")
    assert choice.options == ["项目进度（将删除 14 行）", "资金支出（将删除 11 行）"]
    assert not at.warning
    assert at.checkbox(key="duplicates").label.startswith("确认追加相同的行：资金支出 1 行")
    assert at.markdown[-1].value == "errors=1"  # the payment, until confirmed

    at.checkbox(key="duplicates").check().run()
    assert at.markdown[-1].value == "errors=0"
    at.multiselect(key="replace").set_value(["项目进度"]).run()
    progress = at.dataframe[0].value.iloc[0]
    assert (progress["方式"], progress["删除"], progress["发布后行数"]) == ("替换整表", 14, 3)
    assert at.warning[0].value.startswith("发布将删除当前数据中的 项目进度 14 行（文件中没有这些行）")


@pytest.mark.browser
def test_a_partial_file_shows_the_merge_preview_and_the_replace_choice(own_server, browser):
    """Three of the demo's progress reports, one corrected: merged (1 changed, 2 the same, the rest kept);
    choosing 替换整表 names the rows that would go before anything is published."""
    from tests.conftest import OfflinePage

    url, db, tmp = own_server
    sheets = _demo_sheets(tmp / "merge")
    rows = (sheets / "项目进度.csv").read_text(encoding="utf-8").splitlines()
    served = len(rows) - 1
    header, first, *rest = rows[:4]
    cells = first.split(",")
    cells[2] = "99" if cells[2] != "99" else "98"
    week = tmp / "week.zip"
    with zipfile.ZipFile(week, "w") as z:
        z.writestr("项目进度.csv", "\n".join([header, ",".join(cells), *rest]) + "\n")
    before = publish.current(db)
    tab = OfflinePage(browser, width=1024, height=768)
    try:
        page = _open_import(tab, url)
        _upload(tab, page, week)
        page.get_by_text("发布后各表的变化").wait_for(timeout=30_000)
        assert page.get_by_text("没有发现问题").count() == 1
        page.get_by_text(f"项目进度（按 项目编号+填报日期 合并）：新增 0 行，修改 1 行，相同 2 行，删除 0 行，"
                         f"文件中没有而保留 {served - 3:,} 行").wait_for(timeout=30_000)
        tab.wait_idle(1000)
        page.locator("[data-testid=stMultiSelect] input").click()
        page.keyboard.type("项目进度")
        page.get_by_role("option", name=f"项目进度（将删除 {served - 3:,} 行）").wait_for(timeout=10_000)
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")  # close the list (it hides the rest of the page from the accessibility tree)
        tab.wait_idle(2500)
        page.get_by_text(f"发布将删除当前数据中的 项目进度 {served - 3:,} 行").wait_for(timeout=30_000)
        assert page.get_by_role("button", name="发布为新版本").is_enabled()
        assert not tab.error_boxes()
        tab.screenshot("import_merge_replace_1024")
    finally:
        tab.close()
    assert publish.current(db) == before  # nothing published without the button
    assert not tab.foreign
