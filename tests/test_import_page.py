"""数据导入 page: AppTest of the page and its pure tables, and a browser test that uploads a broken and a
good export into a running server, publishes, and sees the new data in the same session."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import polars as pl
import pytest

from components.import_views import history_table, problems_table
from ingest import publish
from tests.conftest import ROOT, _free_port, demo_user, run_cli

CLERK = "数据管理员"


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
    port = _free_port()
    log = (tmp / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env={**os.environ, "WARROOM_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError:
            time.sleep(0.3)
    yield url, db, tmp
    proc.terminate()
    proc.wait(10)


def _zip(folder: Path, names: list[str], target: Path, edit=None) -> Path:
    with zipfile.ZipFile(target, "w") as z:
        for name in names:
            text = (folder / f"{name}.csv").read_text(encoding="utf-8")
            z.writestr(f"{name}.csv", edit(name, text) if edit else text)
    return target


def _open_import(tab, url):
    page = tab.open(url, login=("clerk", "demo"))
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
        assert page.get_by_text(f"数据版本：{after.name}").count() == 1  # the shell serves the new version
        assert page.get_by_text("部分更新").count() >= 1  # history shows the partial update
        tab.screenshot(f"import_published_{width}")
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
        assert page.get_by_text(f"数据版本：{served.name}").count() == 1
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
        assert page.get_by_text(f"数据版本：{newer.name}").count() == 1
        assert page.get_by_text("命令行").count() >= 1  # the history of the new version
        assert not tab.error_boxes()
    finally:
        tab.close()
