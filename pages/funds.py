"""资金: funds of year Y (a project's funds count in its 年度) — allocated, spent, 结余率, 支出进度 by source,
township and category; the industry share against the policy line; the cumulative spend curve against
time progress; and the idle-funds list (沉淀资金) for 张榜公布.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

import app_data
import settings
from components import funds_charts
from components.charts import highlight, township_note
from components.filters import current
from components.kpi import kpi_card
from components.tables import labelled, table_with_download
from components.text import md

app_data.require_shell()

WAN = st.column_config.NumberColumn(format="%,.2f")
PCT = st.column_config.NumberColumn(format="%.1f")
MONEY_COLUMNS = {"下达（万元）": WAN, "支出（万元）": WAN, "结余率（%）": PCT, "支出进度（%）": PCT}
SOURCE_COLUMNS = {"source": "资金来源", "allocated_wan": "下达（万元）", "spent_wan": "支出（万元）",
                  "balance_rate_pct": "结余率（%）", "spend_progress_pct": "支出进度（%）"}
CATEGORY_COLUMNS = {"category": "项目类别", "projects": "项目数（个）", "allocated_wan": "下达（万元）",
                    "spent_wan": "支出（万元）", "balance_rate_pct": "结余率（%）",
                    "spend_progress_pct": "支出进度（%）", "share_pct": "占下达资金（%）"}
TOWNSHIP_COLUMNS = {"township_name": "乡镇", "projects": "项目数（个）", "allocated_wan": "下达（万元）",
                    "spent_wan": "支出（万元）", "balance_rate_pct": "结余率（%）", "spend_progress_pct": "支出进度（%）",
                    "industry_share_pct": "产业资金占比（%）"}
PROJECT_COLUMNS = {"project_id": "项目编号", "project_name": "项目名称", "category": "项目类别", "village_name": "村",
                   "planned_investment_wan": "计划投资（万元）", "allocated_wan": "下达（万元）",
                   "spent_wan": "支出（万元）", "balance_rate_pct": "结余率（%）", "status": "项目状态"}
IDLE_COLUMNS = {"township_name": "乡镇", "project_name": "项目名称", "idle_wan": "沉淀金额（万元）",  # who, what, how much
                "spend_ratio_pct": "支出比例（%）", "days_since_allocation": "已下达（天）", "county_leader": "联系县领导",
                "village_name": "村", "category": "项目类别", "year": "年度", "status": "项目状态",
                "allocated_before_cutoff_wan": "超期下达资金（万元）", "spent_wan": "累计支出（万元）",
                "first_allocation": "首笔下达日期", "project_id": "项目编号"}

filters = current()
config = settings.load()
year = filters.as_of.year
indicators = app_data.indicators(filters.as_of)
area = indicators.filter(pl.col("township_code") == filters.township).row(0, named=True)
time_progress = area["time_progress_pct"]

st.title(f"资金 · {md(filters.township_name)}")
st.caption(f"{year} 年度项目的资金（项目资金计入其年度，含以前年度提前下达的部分），截至 {filters.as_of:%Y年%m月%d日}；"
           f"时间进度 {time_progress:.1f}%。")

spend_progress = None if area["balance_rate_pct"] is None else 100 - area["balance_rate_pct"]
cols = [*st.columns(3), *st.columns(2)]
with cols[0]:
    kpi_card("allocated_wan", area["allocated_wan"])
with cols[1]:
    kpi_card("spent_wan", area["spent_wan"])
with cols[2]:
    kpi_card("balance_rate_pct", area["balance_rate_pct"])
with cols[3]:
    kpi_card("spend_progress_pct", spend_progress,
             None if spend_progress is None else spend_progress - time_progress, "对比时间进度")
with cols[4]:
    share = area["industry_share_pct"]
    kpi_card("industry_share_pct", share,
             None if share is None else share - config.industry_share_min_pct, f"对比 {config.industry_share_min_pct:g}% 要求")

has_funds = area["projects"] > 0 and area["allocated_wan"] > 0
if area["projects"] == 0:
    st.info(f"{md(filters.township_name)} 在 {year} 年度没有扶贫项目，本年度资金指标不适用。")
elif not has_funds:
    st.info(f"{md(filters.township_name)} {year} 年度的 {area['projects']} 个项目截至 {filters.as_of:%Y-%m-%d} 还没有下达资金。")

if has_funds:
    st.subheader("按资金来源")
    sources = app_data.run("funds_by_source", as_of=filters.as_of, township=filters.township)
    st.plotly_chart(funds_charts.allocated_vs_spent(sources.filter(pl.col("allocated_wan") > 0), "source",
                                                    "各来源资金下达与支出（红 = 支出进度慢于时间进度）", time_progress),
                    config={"displaylogo": False})
    st.caption("资金支付不区分来源：项目的支出按各来源下达金额的比例分摊。")
    table_with_download(labelled(sources, SOURCE_COLUMNS), f"资金_按来源_{filters.township_name}_{filters.as_of:%Y%m%d}",
                        key="funds-sources", column_config=MONEY_COLUMNS)

    st.subheader("支出进度曲线")
    monthly = app_data.run("funds_monthly", as_of=filters.as_of, township=filters.township)
    st.plotly_chart(funds_charts.cumulative_spend(monthly), config={"displaylogo": False})
    with st.expander("逐月数据"):
        table_with_download(labelled(monthly, {"as_of": "月末（截止日）", "allocated_wan": "累计下达（万元）",
                                               "spent_wan": "累计支出（万元）", "spend_progress_pct": "支出进度（%）",
                                               "time_progress_pct": "时间进度（%）"}),
                            f"资金_支出进度曲线_{filters.township_name}_{filters.as_of:%Y%m%d}", key="funds-monthly",
                            column_config={"累计下达（万元）": WAN, "累计支出（万元）": WAN, "支出进度（%）": PCT,
                                           "时间进度（%）": PCT})

    st.subheader("按项目类别")
    categories = app_data.run("funds_by_category", as_of=filters.as_of, township=filters.township)
    st.plotly_chart(funds_charts.allocated_vs_spent(categories, "category", "各类别项目资金下达与支出", time_progress),
                    config={"displaylogo": False})
    table_with_download(labelled(categories, CATEGORY_COLUMNS),
                        f"资金_按类别_{filters.township_name}_{filters.as_of:%Y%m%d}", key="funds-categories",
                        column_config={**MONEY_COLUMNS, "占下达资金（%）": PCT})

st.subheader("乡镇对比")
mine = filters.marked  # the viewer's township, marked on county charts
townships = indicators.filter(pl.col("township_code") != "ALL").height
spend = funds_charts.township_spend_progress(indicators, mark=mine)
st.plotly_chart(highlight(spend, mine), config={"displaylogo": False})
if note := township_note(spend, townships, "支出进度最快和最慢", mark=mine):
    st.caption(note)
share = funds_charts.industry_share(indicators, config.industry_share_min_pct, mark=mine)
st.plotly_chart(highlight(share, mine), config={"displaylogo": False})
if note := township_note(share, townships, "产业资金占比最高和最低", mark=mine):
    st.caption(note)
table_with_download(
    labelled(indicators.with_columns(spend_progress_pct=100 - pl.col("balance_rate_pct"))
             .sort("balance_rate_pct", nulls_last=True), TOWNSHIP_COLUMNS)
    .with_columns(pl.col("乡镇").replace("全县", "全县（合计）")),
    f"资金_乡镇对比_{filters.as_of:%Y%m%d}", key="funds-townships", highlight=("乡镇", mine),
    column_config={**MONEY_COLUMNS, "产业资金占比（%）": PCT})

if not filters.is_county and area["projects"] > 0:
    st.subheader(f"{md(filters.township_name)} {year} 年度项目资金明细")
    projects = app_data.run("funds_by_project", as_of=filters.as_of, township=filters.township)
    table_with_download(labelled(projects, PROJECT_COLUMNS),
                        f"资金_项目明细_{filters.township_name}_{filters.as_of:%Y%m%d}", key="funds-projects",
                        column_config={**MONEY_COLUMNS, "计划投资（万元）": WAN})

st.subheader("沉淀资金清单（张榜公布）")
st.caption(f"下达超过 {config.idle_funds_days} 天、截至 {filters.as_of:%Y-%m-%d} 的支出不足这部分资金 "
           f"{config.idle_funds_spend_ratio:.0%} 的项目（含以前年度项目），按沉淀金额从大到小。")
idle = app_data.run("funds_idle", as_of=filters.as_of, township=filters.township,
                    idle_days=config.idle_funds_days, idle_ratio=config.idle_funds_spend_ratio)
if idle.height == 0:
    st.success(f"{md(filters.township_name)} 没有沉淀资金。", icon=":material/check_circle:")
else:
    st.warning(f"{idle.height} 个项目共沉淀资金 {idle['idle_wan'].sum():,.1f} 万元。", icon=":material/warning:")
    table_with_download(labelled(idle, IDLE_COLUMNS), f"沉淀资金清单_{filters.township_name}_{filters.as_of:%Y%m%d}",
                        key="funds-idle", column_config={
                            "超期下达资金（万元）": WAN, "累计支出（万元）": WAN, "沉淀金额（万元）": WAN,
                            "支出比例（%）": PCT, "首笔下达日期": st.column_config.DateColumn(format="YYYY-MM-DD")})
