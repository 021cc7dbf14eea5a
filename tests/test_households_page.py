"""户情 page (AppTest through the shell, demo county): search, the household ledger, masking by role."""

import re

import pytest

from conftest import demo_user



@pytest.fixture(scope="module")
def some_household(demo_db):
    from queries.runner import Database

    with Database.open(demo_db) as db:
        return db.run("household_search", as_of=db.data_as_of(), township="ALL", village="ALL", status="已脱贫",
                      cause="ALL", gap="ALL", search="", limit=1, offset=0).row(0, named=True)


def test_search_lists_households(app_page):
    at = app_page("pages/households.py")
    assert not at.exception
    results = at.dataframe[0].value
    assert {"户编号", "户主", "状态", "两不愁三保障未达标项"} <= set(results.columns)
    at.selectbox(key="household-status").set_value("未脱贫").run()
    assert set(at.dataframe[0].value["状态"]) == {"未脱贫"}


def test_viewer_gets_no_household_ledger_only_a_note(app_page, some_household):
    """只读演示 sees aggregates only (README): no ledger, no search results, a note saying so (issue 15 §7)."""
    at = app_page("pages/households.py", query={"household": some_household["household_id"]},
                  user=demo_user("只读演示"))
    assert not at.exception
    assert not at.header, "no ledger"
    assert any("只读演示账户只能查看汇总数据" in i.value for i in at.info)
    page_text = " ".join(str(e.value) for e in (*at.markdown, *at.caption, *at.metric))
    assert some_household["head_name"][1:] not in page_text
    assert not any(some_household["household_id"] in f.value.to_string() for f in at.dataframe)


def test_leader_sees_full_names(app_page, some_household):
    at = app_page("pages/households.py", query={"household": some_household["household_id"]},
                  user=demo_user("县领导"))
    assert not at.exception
    assert at.header[0].value == f"一户一本台账 · {some_household['head_name']}户"


def test_unknown_household_is_explained(app_page):
    at = app_page("pages/households.py", query={"household": "NO-SUCH"})
    assert not at.exception
    assert any("没有户编号为 NO-SUCH" in w.value for w in at.warning)


def test_search_pages_through_every_household(app_page):
    """More matches than a page: page 2 shows the next households (not the first 500 again) and says so."""
    at = app_page("pages/households.py")
    first = at.dataframe[0].value["户编号"].to_list()
    caption = next(c.value for c in at.caption if c.value.startswith("共 "))
    total = int(re.search(r"共 ([\d,]+) 户", caption).group(1).replace(",", ""))
    assert total > 500 and len(first) == 500 and "第 1 / " in caption
    at.number_input(key="household-page").set_value(2).run()
    assert not at.exception
    second = at.dataframe[0].value["户编号"].to_list()
    assert second[0] > first[-1] and not set(first) & set(second)
    assert any("第 2 / " in c.value and "第 501–" in c.value for c in at.caption)
    assert any(f"全部 {total:,} 户" in b.label for b in at.get("download_button"))
