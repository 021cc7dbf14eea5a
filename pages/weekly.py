"""周调度: the Monday view — this week (D) against last week (D−7), lagging townships, 督办事项, the brief."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

import app_data
import ranking_weights
import settings
from access import audit
from components import charts, ranking_charts, weekly_views
from components.filters import current
from components.tables import labelled, table_with_download
from exports import brief_docx, brief_pdf
from exports.brief import build_brief
from exports.supervision import supervision_items
from rectification import app as rectify_app

app_data.require_shell()

OVERDUE_DAYS = 30
RECTIFY_DAYS = 14  # deadline of a 督办事项 put on the rectification list: from D, or today if D is past
BALANCE_MARGIN_PP = 20.0
ITEM_COLUMNS = {"kind": "类别", "text": "督办事项", "township_name": "责任乡镇", "county_leader": "联系县领导"}
TOWNSHIP_COLUMNS = {
    "rank": "排名", "township_name": "乡镇", "rank_move": "名次变化", "exited_week": "本周脱贫（人）",
    "incidence_pct": "贫困发生率（%）", "incidence_change_pp": "发生率变化（个百分点）",
    "spent_week_wan": "本周支出（万元）", "completed_week": "本周完工（个）", "overdue_projects": "逾期项目（个）",
    "overdue_change": "逾期变化（个）",
}
LAGGING_COLUMNS = {
    "township_name": "乡镇", "target_progress_pct": "年度目标进度（%）", "time_progress_pct": "时间进度（%）",
    "gap_pp": "落后（个百分点）", "exited_persons_ytd": "已脱贫（人）", "target_exit_persons": "计划脱贫（人）",
    "county_leader": "联系县领导",
}
NEW_OVERDUE_COLUMNS = {
    "project_id": "项目编号", "project_name": "项目名称", "township_name": "乡镇", "planned_end": "计划完工日期",
    "days_overdue": "逾期天数", "status": "状态", "progress_pct": "形象进度（%）", "county_leader": "联系县领导",
}
IDLE_COLUMNS = {
    "project_id": "项目编号", "project_name": "项目名称", "township_name": "乡镇", "year": "年度",
    "first_allocation": "首次下达日期", "allocated_old_wan": "下达超期资金（万元）", "spent_wan": "已支出（万元）",
    "idle_wan": "沉淀资金（万元）", "county_leader": "联系县领导",
}

filters = current()
config = settings.load()
as_of, week_ago = filters.as_of, filters.as_of - dt.timedelta(days=7)
weights = ranking_weights.effective(config.weights)
leaders = app_data.townships()
idle_params = dict(idle_days=config.idle_funds_days, idle_ratio=config.idle_funds_spend_ratio)

raw_now, raw_before = app_data.indicators(as_of), app_data.indicators(week_ago)
now = pl.concat([ranking_weights.rescore(raw_now, weights), raw_now.filter(pl.col("township_code") == "ALL")],
                how="diagonal_relaxed")
before = pl.concat([ranking_weights.rescore(raw_before, weights),
                    raw_before.filter(pl.col("township_code") == "ALL")], how="diagonal_relaxed")
overdue = app_data.run("weekly_overdue_projects", as_of=as_of, township="ALL")
idle_now = app_data.run("weekly_idle_funds", as_of=as_of, township="ALL", **idle_params)
idle_before = app_data.run("weekly_idle_funds", as_of=week_ago, township="ALL", **idle_params)

scope = filters.township
comparison = weekly_views.week_comparison(weekly_views.area_row(now, scope, idle_now, as_of),
                                          weekly_views.area_row(before, scope, idle_before, week_ago))
items = supervision_items(now, overdue, idle_now, leaders, overdue_days=OVERDUE_DAYS,
                          balance_margin_pp=BALANCE_MARGIN_PP, industry_share_min_pct=config.industry_share_min_pct,
                          idle_days=config.idle_funds_days, idle_ratio=config.idle_funds_spend_ratio)
lagging = weekly_views.lagging_townships(now, leaders)
if not filters.is_county:
    items = items.filter(pl.col("township_code") == scope)
    lagging = lagging.filter(pl.col("township_code") == scope)

st.title(f"周调度 · {filters.township_name}")
st.caption(f"本周：数据截止 {as_of:%Y年%m月%d日}；上周：{week_ago:%Y年%m月%d日}。"
           "所有指标按同一口径分别在两个日期计算后对比。")

# --- the weekly brief, one click each ---------------------------------------------------------------------
ranked = ranking_charts.rank_changes(now, before, before).join(
    leaders.select("township_code", "county_leader"), on="township_code", how="left").join(
    ranking_weights.weakest_indicator(ranking_weights.contributions(now, weights)), on="township_code", how="left")
county_comparison = comparison if filters.is_county else weekly_views.week_comparison(
    weekly_views.area_row(now, "ALL", idle_now, as_of), weekly_views.area_row(before, "ALL", idle_before, week_ago))
brief = build_brief(as_of, week_ago, "全县", county_comparison, ranked,
                    weekly_views.lagging_townships(now, leaders),
                    supervision_items(now, overdue, idle_now, leaders, overdue_days=OVERDUE_DAYS,
                                      balance_margin_pp=BALANCE_MARGIN_PP,
                                      industry_share_min_pct=config.industry_share_min_pct,
                                      idle_days=config.idle_funds_days, idle_ratio=config.idle_funds_spend_ratio))
brief_row = st.container(horizontal=True, vertical_alignment="center")
brief_row.download_button("周报 PDF", data=audit.on_download(f"周调度简报_{as_of:%Y%m%d}.pdf", lambda: brief_pdf.render(brief)),
                        file_name=f"周调度简报_{as_of:%Y%m%d}.pdf",
                        mime="application/pdf", icon=":material/picture_as_pdf:", on_click="ignore",
                        key="brief-pdf", type="primary")
brief_row.download_button("周报 Word", data=audit.on_download(f"周调度简报_{as_of:%Y%m%d}.docx", lambda: brief_docx.render(brief)),
                        file_name=f"周调度简报_{as_of:%Y%m%d}.docx",
                        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        icon=":material/description:", on_click="ignore", key="brief-docx")
brief_row.caption("周报为全县口径：主要指标、督办事项、滞后乡镇与综合排名，A4 一至两页，可直接打印或转发。")

# --- D and D−7 side by side -----------------------------------------------------------------------------
st.subheader("本周与上周")
rows = list(comparison.iter_rows(named=True))
for start in range(0, len(rows), 3):
    columns = st.columns(3)
    for column, row in zip(columns, rows[start:start + 3]):
        colour = "off" if row["good"] is None else ("normal" if row["good"] == (row["change"] > 0) else "inverse")
        # 万元 amounts: the unit goes to the label so the number is not cut off on a laptop
        label, value = (f"{row['label']}（万元）", f"{row['now']:,.0f}") if row["unit"] == "万元" and \
            row["now"] is not None else (row["label"], row["now_text"])
        column.metric(label, value, row["delta_text"] if row["change"] is not None else None,
                      delta_color=colour, delta_arrow="off" if row["good"] is None else "auto",
                      help=f"上周 {row['before_text']}；{row['change_text']}", border=True)
with st.expander("本周与上周对照表"):
    table_with_download(labelled(comparison, {"label": "指标", "before_text": f"上周（{week_ago:%m-%d}）",
                                              "now_text": f"本周（{as_of:%m-%d}）", "change_text": "变化"}),
                        f"周对比_{filters.township_name}_{as_of:%Y%m%d}", key="weekly-comparison")

# --- 督办事项 --------------------------------------------------------------------------------------------
st.subheader("督办事项")
if not items.height:
    st.success("根据本周数据，没有需要督办的事项。", icon=":material/task_alt:")
else:
    with st.container(border=True):
        for i, item in enumerate(items.iter_rows(named=True), start=1):
            st.markdown(f"{i}. **【{item['kind']}】** {item['text']}　—　责任乡镇：{item['township_name']}，"
                        f"联系县领导：{item['county_leader'] or '未填'}")
    table_with_download(labelled(items, ITEM_COLUMNS), f"督办事项_{as_of:%Y%m%d}", key="weekly-items")
    user = st.session_state.get("user")
    if user is not None and user.can_rectify and st.button(
            "加入整改清单", icon=":material/playlist_add:", key="weekly-rectify",
            help=f"把以上 {items.height} 项督办事项加入整改销号清单，期限为 {RECTIFY_DAYS} 天后（从数据截止日期或今天起，取较晚者）；"
                 "清单中已有且未销号的不重复加入"):
        added = rectify_app.store().add_supervision_items(
            user, items, max(as_of, dt.date.today()) + dt.timedelta(days=RECTIFY_DAYS))
        st.success(f"已加入整改清单 {added} 项" + (f"（另有 {items.height - added} 项已在清单中）"
                                                 if added < items.height else "") + "。", icon=":material/task_alt:")
        st.page_link("pages/rectification.py", label="前往整改销号", icon=":material/arrow_forward:")

# --- lagging --------------------------------------------------------------------------------------------
st.subheader("任务进度滞后乡镇")
if not lagging.height:
    st.success(f"没有乡镇的年度减贫任务进度落后时间进度超过 {config.lag_threshold_pp:g} 个百分点。",
               icon=":material/task_alt:")
else:
    table_with_download(labelled(lagging, LAGGING_COLUMNS), f"滞后乡镇_{as_of:%Y%m%d}", key="weekly-lagging",
                        column_config={c: st.column_config.NumberColumn(format="%.1f")
                                       for c in ("年度目标进度（%）", "时间进度（%）", "落后（个百分点）")})
if filters.is_county:
    st.plotly_chart(charts.target_vs_time(now.filter(pl.col("township_code") != "ALL"), config.lag_threshold_pp),
                    width="stretch", config={"displaylogo": False})

# --- what moved, by township ----------------------------------------------------------------------------
st.subheader("各乡镇本周变化")
moves = weekly_views.township_week_table(now, before)
st.plotly_chart(weekly_views.exited_this_week(moves), width="stretch", config={"displaylogo": False})
table_with_download(labelled(moves, TOWNSHIP_COLUMNS), f"乡镇周变化_{as_of:%Y%m%d}", key="weekly-townships",
                    column_config={"贫困发生率（%）": st.column_config.NumberColumn(format="%.2f"),
                                   "发生率变化（个百分点）": st.column_config.NumberColumn(format="%+.2f"),
                                   "本周支出（万元）": st.column_config.NumberColumn(format="%.1f")})

left, right = st.columns(2)
scoped_overdue = overdue if filters.is_county else overdue.filter(pl.col("township_code") == scope)
new_overdue = scoped_overdue.filter(~pl.col("overdue_last_week"))
with left:
    st.markdown("**本周新增逾期项目**")
    if new_overdue.height:
        table_with_download(labelled(new_overdue, NEW_OVERDUE_COLUMNS), f"新增逾期项目_{as_of:%Y%m%d}",
                            key="weekly-new-overdue")
    else:
        st.caption("本周没有新增逾期项目。")
with right:
    scoped_idle = idle_now if filters.is_county else idle_now.filter(pl.col("township_code") == scope)
    st.markdown(f"**沉淀资金**（下达超过 {config.idle_funds_days} 天、支出不足 "
                f"{config.idle_funds_spend_ratio * 100:.0f}%）")
    if scoped_idle.height:
        table_with_download(labelled(scoped_idle, IDLE_COLUMNS), f"沉淀资金_{as_of:%Y%m%d}", key="weekly-idle",
                            column_config={c: st.column_config.NumberColumn(format="%.1f")
                                           for c in ("下达超期资金（万元）", "已支出（万元）", "沉淀资金（万元）")})
    else:
        st.caption("没有沉淀资金。")
