"""季讲评: a full-screen slide show of the quarter (← → / PageUp PageDown) and its editable PowerPoint deck."""

from __future__ import annotations

import html

import polars as pl
import streamlit as st

import app_data
import ranking_weights
import settings
from access import audit
from components import presentation as pres
from components.filters import current
from exports import assemble, capabilities, files
from exports.deck_pptx import build_deck, map_images
from exports.pace import WINDOW_DAYS
from rectification import app as rectify_app
from queries.metrics import METRICS

filters = current()
config = settings.load()
latest = app_data.data_as_of()
weights = ranking_weights.effective(config.weights)
leaders = app_data.townships()
names = dict(zip(leaders["township_code"], leaders["township_name"]))

options = pres.quarters(latest, latest.year - 2)
keys = [q.key for q in options]
default = next((q.key for q in options if q.as_of(latest) >= filters.as_of >= q.previous.end), keys[0])
if st.session_state.get("quarter") not in keys:
    st.session_state["quarter"] = default
st.session_state.setdefault("slide", 0)
st.session_state.setdefault("presenting", False)
quarter = pres.Quarter.parse(st.session_state["quarter"])
as_of, start_as_of = quarter.as_of(latest), quarter.previous.end

now = app_data.indicators(as_of)
start = app_data.indicators(start_as_of)


def standings() -> pl.DataFrame:
    """The quarter's ranking under the edited weights: the same for every viewer."""
    return ranking_weights.rescore(now, weights)


scored = app_data.shared("quarterly.scored", (as_of, tuple(weights.items()), repr(config)), standings)


def go_to(step: int) -> None:
    """Next/previous slide; → on the last slide stays there (a presenter's extra press must not restart)."""
    st.session_state["slide"] = pres.step_slide(st.session_state["slide"], step, len(pres.SLIDES))


def go_first() -> None:
    st.session_state["slide"] = 0


def go_last() -> None:
    st.session_state["slide"] = len(pres.SLIDES) - 1


def set_presenting(value: bool) -> None:
    st.session_state["presenting"] = value


def slide_figure(index: int):
    if index == 1:
        return pres.incidence_bars(now, METRICS["incidence_pct"].policy_line)
    if index == 2:
        return pres.rise_and_fall(now, config.income_growth_benchmark_pct)
    if index == 3:
        return pres.funds_bars(now)
    if index == 4:
        return pres.project_bars(now)
    return pres.ranking_bars(scored)


if st.session_state["presenting"]:
    st.html(pres.FULL_SCREEN_CSS)
    index = st.session_state["slide"]
    title = pres.SLIDES[index] if index != 1 else "挂图作战：各乡镇贫困发生率"
    st.markdown(f'<div class="slide-title">{html.escape(title)}</div>'
                f'<div class="slide-sub">{quarter.label}　·　数据截止 {as_of:%Y年%m月%d日}　·　'
                f'第 {index + 1} / {len(pres.SLIDES)} 页</div>', unsafe_allow_html=True)
    if index == 0:
        st.markdown(pres.kpi_tiles_html(pres.county_kpis(now, start)), unsafe_allow_html=True)
    else:
        boundaries = app_data.run("map_boundaries") if index == 1 else None
        if index == 1 and boundaries.height:
            figure = pres.slide_map(now, boundaries)
        else:
            figure = pres.presenting(slide_figure(index))
            if index == 1:
                st.caption("本县尚未导入乡镇边界，以柱状图显示各乡镇贫困发生率（红色 ≥ 2%）。")
        st.plotly_chart(figure, width="stretch", config={"displaylogo": False, "displayModeBar": False},
                        key=f"slide-{index}")
        if not (index == 1 and boundaries.height) and (note := pres.left_out(now, index)):
            st.caption(note)
    controls = st.container(horizontal=True, vertical_alignment="center", key="slide-controls")
    controls.button("上一页", icon=":material/chevron_left:", on_click=go_to, args=(-1,), shortcut="Left",
                    key="slide-prev")
    controls.button("下一页", icon=":material/chevron_right:", on_click=go_to, args=(1,), shortcut="Right",
                    key="slide-next", type="primary")
    controls.caption("键盘：← → 、空格或 PageUp / PageDown 翻页，Home / End 到首页 / 末页，Esc 退出演示")
    controls.button("退出演示", icon=":material/close_fullscreen:", on_click=set_presenting, args=(False,),
                    shortcut="Esc", key="slide-exit")
    # PageUp / PageDown (what presentation clickers send): hidden buttons with their own shortcuts.
    st.button("下一页（PageDown）", on_click=go_to, args=(1,), shortcut="PageDown", key="slide-pgdn")
    st.button("上一页（PageUp）", on_click=go_to, args=(-1,), shortcut="PageUp", key="slide-pgup")
    st.button("下一页（空格）", on_click=go_to, args=(1,), shortcut="Space", key="slide-space")
    st.button("首页（Home）", on_click=go_first, shortcut="Home", key="slide-home")
    st.button("末页（End）", on_click=go_last, shortcut="End", key="slide-end")
    st.stop()

st.title("季讲评")
st.caption("选择季度后进入演示模式：全屏、大字、一屏一个主题；或下载可编辑的 PowerPoint（原生图表，可改样式）。")
cols = st.columns([2, 1, 3])
cols[0].selectbox("季度", keys, key="quarter", format_func=lambda k: pres.Quarter.parse(k).label)
cols[1].button("进入演示模式", icon=":material/slideshow:", on_click=set_presenting, args=(True,), type="primary",
               key="start-presenting")
st.caption(f"{quarter.label}：指标按 {as_of:%Y年%m月%d日} 计算"
           + ("（本季尚未结束，按数据截止日期）" if as_of < quarter.end else "")
           + f"，本季变化与上季末 {start_as_of:%Y年%m月%d日} 对比。")

st.subheader("讲评 PowerPoint")
deck_cols = st.columns([3, 1])
picked = deck_cols[0].multiselect("为这些乡镇各加一页（可不选）", list(names), format_func=names.get,
                                  key="deck-townships", placeholder="选择乡镇")
meeting_date = deck_cols[1].date_input("讲评会日期（写在封面）", value=None, key="deck-meeting-date",
                                       format="YYYY-MM-DD")
county_name = app_data.run("county_name")["county_name"][0]
rectify = rectify_app.store().items()
pace_window = app_data.run("township_pace", as_of=as_of, window_days=WINDOW_DAYS)
boundaries = app_data.run_later("map_boundaries")  # read on the click: a province's outlines are large


def deck() -> bytes:
    """The deck, built on the click only (its frames are read in the page run: the download has no session)."""
    deck_input = assemble.deck_input(quarter.label, as_of, start_as_of, now, start, leaders, weights,
                                     config.income_growth_benchmark_pct, county_name=county_name, rectify=rectify,
                                     pace_window=pace_window, meeting_date=meeting_date)
    return build_deck(deck_input, township_slides=picked, maps={} if no_maps else map_images(now, boundaries()))


no_maps = capabilities.map_images_unavailable()
if no_maps:
    st.caption(no_maps + "PPT 中的挂图作战页暂以柱状图代替。")
st.download_button("下载季度讲评 PPT", data=audit.on_download(files.deck_name(quarter.key), deck),
                   file_name=files.deck_name(quarter.key), on_click="ignore", icon=":material/download:",
                   mime="application/vnd.openxmlformats-officedocument.presentationml.presentation", key="deck")

st.subheader("幻灯片预览")
# Only the open tab is built (a rerun on switching): five charts per view were most of the page's cost.
tabs = st.tabs(list(pres.SLIDES), key="slide-preview", on_change="rerun")
with tabs[0]:
    st.html(pres.TILE_CSS)
    st.markdown(pres.kpi_tiles_html(pres.county_kpis(now, start)), unsafe_allow_html=True)
for i in range(1, len(pres.SLIDES)):
    if not tabs[i].open:
        continue
    with tabs[i]:
        st.plotly_chart(slide_figure(i), width="stretch", config={"displaylogo": False}, key=f"preview-{i}")
        if note := pres.left_out(now, i):
            st.caption(note)
