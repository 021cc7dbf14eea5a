"""User data is text, never Markdown or chart HTML (issue 15 §8): a township name from the import and the
`?household=` parameter carrying an image URL and a link show as their characters."""

from __future__ import annotations

import json
import re

import pytest

from components.text import inert_links, md
from conftest import ROOT, demo_user, run_cli

IMAGE = "![x](http://evil.example/pixel.png)"
LINK = "[会话已过期，请点此重新登录](http://evil.example/login)"
HTML_LINK = '<a href="http://evil.example/">登录</a>'
PAYLOAD = f"龙潭乡{IMAGE}{LINK}:red[红]**粗**"
# The payload's parts that would do something in Markdown if left unescaped.
RAW = (IMAGE, LINK, ":red[红]", "**粗**")


def live(body: str) -> bool:
    return any(part in body for part in RAW) or re.search(r"(?<!\\)<a\b", body) is not None


def test_md_escapes_every_markdown_construct():
    assert md(IMAGE) == "\\!\\[x\\]\\(http\\:\u2060\\/\\/evil\\.example\\/pixel\\.png\\)", "word joiner: no autolink"
    assert md("www.a.cn a@b.cn") == "www\u2060\\.a\\.cn a\\@\u2060b\\.cn"
    assert md("a\n# 标题\r\n- 项") == r"a \# 标题 - 项", "one line: no heading or list"
    assert md("- 项") == r"\- 项" and md("NO-SUCH") == "NO-SUCH"
    assert md(None) == "" and md("龙潭乡") == "龙潭乡"
    assert not live(md(PAYLOAD + HTML_LINK))


def test_chart_labels_show_a_link_tag_as_text():
    import plotly.graph_objects as go

    fig = inert_links(go.Figure(go.Bar(x=[HTML_LINK, "青石镇"], y=[1, 2], text=["1<br>2", HTML_LINK])))
    assert fig.data[0].x[0].startswith("&lt;a href") and fig.data[0].x[1] == "青石镇"
    assert fig.data[0].text == ("1<br>2", '&lt;a href="http://evil.example/">登录&lt;/a>'), "own markup kept"


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    """A small county whose first township is named with Markdown and a link tag (accepted by the import)."""
    from ingest.demo import write_demo
    from ingest_helpers import set_cell

    root = tmp_path_factory.mktemp("hostile")
    write_demo(root / "export", seed=7, households=300)
    set_cell(root / "export", "乡镇", 2, "乡镇名称", PAYLOAD + HTML_LINK)
    run_cli("ingest", "load", str(root / "export"), "--db", str(root / "county.duckdb"))
    return root / "county.duckdb"


def _without_shapes(node):
    """A figure spec without its GeoJSON (trace geojson, map layer sources): properties there are never drawn."""
    if isinstance(node, dict):
        return {k: _without_shapes(v) for k, v in node.items() if k not in ("geojson", "source")}
    if isinstance(node, list):
        return [_without_shapes(v) for v in node]
    return node


def _markdown_bodies(at) -> list[str]:
    kinds = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error")
    return [str(e.value) for kind in kinds for e in getattr(at, kind)]


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/poverty.py", "pages/ranking.py", "pages/funds.py",
                                  "pages/data_check.py", "pages/battle_map.py", "pages/households.py"])
def test_a_township_name_with_markdown_renders_as_its_characters(hostile_db, monkeypatch, page):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WARROOM_DB", str(hostile_db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.session_state["user"] = demo_user()
    at.session_state["role"] = "县领导"
    at.query_params["township"] = "431299101"
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    assert not at.exception, at.exception
    bodies = _markdown_bodies(at)
    if page != "pages/households.py":  # 户情 names it only in a filter label
        assert any(md(PAYLOAD) in body for body in bodies), f"{page} names the township"
    raw = [body for body in bodies if live(body)]
    assert not raw, f"{page}: {raw[:2]}"
    for chart in at.get("plotly_chart"):
        spec = _without_shapes(json.loads(chart.proto.spec))
        assert "<a href" not in json.dumps(spec, ensure_ascii=False), f"{page}: live link in a chart"


def test_the_household_parameter_is_shown_as_text_in_the_warning(app_page):
    at = app_page("pages/households.py", query={"household": LINK})
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert md(LINK) in warning and not live(warning)


def test_a_reflected_link_in_the_url_is_plain_text_in_the_browser(server, offline_page):
    """The exact report: ?household= carrying a "请重新登录" link and an image. In Chromium the warning shows the
    characters; no link (GFM would link a bare URL too), no image, no request to the other host."""
    from urllib.parse import quote

    tab = offline_page
    page = tab.open(f"{server}/households?household={quote(IMAGE + LINK + ' www.evil.example')}")
    warning = page.locator("[data-testid=stAlertContentWarning]").first
    warning.wait_for(timeout=60_000)
    assert LINK in warning.inner_text().replace("\u2060", "")
    assert page.locator("a[href*='evil'], img[src*='evil']").count() == 0
    assert not [u for u in tab.foreign if "evil" in u]
