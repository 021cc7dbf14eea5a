"""一升一降: per township the drop in 贫困发生率 since the year start and the income growth of 建档立卡 households,
the quadrant of both, the monthly trend since 2014, and the drill-down township -> villages -> households.

Clicking a township's bar selects it in the global 乡镇 filter (the same as choosing it in the sidebar).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

import app_data
import settings
from components import poverty_charts
from components.charts import highlight, township_note
from components.filters import ALL, current
from components.kpi import kpi_card
from components.long_lists import DRAWN_ENDS
from components.privacy import DEFAULT_ROLE, can_see_personal, mask_frame
from components.tables import excel_download, labelled, table_with_download
from components.text import md
from queries.metrics import METRICS

app_data.require_shell()

TOWNSHIP_COLUMNS = {  # 一降 and 一升 first: what the page is about; the figures behind them after
    "township_name": "乡镇", "incidence_drop_pp": "一降（个百分点）", "income_growth_pct": "一升：收入增幅（%）",
    "incidence_pct": "当前贫困发生率（%）", "incidence_prev_pct": "年初贫困发生率（%）", "poor_persons": "贫困人口（人）",
    "income_pc": "人均纯收入（元）", "income_pc_prev": "上年人均纯收入（元）", "income_year": "收入年度",
    "rural_population": "农业户籍人口（人）",
}
VILLAGE_COLUMNS = {
    "village_name": "村", "is_poor_village_text": "贫困村", "exit_year": "出列年份", "first_secretary": "第一书记",
    "rural_population": "农业户籍人口（人）", "poor_households": "未脱贫户（户）", "poor_persons": "贫困人口（人）",
    "incidence_prev_pct": "年初贫困发生率（%）", "incidence_pct": "当前贫困发生率（%）",
    "incidence_drop_pp": "一降（个百分点）", "exited_persons_ytd": "本年脱贫人数（人）",
}
BREAKDOWN_COLUMNS = {
    "category": "类别", "poor_households": "未脱贫（户）", "poor_persons": "未脱贫（人）",
    "exited_households": "已脱贫（户）", "exited_persons": "已脱贫（人）", "registered_households": "在册合计（户）",
}
HOUSEHOLD_COLUMNS = {
    "link": "台账", "household_id": "户编号", "head_name": "户主", "size": "家庭人口（人）", "status": "状态",
    "attribute": "贫困户属性", "main_cause": "主要致贫原因", "gaps": "两不愁三保障未达标项", "helper": "帮扶责任人",
}
PCT2 = st.column_config.NumberColumn(format="%.2f")
PCT1 = st.column_config.NumberColumn(format="%.1f")
YUAN = st.column_config.NumberColumn(format="%,.0f")

filters = current()
config = settings.load()
indicators = app_data.indicators(filters.as_of)
township_names = dict(zip(indicators["township_name"], indicators["township_code"]))


def _drill_to_clicked_township(chart_key: str) -> None:
    """Bar click -> the global 乡镇 filter (the sidebar widget reads the key on the next run)."""
    points = st.session_state[chart_key].selection.points
    if points and points[0].get("x") in township_names:
        st.session_state["township"] = township_names[points[0]["x"]]


st.title(f"一升一降 · {md(filters.township_name)}")
area = indicators.filter(pl.col("township_code") == filters.township).row(0, named=True)
st.caption(f"数据截止 {filters.as_of:%Y年%m月%d日}；一降 = {filters.as_of.year - 1} 年末贫困发生率 − 当前；"
           f"一升 = {area['income_year'] or '—'} 年比上年的人均纯收入增幅，对照线 {config.income_growth_benchmark_pct:g}%"
           "（全省农村居民收入增幅）")

# Two cards a row: four in a row cut the labels and deltas off on a 1024 px laptop.
cols = [column for _ in range(2) for column in st.columns(2)]
with cols[0]:
    kpi_card("poor_persons", area["poor_persons"], area["poor_persons"] - area["poor_persons_prev"], "较年初")
with cols[1]:
    kpi_card("incidence_pct", area["incidence_pct"],
             None if area["incidence_drop_pp"] is None else -area["incidence_drop_pp"], "较年初")
with cols[2]:
    drop = area["incidence_drop_pp"]
    st.metric("一降（个百分点）", "—" if drop is None else f"{drop:.2f}", border=True,
              help=METRICS["incidence_drop_pp"].definition)
with cols[3]:
    growth = area["income_growth_pct"]
    kpi_card("income_growth_pct", growth,
             None if growth is None else growth - config.income_growth_benchmark_pct, "对比对照线")

st.subheader("乡镇对比")
st.caption("点击柱子可钻取到该乡镇（等同于在侧栏选择乡镇）。")
mine = filters.marked  # the viewer's township, marked on county charts
townships = indicators.filter(pl.col("township_code") != "ALL").height
drop_chart = poverty_charts.incidence_drop_by_township(indicators, mark=mine)
st.plotly_chart(highlight(drop_chart, mine), key="drop-chart",
                on_select=lambda: _drill_to_clicked_township("drop-chart"), selection_mode="points",
                config={"displaylogo": False})
if note := township_note(drop_chart, townships, "一降最大和最小", mark=mine):
    st.caption(note)
growth = poverty_charts.income_growth_by_township(indicators, config.income_growth_benchmark_pct, mark=mine)
st.plotly_chart(highlight(growth, mine), key="growth-chart",
                on_select=lambda: _drill_to_clicked_township("growth-chart"), selection_mode="points",
                config={"displaylogo": False})
if note := township_note(growth, townships, "收入增幅最高和最低", mark=mine):
    st.caption(note)
quadrant = poverty_charts.quadrant(indicators, config.income_growth_benchmark_pct, mark=mine)
st.plotly_chart(highlight(quadrant, mine), config={"displaylogo": False})
if len(quadrant.data) > 1:  # every township a dot, only the long_lists cut named
    st.caption(f"共 {quadrant.data[0].x.size:,} 个乡镇（两项都有数据的），每个点是一个乡镇；只标注一降最大和最小的各 "
               f"{DRAWN_ENDS} 个{'及本乡镇' if mine else ''}的名称，鼠标悬停可看其余乡镇；全部乡镇见表格和下载。")
table_with_download(labelled(indicators.sort("incidence_drop_pp", descending=True, nulls_last=True), TOWNSHIP_COLUMNS)
                    .with_columns(pl.col("乡镇").replace("全县", "全县（合计）")),
                    f"一升一降_乡镇_{filters.as_of:%Y%m%d}", key="poverty-townships", highlight=("乡镇", mine),
                    column_config={"年初贫困发生率（%）": PCT2, "当前贫困发生率（%）": PCT2, "一降（个百分点）": PCT2,
                                   "上年人均纯收入（元）": YUAN, "人均纯收入（元）": YUAN, "一升：收入增幅（%）": PCT1})

st.subheader(f"月度走势 · {md(filters.township_name)}")
trend = app_data.run("poverty_monthly_trend", as_of=filters.as_of, township=filters.township)
st.plotly_chart(poverty_charts.monthly_trend(trend), config={"displaylogo": False})
with st.expander("月度数据"):
    table_with_download(labelled(trend, {"as_of": "月末（截止日）", "poor_persons": "贫困人口（人）",
                                         "incidence_pct": "贫困发生率（%）"}),
                        f"贫困人口月度走势_{filters.township_name}_{filters.as_of:%Y%m%d}", key="poverty-trend",
                        column_config={"贫困发生率（%）": PCT2}, height=320)

st.subheader(f"贫困户结构 · {md(filters.township_name)}")
structure = app_data.run("poverty_breakdown", as_of=filters.as_of, township=filters.township, village=ALL)
if structure.height == 0:
    st.info(f"{md(filters.township_name)} 截至 {filters.as_of:%Y-%m-%d} 没有在册的建档立卡户。")
else:
    for dimension, title in (("main_cause", "按主要致贫原因"), ("attribute", "按贫困户属性")):
        st.plotly_chart(poverty_charts.breakdown(structure, dimension, title), config={"displaylogo": False})
        table_with_download(labelled(structure.filter(pl.col("dimension") == dimension), BREAKDOWN_COLUMNS),
                            f"贫困户结构_{title}_{filters.township_name}_{filters.as_of:%Y%m%d}",
                            key=f"poverty-structure-{dimension}")

st.subheader("各村情况")
if filters.is_county:
    st.info("在侧栏选择乡镇，或点击上方乡镇柱子，查看该乡镇各村的贫困发生率和农户名单。")
    st.stop()
villages = app_data.detail("poverty_by_village", as_of=filters.as_of, township=filters.township)
if villages is None:  # another township's villages: its township figures above stay, a note says why no more
    st.stop()
if villages.height == 0:
    st.info(f"{md(filters.township_name)} 没有村的数据。")
    st.stop()
st.plotly_chart(poverty_charts.village_incidence(villages, config.village_exit_incidence_max_pct),
                config={"displaylogo": False})
villages = villages.with_columns(is_poor_village_text=pl.when(pl.col("is_poor_village")).then(pl.lit("是"))
                                 .otherwise(pl.lit("否")))
table_with_download(labelled(villages, VILLAGE_COLUMNS), f"一升一降_各村_{filters.township_name}_{filters.as_of:%Y%m%d}",
                    key="poverty-villages",
                    column_config={"年初贫困发生率（%）": PCT2, "当前贫困发生率（%）": PCT2, "一降（个百分点）": PCT2})

village_names = dict(zip(villages["village_code"], villages["village_name"]))
village = st.selectbox("选择村，查看农户名单", list(village_names), format_func=village_names.get, key="poverty-village")
households = app_data.detail("household_search", as_of=filters.as_of, township=filters.township, village=village,
                             status="ALL", cause="ALL", gap="ALL", search="", limit=2000, offset=0)
if households is None:
    pass
elif households.height == 0:
    st.info(f"{md(village_names[village])} 没有建档立卡户。")
else:
    visible = can_see_personal(st.session_state.get("role", DEFAULT_ROLE))
    shown = mask_frame(households, names=["head_name", "helper"], visible=visible).with_columns(
        link=pl.concat_str(pl.lit("households?household="), pl.col("household_id"),
                           pl.lit(f"&as_of={filters.as_of:%Y-%m-%d}&township={filters.township}")))
    st.caption(f"{md(village_names[village])}：{households['total_matches'][0]:,} 户（状态按截止日期）。"
               + ("" if visible else "姓名已脱敏。") + "点击「查看台账」打开一户一本台账。")
    frame = labelled(shown, HOUSEHOLD_COLUMNS)
    st.dataframe(frame, hide_index=True, width="stretch", placeholder="—", column_config={
        "台账": st.column_config.LinkColumn("台账", display_text="查看台账")})
    excel_download(frame.drop("台账"), f"农户名单_{village_names[village]}_{filters.as_of:%Y%m%d}.xlsx",
                   key="download-poverty-households", sheet="农户名单")
