"""周调度: the Monday view — this week (D) against last week (D−7), lagging townships, 督办事项, the brief."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

import app_data
from access import audit
import ranking_weights
import settings
from components import charts, long_lists, weekly_views
from components.filters import current
from components.tables import labelled, table_with_download
from components.text import md
from exports import assemble, capabilities, files
from rectification import app as rectify_app

app_data.require_shell()

RECTIFY_DAYS = 14  # deadline of a 督办事项 put on the rectification list: from D, or today if D is past
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
PACE_COLUMNS = {
    "township_name": "乡镇", "target_exit_persons": "计划脱贫（人）", "exited_persons_ytd": "已脱贫（人）",
    "remaining": "还需脱贫（人）", "needed_per_week": "每周需脱贫（人）", "pace_per_week": "近四周每周脱贫（人）",
    "verdict": "年底研判",
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
as_of = filters.as_of
weights = ranking_weights.effective(config.weights)
# The week's county-wide frames are the same for every viewer: built once per data version, D and settings.
week = app_data.shared("weekly.gather_week", (as_of, tuple(weights.items()), repr(config)),
                       lambda: assemble.gather_week(app_data.run, app_data.indicators, as_of, config, weights))
week_ago, now, before, leaders = week.week_ago, week.now, week.before, week.leaders
overdue, idle_now, idle_before = week.overdue, week.idle_now, week.idle_before

scope = filters.township
mine = filters.marked  # the viewer's township, marked on county-wide charts and tables
mine_code = filters.marked_code  # kept among the townships a province's charts draw (components/long_lists)
listed = mine if filters.is_county else None  # lists cut to one township need no mark
comparison = weekly_views.week_comparison(weekly_views.area_row(now, scope, idle_now, as_of),
                                          weekly_views.area_row(before, scope, idle_before, week_ago))
items, lagging, pace = week.items, weekly_views.lagging_townships(now, leaders), week.pace
if not filters.is_county:
    items = items.filter(pl.col("township_code") == scope)
    lagging = lagging.filter(pl.col("township_code") == scope)
    pace = pace.filter(pl.col("township_code") == scope)

st.title(f"周调度 · {md(filters.township_name)}")
st.caption(f"本周：数据截止 {as_of:%Y年%m月%d日}；上周：{week_ago:%Y年%m月%d日}。"
           "所有指标按同一口径分别在两个日期计算后对比"
           + ("；上周为上一年度，本年度项目、资金和脱贫人数不与上年度比较。" if week_ago.year != as_of.year else "。"))

# --- the weekly 通报, one click each ----------------------------------------------------------------------


def _brief():
    return assemble.weekly_brief(week, app_data.run("county_name")["county_name"][0], rectify_app.store().items())


brief_row = st.container(horizontal=True, vertical_alignment="center")
pdf_unavailable = capabilities.brief_pdf_unavailable()
for fmt, label, icon, kind in (("pdf", "周调度通报 PDF", ":material/picture_as_pdf:", "primary"),
                               ("docx", "周调度通报 Word", ":material/description:", "secondary")):
    if fmt == "pdf" and pdf_unavailable:
        continue
    name = files.brief_name(as_of, fmt)
    brief_row.download_button(label, data=audit.on_download(name, lambda fmt=fmt: files.render_brief(_brief(), fmt)),
                              file_name=name, mime=files.MIME[fmt], icon=icon, on_click="ignore",
                              key=f"brief-{fmt}", type=kind)
brief_row.caption("通报为全县口径：总体情况、存在问题（全部督办事项）、上期督办落实、下步工作与乡镇排名，A4，可直接印发。")
if pdf_unavailable:
    st.info(pdf_unavailable, icon=":material/info:")

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
    # A province has a thousand items: the list names each kind's most pressing ones, the table below has all.
    listed_items = weekly_views.listed_items(items)
    with st.container(border=True):
        if listed_items.height < items.height:
            st.caption(f"共 {items.height:,} 项督办事项，此处每类列出最突出的 {weekly_views.ITEMS_PER_KIND} 项；"
                       "全部事项见下表和下载。")
        for i, item in enumerate(listed_items.iter_rows(named=True), start=1):
            st.markdown(f"{i}. **【{md(item['kind'])}】** {md(item['text'])}　—　责任乡镇：{md(item['township_name'])}，"
                        f"联系县领导：{md(item['county_leader'] or '未填')}")
    table_with_download(labelled(items, ITEM_COLUMNS), f"督办事项_{as_of:%Y%m%d}", key="weekly-items",
                        highlight=("责任乡镇", listed))
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
                                       for c in ("年度目标进度（%）", "时间进度（%）", "落后（个百分点）")},
                        highlight=("乡镇", listed))
if filters.is_county:
    towns = now.filter(pl.col("township_code") != "ALL")
    progress = long_lists.cut(towns, "target_progress_pct", mark=mine_code)
    st.plotly_chart(charts.highlight(charts.target_vs_time(progress, config.lag_threshold_pp), mine),
                    width="stretch", config={"displaylogo": False})
    if note := long_lists.left_out(towns.height, progress.height, "年度目标进度最快和最慢",
                                   marked=mine_code in progress["township_code"].to_list()):
        st.caption(note)

# --- pace to year-end --------------------------------------------------------------------------------
st.subheader("年底进度")
st.caption("按近四周的脱贫速度推算：每周需脱贫多少人才能在 12 月 31 日前完成年度计划，按当前速度何时完成或年底差多少人。")
pace_rows = pace.filter(pl.col("township_code") != "ALL") if filters.is_county else pace
county_pace = week.pace.filter(pl.col("township_code") == "ALL")
if filters.is_county and county_pace.height:
    c = county_pace.row(0, named=True)
    st.markdown(f"**全县**：还需脱贫 {c['remaining']:,} 人，每周需 {c['needed_per_week'] or 0:.1f} 人，"
                f"近四周每周 {c['pace_per_week']:.1f} 人，{c['verdict']}。")
table_with_download(labelled(pace_rows.sort(["short_by", "remaining"], descending=True), PACE_COLUMNS),
                    f"年底进度_{as_of:%Y%m%d}", key="weekly-pace", highlight=("乡镇", listed),
                    column_config={c: st.column_config.NumberColumn(format="%.1f")
                                   for c in ("每周需脱贫（人）", "近四周每周脱贫（人）")})

# --- what moved, by township ----------------------------------------------------------------------------
st.subheader("各乡镇本周变化")
moves = weekly_views.township_week_table(now, before, same_year=week_ago.year == as_of.year)
exits = long_lists.cut(moves, "exited_week", mark=mine_code)
st.plotly_chart(weekly_views.exited_this_week(exits, mark=mine), width="stretch", config={"displaylogo": False})
if note := long_lists.left_out(moves.height, exits.height, "本周脱贫人数最多和最少",
                               marked=mine_code in exits["township_code"].to_list()):
    st.caption(note)
table_with_download(labelled(moves, TOWNSHIP_COLUMNS), f"乡镇周变化_{as_of:%Y%m%d}", key="weekly-townships",
                    highlight=("乡镇", mine),
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
                            key="weekly-new-overdue", highlight=("乡镇", listed))
    else:
        st.caption("本周没有新增逾期项目。")
with right:
    scoped_idle = idle_now if filters.is_county else idle_now.filter(pl.col("township_code") == scope)
    st.markdown(f"**沉淀资金**（下达超过 {config.idle_funds_days} 天、支出不足 "
                f"{config.idle_funds_spend_ratio * 100:.0f}%）")
    if scoped_idle.height:
        table_with_download(labelled(scoped_idle, IDLE_COLUMNS), f"沉淀资金_{as_of:%Y%m%d}", key="weekly-idle",
                            highlight=("乡镇", listed),
                            column_config={c: st.column_config.NumberColumn(format="%.1f")
                                           for c in ("下达超期资金（万元）", "已支出（万元）", "沉淀资金（万元）")})
    else:
        st.caption("没有沉淀资金。")
