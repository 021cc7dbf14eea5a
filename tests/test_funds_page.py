"""资金 page (AppTest through the shell, demo county)."""

from ingest.demo import DEMO_STORY


def test_county_funds_page(app_page):
    at = app_page("pages/funds.py")
    assert not at.exception
    assert [m.label for m in at.metric] == ["资金下达", "资金支出", "资金结余率", "支出进度", "产业资金占比"]
    subheaders = [s.value for s in at.subheader]
    assert subheaders[:3] == ["按资金来源", "支出进度曲线", "按项目类别"]
    assert "沉淀资金清单（张榜公布）" in subheaders


def test_idle_funds_township_is_listed_for_posting(app_page):
    code = DEMO_STORY["idle_funds"]
    at = app_page("pages/funds.py", query={"township": code})
    assert not at.exception
    assert any("沉淀资金" in w.value for w in at.warning)
    idle = at.dataframe[-1].value
    assert {"沉淀金额（万元）", "联系县领导", "已下达（天）"} <= set(idle.columns)
    assert (idle["已下达（天）"] > 90).all()
    assert (idle["支出比例（%）"] < 20).all()
    sources = at.dataframe[0].value
    assert sources["资金来源"].tolist() == ["中央", "省级", "市级", "县级", "整合涉农", "社会帮扶"]


def test_township_without_projects_this_year_says_so(app_page):
    at = app_page("pages/funds.py", query={"township": DEMO_STORY["idle_funds"], "as_of": "2015-06-30"})
    assert not at.exception
    assert any("没有扶贫项目" in i.value for i in at.info)
