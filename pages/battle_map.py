"""挂图作战: the county map, each township coloured by how far it is; click a township to see its villages.

Offline: the map is drawn from the boundaries in the database on a blank style (no tiles, no CDN).
Clicking a township sets the global 乡镇 filter (the sidebar selectbox, key "township", bound to the URL).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

import app_data
from access import audit
from components import map_export
from components import map_figures as mf
from components.filters import ALL, current
from components.long_lists import DRAWN_MAX
from components.tables import labelled, table_with_download
from components.text import md
from exports import capabilities
from queries.metrics import METRICS

app_data.require_shell()

VILLAGE_COLUMNS = {
    "village_name": "村", "village_status": "类别", "exit_year": "出列年份", "rural_population": "农业户籍人口（人）",
    "poor_households": "贫困户（户）", "poor_persons": "贫困人口（人）", "incidence_pct": "贫困发生率（%）",
    "first_secretary": "第一书记",
}
VIEWS = {"now": "截至数据截止日期", "replay": "按月回放（2014 年起）"}
CHART_CONFIG = {"displaylogo": False, "scrollZoom": True, "modeBarButtonsToRemove": ["select2d", "lasso2d", "toImage"]}


def _select_township() -> None:
    """Click on a township: make it the global 乡镇 filter (before the sidebar widget renders next run)."""
    points = st.session_state["battle_map"].selection.points
    known = set(app_data.townships()["township_code"])
    # A township polygon gives its location; the marker under its name (map_figures.CLICK_TRACE) its customdata.
    code = next((c for p in points for c in (p.get("location"), p.get("customdata"))
                 if isinstance(c, str) and c in known), None)
    if code:
        st.session_state["township"] = code


def _back_to_county() -> None:
    st.session_state["township"] = ALL


filters = current()
boundaries = app_data.map_geometry()  # derived once per version: label points, GeoJSON, spatial index
st.title(f"挂图作战 · {md(filters.township_name)}")
if not boundaries.codes:
    st.info("数据库中还没有乡镇边界，无法绘制地图。请数据管理员导入县里的乡镇界线："
            "`python -m ingest boundaries 乡镇界线.geojson（或 .shp / .zip） --db 数据库`。", icon=":material/map:")
    st.stop()

indicators = app_data.indicators(filters.as_of)
townships = indicators.filter(pl.col("township_code") != ALL)
lagging = townships.filter(pl.col("lagging"))
missing = townships.filter(~pl.col("township_code").is_in(boundaries.codes))

# Seven indicators need the full width (a laptop cuts the last ones off beside another control).
key = st.segmented_control("着色指标", mf.MAP_METRICS, format_func=mf.short_label, default="incidence_pct",
                           required=True, key="map_metric", bind="query-params",
                           help="红色 = 落后（该指标差的一端），绿色 = 领先；年度目标进度以时间进度为中点")
view = st.segmented_control("显示", list(VIEWS), format_func=VIEWS.get, default="now", required=True,
                            key="map_view")
key = key or "incidence_pct"
metric = METRICS[key]
# 滞后 is about 年度目标进度 only: outlined on that map, and on another indicator's map only when asked for
# (a red frame on a 贫困发生率 map would read as a judgement of 贫困发生率).
on_target_map = key == "target_progress_pct"
show_lagging = on_target_map or (lagging.height > 0 and view != "replay" and st.toggle(
    "同时标出滞后乡镇", key="map_lagging",
    help="用红色粗框标出年度目标进度落后时间进度超过阈值的乡镇（与当前着色指标无关）"))
lagging_names = "、".join(md(n) for n in lagging["township_name"])
st.caption(f"数据截止 {filters.as_of:%Y年%m月%d日}；{metric.label}：{metric.definition}。"
           + ("没有滞后乡镇。" if not lagging.height else
              f"红色粗框为滞后乡镇（年度目标进度落后时间进度超过阈值）：{lagging_names}。" if show_lagging else
              f"滞后乡镇（年度目标进度落后时间进度超过阈值）：{lagging_names}，在「年度目标进度」图上以红色粗框标出。"))
if missing.height:
    st.warning("以下乡镇没有边界，地图上不显示：" + "、".join(md(n) for n in missing["township_name"]), icon=":material/warning:")

screen = mf.screen_size_for(st.context.headers.get("User-Agent"))  # a phone's map fits its narrow column
if view == "replay":
    animated = key if key in mf.ANIMATED_METRICS else st.segmented_control(
        "回放指标", mf.ANIMATED_METRICS, format_func=mf.short_label, default="incidence_pct", required=True,
        key="map_replay_metric", help=f"按月回放支持贫困发生率、贫困人口和一降；{mf.short_label(key)} 无按月数据")
    monthly = app_data.run("map_monthly", as_of=filters.as_of)
    if monthly.height == 0:
        st.info("2014 年以来还没有农户状态记录，无法回放。")
    else:
        st.plotly_chart(mf.monthly_map(monthly, boundaries, animated or "incidence_pct", **screen), width="stretch",
                        config=CHART_CONFIG, key="battle_map_replay")
        st.caption("点击 ▶ 播放 按月回放，或拖动月份滑块；每月取月末（最后一个月取数据截止日期）的数值，"
                   "颜色刻度在所有月份中保持一致。")
    st.stop()

selected = None if filters.is_county else filters.township
villages = app_data.detail("map_villages", as_of=filters.as_of, township=selected) if selected else None
withheld = selected is not None and villages is None  # another township's villages: its own figures only
user = st.session_state.get("user")
home = getattr(user, "township_code", None)  # a township head's own township: always named on the map
figure = mf.township_map(indicators, boundaries, key, selected=selected, villages=villages, mark=home,
                         lagging_layer=show_lagging, **screen)
st.plotly_chart(figure, width="stretch", config=CHART_CONFIG, key="battle_map", on_select=_select_township,
                selection_mode="points")
if len(boundaries.codes) > DRAWN_MAX:
    st.caption(mf.names_caption(len(boundaries.codes), home in boundaries.codes and home != selected))

title = f"{filters.township_name}脱贫攻坚挂图作战图 · {mf.legend_title(key)}"
note = "红色粗框：年度目标进度落后于时间进度的乡镇" if lagging.height and show_lagging else ""
unavailable = capabilities.map_images_unavailable()
if unavailable:
    st.info(unavailable, icon=":material/image_not_supported:")
else:
    exports = [st.container(horizontal=True)] * 2  # side by side at their natural width (columns cut labels)
    exports[0].download_button(
        "下载地图 PNG", audit.on_download(f"挂图作战_{metric.label}_{filters.as_of:%Y%m%d}.png",
                                          lambda: map_export.map_png(figure, 1600, 1100)),
        file_name=f"挂图作战_{metric.label}_{filters.as_of:%Y%m%d}.png",
        mime="image/png", icon=":material/image:", on_click="ignore", key="map-png")
    exports[1].download_button(
        "下载 A3 打印版 PDF", audit.on_download(f"挂图作战_A3_{metric.label}_{filters.as_of:%Y%m%d}.pdf",
                                             lambda: map_export.sheet_pdf(mf.print_sheet(figure, title, filters.as_of, note))),
        file_name=f"挂图作战_A3_{metric.label}_{filters.as_of:%Y%m%d}.pdf", mime="application/pdf",
        icon=":material/print:", on_click="ignore", key="map-a3")

if selected is None:
    st.caption("点击地图上的乡镇查看其各村情况（同时切换左侧的乡镇筛选）。")
    st.stop()

area = townships.filter(pl.col("township_code") == selected).row(0, named=True)
st.subheader(f"{md(filters.township_name)}：各村情况")
st.button("返回全县地图", on_click=_back_to_county, icon=":material/zoom_out_map:", key="map-back")
if withheld:
    st.caption(f"贫困人口 {METRICS['poor_persons'].format(area['poor_persons'])}；"
               f"贫困发生率 {METRICS['incidence_pct'].format(area['incidence_pct'])}。各村情况只对该乡镇和县级账户开放。")
    st.stop()
if villages is None or villages.height == 0:
    st.info(f"{md(filters.township_name)} 没有村的记录。")
    st.stop()
poor_villages = villages.filter(pl.col("is_poor_village"))
st.caption(f"共 {villages.height} 个村，其中贫困村 {poor_villages.height} 个（已出列 "
           f"{int(poor_villages['exited'].sum())} 个）；贫困人口 {METRICS['poor_persons'].format(area['poor_persons'])}。"
           "地图上村的位置为示意（在乡镇范围内按村代码确定），圆点大小表示贫困人口。")
table_with_download(
    labelled(villages.sort("poor_persons", "village_code", descending=[True, False]), VILLAGE_COLUMNS),
    f"{filters.township_name}_各村_{filters.as_of:%Y%m%d}", key="map-villages",
    column_config={"贫困发生率（%）": st.column_config.NumberColumn(format="%.2f"),
                   "出列年份": st.column_config.NumberColumn(format="%d")})
