"""The township head's own township marked on 项目, the 数据核查 heatmap and 周调度 (issue 17 §2): the figure
builders take the name and mark that township's bar, row and label — and only that one."""

from __future__ import annotations

import polars as pl
import pytest

from components import charts, check_charts, project_charts, weekly_views
from conftest import OfflinePage

NAMES = ["东山镇", "西河乡", "南岭乡"]


def _marked_ticks(axis) -> list[str]:
    return [t for t in (axis.ticktext or ()) if "▶" in t]


def test_project_bars_mark_the_viewers_township_in_every_status():
    summary = pl.DataFrame({
        "township_name": ["东山镇", "东山镇", "西河乡", "南岭乡"], "category": ["道路"] * 4,
        "status": ["在建", "已完工", "未开工", "已验收"], "projects": [2, 2, 3, 1], "started": [2, 2, 0, 1],
        "completed": [0, 2, 0, 1], "overdue": [1, 0, 2, 0], "progress_sum": [80.0, 200.0, 0.0, 100.0]})
    fig = project_charts.by_township(summary, mark="西河乡")
    # labels carry the 完工率 and overdue count: 西河乡 has 0 of 3 done, 2 overdue
    label = "西河乡（完工 0%，逾期 2）"
    for trace in fig.data:  # one trace per status; each outlines 西河乡's segment only
        widths = dict(zip(trace.y, trace.marker.line.width))
        assert widths[label] > 0 and all(w == 0 for y, w in widths.items() if y != label)
        assert dict(zip(trace.y, trace.marker.line.color))[label] == charts.HIGHLIGHT_LINE
    assert _marked_ticks(fig.layout.yaxis) == [f"<b>▶{label}</b>"]
    plain = project_charts.by_township(summary)
    assert all(t.marker.line.width is None for t in plain.data) and not _marked_ticks(plain.layout.yaxis)


def test_check_heatmap_frames_the_viewers_row_and_bolds_its_label():
    matrix = pl.DataFrame({"township_code": ["T1", "T2", "T3"], "township_name": NAMES,
                           "r1": [3, 0, 1], "r2": [0, 5, 0]})
    rules = pl.DataFrame({"rule_id": ["r1", "r2"], "short": ["身份证", "三保障"], "severity": ["高", "中"],
                          "title": ["身份证号有误", "三保障未达标"]})
    fig = check_charts.issue_heatmap(matrix, rules, mark="南岭乡")
    assert _marked_ticks(fig.layout.yaxis) == ["<b>▶南岭乡</b>"]
    frames = [s for s in fig.layout.shapes if s.line.color == charts.HIGHLIGHT_LINE]
    assert len(frames) == 1
    row = frames[0]
    assert (row.y0, row.y1) == (1.5, 2.5)  # row 2 = 南岭乡 (rows in matrix order)
    assert (row.x0, row.x1) == (-0.5, 1.5)  # across both rules
    plain = check_charts.issue_heatmap(matrix, rules)
    assert not plain.layout.shapes and not _marked_ticks(plain.layout.yaxis)


def test_weekly_exits_mark_the_viewers_township():
    moves = pl.DataFrame({"township_code": ["T1", "T2", "T3"], "township_name": NAMES, "exited_week": [4, 0, 9]})
    fig = weekly_views.exited_this_week(moves, mark="东山镇")
    bar = fig.data[0]
    widths = dict(zip(bar.x, bar.marker.line.width))
    assert widths == {"南岭乡": 0, "东山镇": 3.5, "西河乡": 0}
    assert _marked_ticks(fig.layout.xaxis) == ["<b>▶东山镇</b>"]
    assert weekly_views.exited_this_week(moves).data[0].marker.line.width is None


@pytest.mark.browser
def test_township_head_sees_their_township_marked_in_the_browser(server, browser):
    """Signed in as the demo 乡镇长 at 1024×768: their township's label carries the ▶ mark on the 数据核查
    heatmap, and on 周调度 and 项目 once they switch to 全县 (the county-wide charts)."""
    tab = OfflinePage(browser, width=1024, height=768)
    try:
        page = tab.open(f"{server}/", login=("township", "demo"))
        township = page.locator("h1").first.inner_text().split(" · ")[1]
        assert township != "全县"
        seen = {}
        for path, heading in (("data_check", "数据核查"), ("weekly?township=全县", "周调度 · 全县"),
                              ("projects?township=全县", "项目 · 全县")):
            page.goto(f"{server}/{path}")
            tab.wait_idle(1500)
            if page.get_by_label("用户名").count():
                tab.login("township", "demo")
            page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
            page.wait_for_selector(".js-plotly-plot .ytick text", state="attached", timeout=30_000)
            tab.wait_idle(1000)
            assert not tab.error_boxes()
            seen[path] = [t for t in page.locator(".js-plotly-plot .xtick text, .js-plotly-plot .ytick text")
                          .all_text_contents() if t.startswith("▶")]
            tab.screenshot(f"township_marks_{path.split('?')[0]}")
        assert seen["data_check"] == [f"▶{township}"], seen
        assert f"▶{township}" in seen["weekly?township=全县"], seen  # 本周脱贫 and 任务进度 bars
        assert [t.split("（")[0] for t in seen["projects?township=全县"]] == [f"▶{township}"], seen
    finally:
        tab.close()
    assert not tab.foreign
