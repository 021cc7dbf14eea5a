"""脱贫攻坚作战室 — entry point: page config, navigation, global filters.

Run: `streamlit run dashboard.py [-- --db FILE]` (or WARROOM_DB=FILE). With no database configured it
builds and serves the demo county. Pages read the filters from components.filters.current() and data
from app_data; nothing here or in a page opens the database.
"""

from __future__ import annotations

import streamlit as st

import app_data
import settings
from components.filters import sidebar_filters

# A local icon: a Material icon or emoji favicon is fetched from a CDN, which the intranet does not have.
st.set_page_config(page_title="脱贫攻坚作战室", page_icon="data/favicon.png", layout="wide")

PAGES = {
    "总览": [st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", url_path="overview", default=True)],
    "一升一降": [
        st.Page("pages/poverty.py", title="一升一降", icon=":material/trending_down:", url_path="poverty"),
        st.Page("pages/households.py", title="户情", icon=":material/home:", url_path="households"),
    ],
    "资金": [st.Page("pages/funds.py", title="资金", icon=":material/payments:", url_path="funds")],
    "项目": [st.Page("pages/projects.py", title="项目", icon=":material/construction:", url_path="projects")],
    "挂图作战": [st.Page("pages/battle_map.py", title="挂图作战", icon=":material/map:", url_path="map")],
    "排名": [st.Page("pages/ranking.py", title="综合排名", icon=":material/leaderboard:", url_path="ranking")],
    "周调度": [
        st.Page("pages/weekly.py", title="周调度", icon=":material/event_note:", url_path="weekly"),
        st.Page("pages/quarterly.py", title="季讲评", icon=":material/slideshow:", url_path="quarterly"),
    ],
    "数据": [
        st.Page("pages/data_import.py", title="数据导入", icon=":material/upload_file:", url_path="import"),
        st.Page("pages/data_check.py", title="数据核查", icon=":material/fact_check:", url_path="check"),
    ],
}


def main() -> None:
    try:
        config = settings.load()
    except settings.SettingsError as exc:
        st.error(f"配置有误，无法启动：{exc}")
        st.stop()
    version = app_data.pin_version()
    if version is None:
        st.navigation([st.Page(_no_data, title="无数据", url_path="overview")]).run()
        return
    latest = app_data.data_as_of()
    if latest is None:
        st.navigation([st.Page(_no_data, title="无数据", url_path="overview")]).run()
        return
    st.session_state["_filters"] = sidebar_filters(latest, app_data.townships())
    st.session_state["_settings"] = config
    with st.sidebar:
        st.caption(f"数据版本：{version.name}" + ("（演示县）" if app_data.is_demo() else ""))
    st.navigation(PAGES).run()


def _no_data() -> None:
    st.title("脱贫攻坚作战室")
    st.warning(f"数据库 {app_data.db_path()} 中还没有数据。请先用 `python -m ingest load 导出文件 --db "
               f"{app_data.db_path()}` 导入县里的数据。")


main()
