"""户情 (一户一本台账) pieces: the status timeline, income against the poverty line, the 两不愁三保障 flags.
Pure builders (frame/dict in, figure/frame out; no Streamlit, no database).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import plotly.graph_objects as go
import polars as pl

from components.charts import TIME_LINE, base_layout
from queries.metrics import BAD, GOOD, NEUTRAL

EVENT_COLOURS = {"纳入": BAD, "返贫": BAD, "脱贫": GOOD, "清退": NEUTRAL}
GUARANTEES = (("food_clothing", "吃穿不愁"), ("education", "义务教育有保障"), ("medical", "基本医疗有保障"),
              ("housing", "住房安全有保障"), ("water", "饮水安全有保障"))


def guarantee_flags(profile: Mapping) -> pl.DataFrame:
    """两不愁三保障 as a two-column table: 项目, 是否达标 (达标 / 未达标 / 未知; plain text, intranet PCs lack emoji
    fonts). 未知: the imported file had no such column (NULL), which is never shown as met."""
    def shown(value) -> str:
        return "未知" if value is None else "达标" if value else "未达标"

    return pl.DataFrame({
        "项目": [label for _, label in GUARANTEES],
        "是否达标": [shown(profile[key]) for key, _ in GUARANTEES],
    })


def status_timeline(events: pl.DataFrame, as_of: dt.date) -> go.Figure:
    """The household's events on a date axis, each labelled, coloured by the status they lead to."""
    fig = go.Figure(go.Scatter(
        x=events["date"].to_list(), y=[0] * events.height, mode="markers+text+lines",
        text=[f"{e}<br>{d:%Y-%m-%d}" for e, d in zip(events["event"], events["date"])],
        textposition=["top center" if i % 2 == 0 else "bottom center" for i in range(events.height)],
        marker=dict(size=16, color=[EVENT_COLOURS.get(e, NEUTRAL) for e in events["event"]]),
        line=dict(color="#cfd8dc", width=2),
        hovertemplate="%{x|%Y-%m-%d} %{text}<extra></extra>", name="状态变化",
    ))
    fig.add_vline(x=dt.datetime.combine(as_of, dt.time()).timestamp() * 1000,
                  line=dict(color=TIME_LINE, dash="dash", width=1))
    fig.update_yaxes(visible=False, range=[-1, 1])
    fig.update_xaxes(type="date", tickformat="%Y", showgrid=True, gridcolor="#eceff1")
    fig.update_layout(showlegend=False)
    return base_layout(fig, "状态变化（红 = 纳入/返贫，绿 = 脱贫，灰 = 清退）", height=240)


def income_vs_poverty_line(income: pl.DataFrame, poverty_line: Mapping[int, float]) -> go.Figure:
    """人均纯收入 per year (bars, red below that year's line) against the national poverty line of each year."""
    years = income["year"].to_list()
    values = income["income_per_capita"].to_list()
    lines = [poverty_line.get(y) for y in years]
    colours = [NEUTRAL if line is None else (BAD if v < line else GOOD) for v, line in zip(values, lines)]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=[str(y) for y in years], y=values, marker_color=colours, name="人均纯收入（元）",
                         text=[f"{v:,.0f}" for v in values], textposition="outside",
                         hovertemplate="%{x} 年<br>人均纯收入 %{y:,.0f} 元<extra></extra>"))
    fig.add_trace(go.Scatter(x=[str(y) for y in years], y=lines, mode="lines+markers", name="当年扶贫标准（元）",
                             line=dict(color=TIME_LINE, dash="dash", width=2), connectgaps=False,
                             hovertemplate="%{x} 年<br>扶贫标准 %{y:,.0f} 元<extra></extra>"))
    fig.update_yaxes(title_text="元/人·年", rangemode="tozero")
    return base_layout(fig, "历年人均纯收入 vs 当年扶贫标准（红 = 低于标准）", height=360)
