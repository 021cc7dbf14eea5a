"""一升一降 page (AppTest through the shell, demo county)."""

from ingest.demo import DEMO_STORY


def test_county_view_compares_townships_and_asks_to_pick_one(app_page):
    at = app_page("pages/poverty.py")
    assert not at.exception
    assert at.title[0].value == "一升一降 · 全县"
    assert [m.label for m in at.metric] == ["贫困人口", "贫困发生率", "一降（个百分点）", "一升（收入增幅）"]
    assert "月度走势 · 全县" in [s.value for s in at.subheader]
    assert any("在侧栏选择乡镇" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) >= 6  # drop, growth, quadrant, trend, two breakdowns


def test_township_drills_to_villages_and_households(app_page):
    code = DEMO_STORY["idle_funds"]
    at = app_page("pages/poverty.py", query={"township": code})
    assert not at.exception
    assert "各村情况" in [s.value for s in at.subheader]
    village = at.selectbox(key="poverty-village")
    assert village.options  # the township's villages
    frames = at.dataframe
    households = frames[-1].value
    assert "户编号" in households.columns and "台账" in households.columns
    assert households["台账"].str.startswith("households?household=").all()
