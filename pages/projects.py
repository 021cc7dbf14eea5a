"""项目: the projects of year Y by status, category and township; 开工率, 完工率, average 形象进度; the overdue
list with the responsible township and its 联系县领导; the planned-vs-actual timeline of the selected
township; and one project's detail (progress reports, allocations, payments).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

import app_data
from components import project_charts
from components.charts import township_note
from components.filters import current
from components.tables import labelled, table_with_download
from components.text import md

app_data.require_shell()

WAN = st.column_config.NumberColumn(format="%,.2f")
PCT = st.column_config.NumberColumn(format="%.0f")
DATE = st.column_config.DateColumn(format="YYYY-MM-DD")
OVERDUE_COLUMNS = {"township_name": "责任乡镇", "project_name": "项目名称", "days_overdue": "逾期（天）",  # who, what, how late
                   "progress_pct": "形象进度（%）", "status": "状态", "county_leader": "联系县领导", "village_name": "村",
                   "category": "项目类别", "planned_end": "计划完工日期", "last_report": "最近填报日期",
                   "project_id": "项目编号"}
PROJECT_COLUMNS = {"project_name": "项目名称", "village_name": "村", "status": "状态", "progress_pct": "形象进度（%）",
                   "days_overdue": "逾期（天）", "planned_end": "计划完工", "actual_end": "实际完工",
                   "planned_investment_wan": "计划投资（万元）", "allocated_wan": "下达（万元）", "spent_wan": "支出（万元）",
                   "category": "项目类别", "planned_start": "计划开工", "actual_start": "实际开工", "project_id": "项目编号"}
DATE_CONFIG = {k: DATE for k in ("计划完工日期", "最近填报日期", "计划开工", "计划完工", "实际开工", "实际完工", "日期",
                                 "填报日期")}

filters = current()
year = filters.as_of.year
summary = app_data.run("projects_summary", as_of=filters.as_of, township=filters.township)
totals = project_charts.rates(summary)

st.title(f"项目 · {md(filters.township_name)}")
st.caption(f"{year} 年度扶贫项目，状态和形象进度按 {filters.as_of:%Y年%m月%d日} 及以前的最近一次填报。")

if totals["projects"] == 0:
    st.info(f"{md(filters.township_name)}在 {year} 年度没有扶贫项目。")
    st.stop()


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


cols = [*st.columns(3), *st.columns(2)]
cols[0].metric("本年度项目", f"{totals['projects']:,} 个", border=True)
cols[1].metric("开工率", _pct(totals["start_pct"]), f"已开工 {totals['started']} 个", delta_color="off",
               delta_arrow="off", border=True, help="状态不是「未开工」的项目 ÷ 本年度项目")
cols[2].metric("完工率", _pct(totals["completion_pct"]), f"已完工或验收 {totals['completed']} 个", delta_color="off",
               delta_arrow="off", border=True, help="已完工或已验收的项目 ÷ 本年度项目")
cols[3].metric("平均形象进度", _pct(totals["avg_progress_pct"]), border=True, help="各项目最近一次填报的形象进度的平均")
cols[4].metric("逾期项目", f"{totals['overdue']} 个", "需督办" if totals["overdue"] else "无", border=True,
               delta_color="inverse" if totals["overdue"] else "off", delta_arrow="off",
               help="计划完工日期已过而未完工的项目")

st.plotly_chart(project_charts.by_status(summary), config={"displaylogo": False})
st.plotly_chart(project_charts.by_category(summary), config={"displaylogo": False})
mine = filters.marked  # the viewer's township, marked on county charts and tables
if filters.is_county:
    by_township = project_charts.by_township(summary, mark=mine)
    st.plotly_chart(by_township, config={"displaylogo": False})
    if note := township_note(by_township, summary["township_name"].n_unique(), "完工率最高和最低", mark=mine):
        st.caption(note)

st.subheader("逾期项目清单")
overdue = app_data.run("projects_overdue", as_of=filters.as_of, township=filters.township)
if overdue.height == 0:
    st.success(f"{md(filters.township_name)} {year} 年度没有逾期项目。", icon=":material/check_circle:")
else:
    table_with_download(labelled(overdue, OVERDUE_COLUMNS), f"逾期项目_{filters.township_name}_{filters.as_of:%Y%m%d}",
                        key="projects-overdue", column_config={**DATE_CONFIG, "形象进度（%）": PCT},
                        highlight=("责任乡镇", mine))

projects = None
if filters.is_county:
    st.info("在侧栏选择乡镇，查看该乡镇项目的计划与实际工期和项目清单；下方可从逾期项目中查看详情。")
    choices = overdue
else:
    st.subheader(f"{md(filters.township_name)} 项目工期")
    projects = app_data.run("projects_of_year", as_of=filters.as_of, township=filters.township)
    st.plotly_chart(project_charts.timeline(projects, filters.as_of), config={"displaylogo": False})
    table_with_download(labelled(projects, PROJECT_COLUMNS), f"项目清单_{filters.township_name}_{filters.as_of:%Y%m%d}",
                        key="projects-list", column_config={**DATE_CONFIG, "形象进度（%）": PCT, "计划投资（万元）": WAN,
                                                             "下达（万元）": WAN, "支出（万元）": WAN})
    choices = projects

st.subheader("项目详情")
if choices.height == 0:
    st.info("没有可查看的项目。")
    st.stop()
names = dict(zip(choices["project_id"], choices["project_name"]))
project_id = st.selectbox("选择项目", list(names), format_func=lambda pid: f"{pid} {names[pid]}", key="project")
detail = app_data.run("projects_detail", project_id=project_id, as_of=filters.as_of)
if detail.height == 0:
    st.warning(f"找不到项目 {md(project_id)}。")
    st.stop()
info = detail.row(0, named=True)
st.markdown(f"**{md(info['project_name'])}**（{md(info['category'])}，{info['year']} 年度）  \n"
            f"责任乡镇：{md(info['township_name'])}（联系县领导：{md(info['county_leader'] or '—')}）；村：{md(info['village_name'] or '全乡镇')}；"
            f"受益贫困户：{info['beneficiary_households'] if info['beneficiary_households'] is not None else '—'} 户  \n"
            f"计划 {info['planned_start']:%Y-%m-%d} 至 {info['planned_end']:%Y-%m-%d}；当前 {info['status']}，"
            f"形象进度 {info['progress_pct']:.0f}%；计划投资 {info['planned_investment_wan']:,.2f} 万元，"
            f"已下达 {info['allocated_wan']:,.2f} 万元，已支出 {info['spent_wan']:,.2f} 万元")
reports = app_data.run("projects_progress_reports", project_id=project_id, as_of=filters.as_of)
allocations = app_data.run("projects_allocations", project_id=project_id, as_of=filters.as_of)
payments = app_data.run("projects_payments", project_id=project_id, as_of=filters.as_of)
st.plotly_chart(project_charts.progress_history(reports, info["planned_start"], info["planned_end"]),
                config={"displaylogo": False})
tabs = st.tabs([f"进度填报（{reports.height}）", f"资金下达（{allocations.height}）", f"资金支付（{payments.height}）"])
with tabs[0]:
    if reports.height == 0:
        st.info("截至截止日期还没有进度填报。")
    else:
        table_with_download(labelled(reports, {"report_date": "填报日期", "progress_pct": "形象进度（%）", "status": "状态"}),
                            f"进度填报_{project_id}", key="project-reports", column_config={**DATE_CONFIG, "形象进度（%）": PCT})
with tabs[1]:
    if allocations.height == 0:
        st.info("截至截止日期还没有下达资金。")
    else:
        table_with_download(labelled(allocations, {"date": "下达日期", "document_no": "文号", "source": "资金来源",
                                                   "amount_wan": "金额（万元）"}),
                            f"资金下达_{project_id}", key="project-allocations",
                            column_config={"下达日期": DATE, "金额（万元）": WAN})
with tabs[2]:
    if payments.height == 0:
        st.info("截至截止日期还没有支付记录。")
    else:
        table_with_download(labelled(payments, {"date": "支付日期", "amount_wan": "金额（万元）",
                                                "spent_cum_wan": "累计支出（万元）"}),
                            f"资金支付_{project_id}", key="project-payments",
                            column_config={"支付日期": DATE, "金额（万元）": WAN, "累计支出（万元）": WAN})
