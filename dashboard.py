"""脱贫攻坚作战室 — entry point: page config, navigation, global filters.

Run: `streamlit run dashboard.py [-- --db FILE]` (or WARROOM_DB=FILE). With no database configured it
builds and serves the demo county. Pages read the filters from components.filters.current() and data
from app_data; nothing here or in a page opens the database.
"""

from __future__ import annotations

import logging
import secrets

import streamlit as st

import app_data
import settings
from access import media_guard, session
from access.files import owner_only_umask
from access.roles import User
from components import theme
from components.filters import sidebar_filters
from components.text import md
from queries.runner import QueryTimeout
from queries.scope import Withheld

log = logging.getLogger("warroom")
if not log.handlers:  # the server's log (stderr: journald under the service); this script reruns every time
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)

# A local icon: a Material icon or emoji favicon is fetched from a CDN, which the intranet does not have.
st.set_page_config(page_title="脱贫攻坚作战室", page_icon="data/favicon.png", layout="wide")
theme.apply()
# The server writes the access store, database versions and uploads: owner-only (access/files.py).
owner_only_umask()

def _everyone(user: User | None) -> bool:
    return True


# (section, script, title, icon, url path, who may open it).
# Streamlit runs in its legacy pages/ mode until some session calls st.navigation (the first visit after a
# start; every AppTest run). In that mode a URL is matched against pages/<name>.py, so each URL path is its
# script's name: a first visitor's deep link then still finds its page, whose first data access
# (app_data) sends it back through this shell and its login. The default page is served at "/" and its
# path must not name a script, so that the legacy mode runs this shell for it.
PAGE_SPECS = (
    ("总览", "pages/overview.py", "总览", "dashboard", "home", _everyone),
    ("一升一降", "pages/poverty.py", "一升一降", "trending_down", "poverty", _everyone),
    ("一升一降", "pages/households.py", "户情", "home", "households", _everyone),
    ("资金", "pages/funds.py", "资金", "payments", "funds", _everyone),
    ("项目", "pages/projects.py", "项目", "construction", "projects", _everyone),
    ("挂图作战", "pages/battle_map.py", "挂图作战", "map", "battle_map", _everyone),
    ("排名", "pages/ranking.py", "综合排名", "leaderboard", "ranking", _everyone),
    ("周调度", "pages/weekly.py", "周调度", "event_note", "weekly", _everyone),
    ("周调度", "pages/quarterly.py", "季讲评", "slideshow", "quarterly", _everyone),
    ("周调度", "pages/rectification.py", "整改销号", "task_alt", "rectification", _everyone),
    ("数据", "pages/data_import.py", "数据导入", "upload_file", "data_import", lambda u: u is None or u.can_import),
    ("数据", "pages/data_check.py", "数据核查", "fact_check", "data_check", _everyone),
    ("数据", "pages/audit_log.py", "审计日志", "policy", "audit_log", lambda u: u is None or u.can_read_audit),
)


def pages_for(user: User | None) -> dict[str, list]:
    """The navigation a role may use (None: every page, for routing before login).

    Hiding a page is convenience; the query layer enforces the data scope on top of this.
    """
    sections: dict[str, list] = {}
    for section, script, title, icon, url, allowed in PAGE_SPECS:
        if allowed(user):
            sections.setdefault(section, []).append(
                st.Page(script, title=title, icon=f":material/{icon}:", url_path=url, default=url == "home"))
    return sections


def main() -> None:
    app_data.shell_started()
    try:
        config = settings.load()
    except settings.SettingsError as exc:
        st.error(f"配置有误，无法启动：{exc}")
        st.stop()
    version = app_data.pin_version()
    fault = app_data.fault(version)
    if fault is not None:
        st.navigation([st.Page(lambda: _data_fault(fault), title="数据库故障", url_path="home")]).run()
        return
    if version is None or app_data.data_as_of() is None:
        st.navigation([st.Page(_no_data, title="无数据", url_path="home")]).run()
        return
    store = app_data.access_store()
    media_guard.install(store.path)  # downloads (/media/…) only with a valid sign-in cookie; once per process
    townships = app_data.townships()
    demo = session.demo_accounts(townships["township_code"][0]) if app_data.is_demo() else []
    user = session.enforce(store, demo)  # every run: idle time-out, revoked or changed account, demo ended
    if user is None:
        # Every page stays routable (hidden) so a deep link survives the login; none runs until then.
        st.navigation(pages_for(None), position="hidden")
        _login_screen(store, demo)
        return
    st.session_state["_filters"] = sidebar_filters(app_data.data_as_of(), townships, home=user.township_code,
                                                    earliest=app_data.run("data_as_of")["data_from"][0])
    st.session_state["_settings"] = config
    with st.sidebar:
        scope = f" · {dict(zip(townships['township_code'], townships['township_name'])).get(user.township_code, '')}" \
            if user.township_code else ""
        st.caption(md(f"{user.name}（{user.role}{scope}）"))
        # A callback, not `if st.button(): ... st.rerun()`: the cookie deletion must reach the browser.
        st.button("退出登录", icon=":material/logout:", key="sign_out", on_click=session.logout, args=(store,))
        st.caption(app_data.version_caption())
        if app_data.on_fallback():
            st.warning("当前数据库文件无法使用，正在浏览上一个完好版本（只读）。请联系数据管理员修复。",
                       icon=":material/history:")
        elif app_data.built_by_older_release():
            st.warning("当前数据版本由升级前的程序发布，个别页面可能无法显示。请数据管理员在服务器上运行 "
                       "`python -m ingest rebuild --db 数据库` 重建（数据不变，百万户约一分钟）。", icon=":material/update:")
        elif app_data.checks_prepared_for_other_rules(config):
            st.warning("数据核查的规则或阈值在本版本发布后已修改，数据核查页正按新规则逐条现场计算，数据量大时每项需数秒。"
                       "请数据管理员在服务器上运行 `python -m ingest rebuild --db 数据库` 重建（数据不变）。",
                       icon=":material/rule:")
    # Every page in view: collapsed, the sidebar hides what comes after the tenth link (数据导入 among them)
    # behind a "查看更多" button.
    # .streamlit/config.toml hides the legacy pages/ list (English file names on a first visit); in Streamlit
    # 1.67 that option also hides st.navigation's sidebar menu, so the shell shows its own explicitly.
    st.set_option("client.showSidebarNavigation", True)
    page = st.navigation(pages_for(user), expanded=True)
    run_page(page)


def run_page(page) -> None:
    """Run the chosen page; nothing it raises reaches the user as a traceback (st.stop/st.rerun pass through:
    they are not Exceptions)."""
    try:
        page.run()
    except QueryTimeout as exc:  # a page section that does not handle it itself (components.sections)
        st.warning(f"数据查询超时（超过 {exc.seconds:g} 秒），本页其余内容暂不能显示。服务器可能正忙，"
                   "请稍后刷新重试，或选择单个乡镇缩小范围。", icon=":material/hourglass_empty:")
    except Withheld as exc:  # detail a page asked for without app_data.detail: the note, not an error
        app_data.withheld_note(exc)
    except Exception:
        unexpected_error(getattr(page, "url_path", "?"))


def unexpected_error(where: str) -> str:
    """Log the exception being handled with a reference number and show the user that number in Chinese
    (never the traceback: file paths and internals are for the server log)."""
    reference = secrets.token_hex(4).upper()
    user = st.session_state.get("user")
    log.exception("unexpected error ref=%s page=%s user=%s", reference, where, getattr(user, "username", "-"))
    st.error(f"页面出错，已记录在服务器日志中。请把参考编号 {reference} 告诉数据管理员，并刷新页面或稍后再试。",
             icon=":material/error:")
    return reference


def _login_screen(store, demo) -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("脱贫攻坚作战室")
        user = session.authenticate(store, demo)
        if user is None and demo:
            st.info("演示县账户（密码均为 demo）：secretary（县领导）、township（乡镇）、clerk（数据管理员）。",
                    icon=":material/info:")


def _data_fault(fault: app_data.Fault) -> None:
    """The served file is missing or unreadable: say so, offer the last good version, never a traceback."""
    st.title("脱贫攻坚作战室")
    st.error(fault.message + "数据库文件本身没有被本系统改动。", icon=":material/error:")
    if not fault.good_versions:
        st.warning(f"没有找到可用的历史版本。请数据管理员重新导入最近一次的导出文件：\n\n"
                   f"`python -m ingest load 导出文件 --db {fault.db}`")
        return
    latest = fault.good_versions[0]
    st.subheader("可用的历史版本")
    st.dataframe({"版本文件": [v.name for v in fault.good_versions],
                  "发布时间": [_published_at(v) for v in fault.good_versions]}, hide_index=True)
    st.button(f"先浏览上一个完好版本 {latest.name}（只读）", type="primary", icon=":material/history:",
              on_click=app_data.use_fallback, args=(latest,), key="use_fallback")
    command = fault.rollback_command or fault.relink_command
    st.info("要让所有人恢复使用上一个完好版本，请数据管理员在服务器上执行：\n\n"
            f"`{command}`\n\n执行后刷新页面即可，无需重启。", icon=":material/build:")


def _published_at(version) -> str:
    stamp = version.name.rsplit(".", 2)[-2]
    try:
        return f"{stamp[0:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}"
    except IndexError:
        return ""


def _no_data() -> None:
    st.title("脱贫攻坚作战室")
    st.warning(f"数据库 {app_data.db_path()} 中还没有数据。请先用 `python -m ingest load 导出文件 --db "
               f"{app_data.db_path()}` 导入县里的数据。")


try:
    main()
except Exception:  # the shell itself (login, navigation): same as a page
    unexpected_error("shell")
