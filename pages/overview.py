"""总览: where the county (or the chosen township) stands at D, what changed in a week, who lags."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

import app_data
import ranking_weights
import settings
from components import charts, ranking_charts, township_card
from components.filters import current
from components.kpi import kpi_card
from components.long_lists import DRAWN_MAX
from components.sections import section
from components.tables import labelled, table_with_download
from components.text import md

# What the 周调度 reads first comes first: rank, score, whether behind, task progress; then the indicators.
TABLE_COLUMNS = {
    "rank": "排名", "township_name": "乡镇", "score": "综合得分", "lagging_text": "是否滞后",
    "target_progress_pct": "年度目标进度（%）", "poor_persons": "贫困人口（人）", "incidence_pct": "贫困发生率（%）",
    "incidence_drop_pp": "一降（个百分点）", "income_growth_pct": "一升：收入增幅（%）",
    "balance_rate_pct": "资金结余率（%）", "completion_pct": "项目完工率（%）", "overdue_projects": "逾期项目（个）",
}

filters = current()
config = settings.load()
week_ago = filters.as_of - dt.timedelta(days=7)
now = app_data.indicators(filters.as_of)

st.title(f"总览 · {md(filters.township_name)}")
st.caption(f"数据截止 {filters.as_of:%Y年%m月%d日}（{filters.as_of.year} 年时间进度 "
           f"{now['time_progress_pct'][0]:.1f}%）；周变化对比 {week_ago:%m月%d日}")

area = now.filter(pl.col("township_code") == filters.township).row(0, named=True)
area_before = None
with section("较上周变化"):  # without it the cards still show, only the week's change is missing
    before = app_data.indicators(week_ago)
    area_before = before.filter(pl.col("township_code") == filters.township).row(0, named=True)


if not filters.is_county:  # the township head's first question: where do we stand, and what costs us most
    with section("本乡镇排名"):
        try:
            weights = ranking_weights.effective(config.weights)
        except ranking_weights.WeightsError:
            weights = dict(config.weights)
        scored = ranking_weights.rescore(now, weights)
        last_week = ranking_weights.rescore(before, weights) if area_before is not None else scored.clear()
        ranked = ranking_charts.rank_changes(scored, last_week, scored.clear()).join(
            ranking_weights.weakest_indicator(ranking_weights.contributions(now, weights)),
            on="township_code", how="left")
        card = township_card.standing(ranked, filters.township)
        if card is not None:
            township_card.show(card, filters.township_name)


def change(key: str):
    if area_before is None:
        return None
    a, b = area[key], area_before[key]
    return None if a is None or b is None else a - b


# Three cards a row: four leave no room for the deltas on a laptop.
cards = [
    lambda: kpi_card("poor_persons", area["poor_persons"], area["poor_persons"] - area["poor_persons_prev"], "较年初"),
    lambda: kpi_card("incidence_pct", area["incidence_pct"],
                     None if area["incidence_drop_pp"] is None else -area["incidence_drop_pp"], "较年初"),
    lambda: kpi_card("income_growth_pct", area["income_growth_pct"], None,
                     help_text=f"{area['income_year']} 年比上年；对照线：全省农村居民收入增幅 "
                               f"{config.income_growth_benchmark_pct:g}%" if area["income_year"] else None),
    lambda: kpi_card("target_progress_pct", area["target_progress_pct"], change("target_progress_pct"), "较上周",
                     help_text=f"已脱贫 {area['exited_persons_ytd']:,} / 计划 {area['target_exit_persons']:,} 人；"
                               f"时间进度 {area['time_progress_pct']:.1f}%"),
    lambda: kpi_card("balance_rate_pct", area["balance_rate_pct"], change("balance_rate_pct"), "较上周",
                     help_text=f"下达 {area['allocated_wan']:,.1f} 万元，支出 {area['spent_wan']:,.1f} 万元"),
    lambda: kpi_card("completion_pct", area["completion_pct"], change("completion_pct"), "较上周",
                     help_text=f"本年度项目 {area['projects']} 个，完工 {area['projects_completed']} 个"),
    lambda: kpi_card("overdue_projects", area["overdue_projects"], change("overdue_projects"), "较上周"),
    lambda: kpi_card("industry_share_pct", area["industry_share_pct"], None),
]
for start in range(0, len(cards), 3):
    for column, card in zip(st.columns(3), cards[start:start + 3]):
        with column:
            card()

if area["projects"] == 0:
    st.info(f"{md(filters.township_name)} 在 {filters.as_of.year} 年度没有扶贫项目，资金结余率和项目完工率不适用。")

townships = now.filter(pl.col("township_code") != "ALL")
lagging = townships.filter(pl.col("lagging"))
if lagging.height:  # every name in a county; a province's hundreds are in the table's 是否滞后 column
    names = "、".join(md(n) for n in lagging["township_name"].head(DRAWN_MAX))
    more = "等，全部见下表「是否滞后」列" if lagging.height > DRAWN_MAX else ""
    st.warning(f"任务进度落后于时间进度超过 {config.lag_threshold_pp:g} 个百分点的乡镇（{lagging.height:,} 个）："
               + names + more, icon=":material/warning:")

mine = filters.marked
progress = charts.target_vs_time(townships, config.lag_threshold_pp, mark=mine)
st.plotly_chart(charts.highlight(progress, mine), width="stretch", config=charts.PLOTLY_CONFIG)
note = charts.township_note(progress, townships.height, "年度目标进度最高和最低", mark=mine)
if note:
    st.caption(note)

st.subheader("乡镇指标一览")
table = labelled(
    townships.sort("rank").with_columns(lagging_text=pl.when(pl.col("lagging")).then(pl.lit("滞后")).otherwise(pl.lit(""))),
    TABLE_COLUMNS,
)
table_with_download(table, f"乡镇指标_{filters.as_of:%Y%m%d}", key="overview-townships",
                    height=36 * (min(table.height, DRAWN_MAX) + 1) + 4,  # a province's table scrolls
                    highlight=("乡镇", mine), column_config={
    "贫困发生率（%）": st.column_config.NumberColumn(format="%.2f"),
    "一降（个百分点）": st.column_config.NumberColumn(format="%.2f"),
    "一升：收入增幅（%）": st.column_config.NumberColumn(format="%.1f"),
    "资金结余率（%）": st.column_config.NumberColumn(format="%.1f"),
    "项目完工率（%）": st.column_config.NumberColumn(format="%.1f"),
    "年度目标进度（%）": st.column_config.ProgressColumn(format="%.0f%%", min_value=0, max_value=100),
    "综合得分": st.column_config.NumberColumn(format="%.1f"),
})
