"""户情: household search and the household page (一户一本台账) — status timeline, income against each year's
poverty line, 两不愁三保障, helper, members and the projects of its village.

Personal data (姓名, 身份证号) is masked on screen and in downloads unless the role may see it. The open
household is bound to the URL (?household=<户编号>) so a link opens it.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

import app_data
import settings
from access import audit
from components import household_views
from components.filters import ALL, current
from components.privacy import (DEFAULT_ROLE, can_see_id_numbers, can_see_personal, mask_frame, mask_id_number,
                                mask_name)
from components.tables import excel_download, labelled, table_with_download
from components.text import md

app_data.require_shell()

PAGE_ROWS = 500  # rows per page of 农户查询
STATUSES = [ALL, "未脱贫", "已脱贫", "已清退"]
GAPS = [ALL, "任一", "吃穿不愁", "义务教育", "基本医疗", "住房安全", "饮水安全"]
RESULT_COLUMNS = {
    "household_id": "户编号", "head_name": "户主", "township_name": "乡镇", "village_name": "村", "size": "家庭人口（人）",
    "status": "状态", "attribute": "贫困户属性", "main_cause": "主要致贫原因", "gaps": "两不愁三保障未达标项",
    "helper": "帮扶责任人",
}
MEMBER_COLUMNS = {"name": "姓名", "id_number": "身份证号", "relation": "与户主关系", "health": "健康状况",
                  "labor_skill": "劳动技能", "schooling": "在校生状况"}
PROJECT_COLUMNS = {"project_id": "项目编号", "project_name": "项目名称", "scope": "范围", "category": "项目类别",
                   "year": "年度", "status": "状态", "progress_pct": "形象进度（%）", "allocated_wan": "下达（万元）",
                   "spent_wan": "支出（万元）", "beneficiary_households": "受益贫困户（户）"}

filters = current()
config = settings.load()
role = st.session_state.get("role", DEFAULT_ROLE)
visible = can_see_personal(role)


def _open_selected_household() -> None:
    """A row picked in the results opens that household (the URL follows the bound widget)."""
    rows = st.session_state["household-results"].selection.rows
    if rows:
        st.session_state["household"] = st.session_state["_household_result_ids"][rows[0]]


st.title("户情")
st.caption(f"状态按 {filters.as_of:%Y年%m月%d日} 及以前的记录。"
           + ("" if visible else "姓名已按权限脱敏。") + "身份证号只显示前 6 位和后 4 位（页面和下载相同）。")

household_id = st.text_input("户编号", key="household", bind="query-params", placeholder="输入完整户编号，或在下方查询后点选",
                             help="打开该户的一户一本台账；链接中的 ?household= 也会打开它").strip()

with st.expander("农户查询", expanded=not household_id):
    villages = app_data.detail("household_villages", township=filters.township)
    if villages is None:
        st.stop()
    village_names = dict(zip(villages["village_code"], villages["village_name"]))
    causes = app_data.run("household_causes")["main_cause"].to_list()
    cols = st.columns([2, 2, 1, 1, 1])
    search = cols[0].text_input("户编号或户主姓名", key="household-search", placeholder="户编号开头或姓名中的字").strip()
    village = cols[1].selectbox(f"村（{md(filters.township_name)}）", [ALL, *village_names], key="household-village",
                                format_func=lambda c: "全部" if c == ALL else village_names[c])
    status = cols[2].selectbox("状态", STATUSES, key="household-status", format_func=lambda s: "全部" if s == ALL else s)
    cause = cols[3].selectbox("主要致贫原因", [ALL, *causes], key="household-cause",
                              format_func=lambda s: "全部" if s == ALL else s)
    gap = cols[4].selectbox("三保障缺口", GAPS, key="household-gap", format_func=lambda s: "全部" if s == ALL else s,
                            help="两不愁三保障中未达标的项目")
    # Every match can be reached: one page at a time on screen, all of them in the download.
    criteria = (filters.township, filters.as_of, village, status, cause, gap, search)
    if st.session_state.get("_household_criteria") != criteria:
        st.session_state["_household_criteria"] = criteria
        st.session_state["household-page"] = 1
    page_no = int(st.session_state.get("household-page") or 1)
    query = dict(as_of=filters.as_of, township=filters.township, village=village, status=status, cause=cause,
                 gap=gap, search=search)
    results = app_data.detail("household_search", **query, limit=PAGE_ROWS, offset=(page_no - 1) * PAGE_ROWS)
    if results is not None and results.height == 0 and page_no > 1:  # the data changed under an open page
        st.session_state["household-page"] = page_no = 1
        results = app_data.detail("household_search", **query, limit=PAGE_ROWS, offset=0)
    if results is None:
        pass
    elif results.height == 0:
        st.info(f"{md(filters.township_name)}没有符合条件的农户。")
    else:
        total = int(results["total_matches"][0])
        pages = -(-total // PAGE_ROWS)
        first = (page_no - 1) * PAGE_ROWS + 1
        st.caption(f"共 {total:,} 户" + (f"，第 {page_no} / {pages} 页（第 {first:,}–{first + results.height - 1:,} 户）"
                                          if pages > 1 else "") + "。点选一行打开该户台账；下载的 Excel 含全部匹配的农户。")
        shown = labelled(mask_frame(results, names=["head_name", "helper"], visible=visible), RESULT_COLUMNS)
        st.session_state["_household_result_ids"] = results["household_id"].to_list()
        st.dataframe(shown, hide_index=True, width="stretch", height=320, key="household-results", placeholder="—",
                     on_select=_open_selected_household, selection_mode="single-row")
        row = st.container(horizontal=True, vertical_alignment="bottom")
        if pages > 1:
            with row:
                st.number_input(f"页码（共 {pages:,} 页，每页 {PAGE_ROWS} 户）", min_value=1, max_value=pages, step=1,
                                key="household-page", width=260)

        all_rows = app_data.run_later("household_search", **query, limit=max(total, 1), offset=0)

        def every_match() -> pl.DataFrame:  # runs in the download's thread: no st.* in here
            return labelled(mask_frame(all_rows(), names=["head_name", "helper"], visible=visible), RESULT_COLUMNS)

        with row:
            excel_download(every_match, f"农户查询_{filters.township_name}_{filters.as_of:%Y%m%d}.xlsx",
                           key="download-household-search", sheet="农户查询", label=f"下载 Excel（全部 {total:,} 户）")

if not household_id:
    st.info("输入户编号，或在上方查询结果中点选一户，查看一户一本台账。")
    st.stop()

# A link may open any household: the query layer still holds a 乡镇 user to their own township.
profile = app_data.detail("household_profile", household_id=household_id, township=ALL, as_of=filters.as_of)
if profile is None:
    st.stop()
if profile.height == 0:
    scoped = st.session_state.get("user") is not None and st.session_state["user"].household_scope
    st.warning(f"没有户编号为 {md(household_id)} 的农户" + ("（或该户不属于本乡镇，无权查看）。" if scoped else "。"))
    audit.record_once(f"household-miss:{household_id}", audit.VIEW_HOUSEHOLD, f"{household_id}（未找到或无权查看）",
                      success=False)
    st.stop()
home = profile.row(0, named=True)
audit.record_once(f"household:{household_id}", audit.VIEW_HOUSEHOLD, household_id)  # README: 查看户情 is audited
name = home["head_name"] if visible else mask_name(home["head_name"])
id_number = home["head_id_number"] if can_see_id_numbers(role) else mask_id_number(home["head_id_number"])
helper = home["helper"] if visible else mask_name(home["helper"])

st.header(f"一户一本台账 · {md(name)}户")
st.markdown(f"户编号 **{md(home['household_id'])}**｜户主身份证号 {md(id_number)}｜{md(home['township_name'])} {md(home['village_name'])}"
            f"{'（贫困村' + ('，' + str(home['exit_year']) + ' 年出列' if home['exit_year'] else '') + '）' if home['is_poor_village'] else ''}  \n"
            f"第一书记：{md(home['first_secretary'] or '—')}｜"
            f"联系县领导：{md(home['county_leader'] or '—')}｜{md(home['attribute'])}｜主要致贫原因：{md(home['main_cause'])}")
cols = st.columns(3)
status_delta = {"未脱贫": ("需帮扶", "inverse"), "已脱贫": ("已脱贫", "normal")}.get(home["status"], (None, "off"))
cols[0].metric("状态", home["status"], status_delta[0], delta_color=status_delta[1], delta_arrow="off", border=True,
               help=f"最近一次状态变化：{home['last_event_date'] or '—'}")
cols[1].metric("家庭人口", f"{home['size']} 人", f"劳动力 {home['labor_count']} 人", delta_color="off", delta_arrow="off",
               border=True)
cols[2].metric("帮扶责任人", helper or "未落实", border=True)

left, right = st.columns([1, 2])
with left:
    st.subheader("两不愁三保障")
    flags = household_views.guarantee_flags(home)
    st.dataframe(flags, hide_index=True, width="stretch", placeholder="—")
    if (flags["是否达标"] == "未达标").any():
        st.warning("有未达标项，需要在脱贫前补齐。", icon=":material/warning:")
    if (flags["是否达标"] == "未知").any():  # NULL: the imported file had no such column; never counted as met
        st.info("「未知」：导入的文件中没有该项，不算达标，请核实后补录。", icon=":material/help:")
with right:
    timeline = app_data.run("household_timeline", household_id=household_id, township=ALL, as_of=filters.as_of)
    if timeline.height == 0:
        st.info("截至截止日期没有状态记录（尚未纳入）。")
    else:
        st.plotly_chart(household_views.status_timeline(timeline, filters.as_of), config={"displaylogo": False})

income = app_data.run("household_income", household_id=household_id, township=ALL, as_of=filters.as_of)
if income.height == 0:
    st.info("没有收入记录。")
else:
    st.plotly_chart(household_views.income_vs_poverty_line(income, config.poverty_line), config={"displaylogo": False})
    income_table = income.with_columns(
        line=pl.col("year").replace_strict(config.poverty_line, default=None, return_dtype=pl.Float64))
    table_with_download(labelled(income_table, {"year": "年度", "income_per_capita": "人均纯收入（元）",
                                                "line": "当年扶贫标准（元）"}),
                        f"收入_{household_id}", key="household-income",
                        column_config={"人均纯收入（元）": st.column_config.NumberColumn(format="%,.0f")})

st.subheader("家庭成员")
members = app_data.run("household_members", household_id=household_id, township=ALL)
if members.height == 0:
    st.info("没有导入家庭成员信息（家庭成员表为可选）。")
else:
    if members.height != home["size"]:
        st.warning(f"登记的家庭成员 {members.height} 人，与家庭人口数 {home['size']} 人不一致。")
    table_with_download(labelled(mask_frame(members, names=["name"], id_numbers=["id_number"], visible=visible,
                                           ids_visible=can_see_id_numbers(role)),
                                 MEMBER_COLUMNS), f"家庭成员_{household_id}", key="household-members")

st.subheader("惠及本村的项目")
projects = app_data.run("household_village_projects", household_id=household_id, township=ALL, as_of=filters.as_of)
if projects.height == 0:
    st.info(f"{md(home['village_name'])}及所在乡镇没有扶贫项目。")
else:
    table_with_download(labelled(projects, PROJECT_COLUMNS), f"惠及项目_{household_id}", key="household-projects",
                        column_config={"形象进度（%）": st.column_config.NumberColumn(format="%.0f"),
                                       "下达（万元）": st.column_config.NumberColumn(format="%,.2f"),
                                       "支出（万元）": st.column_config.NumberColumn(format="%,.2f")})
