"""The analysis pages in headless Chromium against the real server: no error box, no request off the
intranet, screenshots at projector and laptop widths (tests/screenshots/analysis_*.png)."""

from __future__ import annotations

import pytest

from conftest import OfflinePage

pytestmark = pytest.mark.browser

# (navigation link, page path, township name to pick in the sidebar or "", text that must show)
PAGES = [
    ("一升一降", "poverty", "", "乡镇对比"),
    ("一升一降", "poverty", "桃花乡", "各村情况"),
    ("资金", "funds", "杨柳乡", "沉淀资金清单"),
    ("项目", "projects", "大坪镇", "逾期项目清单"),
    ("户情", "households", "", "农户查询"),
]


def open_page(tab: OfflinePage, server: str, link: str, path: str, township: str):
    """Sign in, go to the page through the navigation and pick the township in the sidebar, as a user does."""
    page = tab.open(f"{server}/{path}")
    if not page.url.rstrip("/").endswith(path):
        page.locator("[data-testid=stSidebarNav] a", has_text=link).first.click()
        tab.wait_idle()
    if township:
        box = page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").filter(has_text="乡镇").first
        box.locator("input").first.click()
        page.keyboard.type(township)
        page.wait_for_timeout(500)
        page.keyboard.press("Enter")
        tab.wait_idle(2000)
    return page


@pytest.mark.parametrize("width", [1400, 1024])
@pytest.mark.parametrize("link,path,township,text", PAGES)
def test_page_renders_offline(server, browser, link, path, township, text, width):
    tab = OfflinePage(browser, width=width, height=3000)
    try:
        page = open_page(tab, server, link, path, township)
        page.get_by_text(text).first.wait_for(timeout=30_000)
        if township:
            assert page.locator("h1").first.inner_text().endswith(township)
        assert not tab.error_boxes()
        assert page.locator(".js-plotly-plot").count() >= (0 if path == "households" else 2)
        tab.screenshot(f"analysis_{path}{'_township' if township else ''}_{width}")
    finally:
        tab.close()
    assert not tab.foreign


def test_household_ledger_opens_from_the_search(server, offline_page):
    page = open_page(offline_page, server, "户情", "households", "")
    page.get_by_label("户编号", exact=True).fill("4312991072010001")
    page.keyboard.press("Enter")
    offline_page.wait_idle(2000)
    page.get_by_text("一户一本台账").first.wait_for(timeout=30_000)
    assert not offline_page.error_boxes()
    assert "household=4312991072010001" in page.url
    assert page.get_by_text("两不愁三保障").count()
    offline_page.screenshot("analysis_household_ledger")


def test_clicking_a_township_bar_drills_down(server, offline_page):
    page = open_page(offline_page, server, "一升一降", "poverty", "")
    bar = page.locator(".js-plotly-plot").first.locator(".bars .point path").first
    bar.wait_for(timeout=30_000)
    bar.click(force=True)
    offline_page.wait_idle(2000)
    assert not offline_page.error_boxes()
    page.get_by_text("各村情况").first.wait_for(timeout=30_000)
    assert page.locator("h1").first.inner_text() != "一升一降 · 全县"


def test_household_search_download_has_every_match(server, offline_page):
    """The 农户查询 download holds every matching household (all pages), read back from the workbook."""
    import io
    import re

    import openpyxl

    page = open_page(offline_page, server, "户情", "households", "")
    button = page.get_by_role("button", name=re.compile(r"下载 Excel（全部 [\d,]+ 户）"))
    button.wait_for(timeout=30_000)
    total = int(re.search(r"全部 ([\d,]+) 户", button.inner_text()).group(1).replace(",", ""))
    assert total > 500
    with page.expect_download(timeout=60_000) as download:
        button.click()
    sheet = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "户编号" and len(rows) - 1 == total
    assert len({r[0] for r in rows[1:]}) == total  # every household once
