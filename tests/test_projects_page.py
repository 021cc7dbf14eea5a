"""项目 page (AppTest through the shell, demo county)."""

from ingest.demo import DEMO_STORY


def test_county_projects_page_lists_overdue_projects(app_page):
    at = app_page("pages/projects.py")
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["本年度项目", "开工率", "完工率", "平均形象进度", "逾期项目"]
    overdue = at.dataframe[0].value
    assert {"逾期（天）", "责任乡镇", "联系县领导"} <= set(overdue.columns)
    assert (overdue["逾期（天）"] > 0).all()
    assert list(overdue["逾期（天）"]) == sorted(overdue["逾期（天）"], reverse=True)


def test_overdue_township_shows_timeline_and_project_detail(app_page):
    at = app_page("pages/projects.py", query={"township": DEMO_STORY["overdue"]})
    assert not at.exception
    subheaders = [s.value for s in at.subheader]
    assert any(s.endswith("项目工期") for s in subheaders) and "项目详情" in subheaders
    project = at.selectbox(key="project")
    assert project.value is not None
    assert len(at.tabs) == 3 and at.tabs[0].label.startswith("进度填报")


def test_year_without_projects_says_so(app_page):
    at = app_page("pages/projects.py", query={"township": DEMO_STORY["overdue"], "as_of": "2015-06-30"})
    assert not at.exception
    assert any("没有扶贫项目" in i.value for i in at.info)
