"""Plotly figure builders shared by pages: pure functions, a frame in and a figure out (no Streamlit, no database).

Colours follow queries/metrics.py: red = behind / the bad way, green = the good way, everywhere.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from components.text import inert_links
from queries.metrics import BAD, GOOD, METRICS, NEUTRAL

FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", size=14)
TIME_LINE = "#1565c0"


def base_layout(fig: go.Figure, title: str, *, height: int = 420) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=18)),
        font=FONT, height=height, margin=dict(l=10, r=10, t=60, b=10),
        plot_bgcolor="white", paper_bgcolor="white",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        hoverlabel=dict(font=FONT),
    )
    fig.update_xaxes(showgrid=False, automargin=True)
    fig.update_yaxes(gridcolor="#eceff1", zeroline=False, automargin=True)
    return inert_links(fig)  # names in ticks and hovers are data: a <a href> in one stays text


def target_vs_time(frame: pl.DataFrame, lag_threshold: float) -> go.Figure:
    """年度目标进度 by township against 时间进度; lagging townships (behind by more than the threshold) in red.

    frame: township rows of township_indicators (township_name, target_progress_pct, time_progress_pct,
    lagging, exited_persons_ytd, target_exit_persons).
    """
    rows = frame.filter(pl.col("township_code") != "ALL").sort("target_progress_pct", nulls_last=True,
                                                               descending=True)
    time_progress = rows["time_progress_pct"].max() if rows.height else None
    colours = [BAD if lag else (NEUTRAL if value is None else GOOD)
               for lag, value in zip(rows["lagging"], rows["target_progress_pct"])]
    fig = go.Figure(go.Bar(
        x=rows["township_name"].to_list(),
        y=rows["target_progress_pct"].fill_null(0).to_list(),
        marker_color=colours,
        text=[("无计划" if v is None else f"{v:.0f}%") for v in rows["target_progress_pct"]],
        textposition="outside",
        customdata=list(zip(rows["exited_persons_ytd"].to_list(), rows["target_exit_persons"].to_list())),
        hovertemplate="%{x}<br>年度目标进度 %{y:.1f}%<br>已脱贫 %{customdata[0]:,} / 计划 %{customdata[1]:,} 人"
                      "<extra></extra>",
        name="年度目标进度",
    ))
    if time_progress is not None:
        fig.add_hline(y=time_progress, line=dict(color=TIME_LINE, dash="dash", width=2),
                      annotation_text=f"时间进度 {time_progress:.1f}%", annotation_position="top right",
                      annotation_font=dict(color=TIME_LINE), annotation_bgcolor="rgba(255,255,255,0.85)")
        fig.add_hline(y=time_progress - lag_threshold, line=dict(color=BAD, dash="dot", width=1),
                      annotation_text=f"滞后线（落后 {lag_threshold:g} 个百分点）",
                      annotation_position="bottom right", annotation_font=dict(color=BAD, size=12),
                      annotation_bgcolor="rgba(255,255,255,0.85)")
    fig.update_yaxes(title_text=f"{METRICS['target_progress_pct'].label}（%）", rangemode="tozero")
    return base_layout(fig, "年度减贫任务进度 vs 时间进度（红色 = 滞后）")
