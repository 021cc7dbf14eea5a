"""资金 figures: by source, by township, by category, the industry share and the cumulative spend curve.
Pure builders (frame in, figure out; no Streamlit, no database); red = behind, green = on track.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from components.charts import TIME_LINE, base_layout, hline
from components.long_lists import drawn
from queries.metrics import BAD, GOOD, NEUTRAL

ALLOCATED = "#90a4ae"


def _spend_colours(progress: list, time_progress: float | None) -> list[str]:
    if time_progress is None:
        return [GOOD if v is not None else NEUTRAL for v in progress]
    return [NEUTRAL if v is None else (BAD if v < time_progress else GOOD) for v in progress]


def allocated_vs_spent(frame: pl.DataFrame, label: str, title: str, time_progress: float | None = None) -> go.Figure:
    """Allocated (grey) and spent bars per row of `label`, spent red when 支出进度 is below 时间进度.

    frame: label column, allocated_wan, spent_wan, spend_progress_pct.
    """
    progress = frame["spend_progress_pct"].to_list()
    fig = go.Figure()
    fig.add_trace(go.Bar(x=frame[label].to_list(), y=frame["allocated_wan"].to_list(), name="下达（万元）",
                         marker_color=ALLOCATED, hovertemplate="%{x}<br>下达 %{y:,.1f} 万元<extra></extra>"))
    fig.add_trace(go.Bar(x=frame[label].to_list(), y=frame["spent_wan"].to_list(), name="支出（万元）",
                         marker_color=_spend_colours(progress, time_progress),
                         text=[("—" if v is None else f"{v:.0f}%") for v in progress], textposition="outside",
                         hovertemplate="%{x}<br>支出 %{y:,.1f} 万元<br>支出进度 %{text}<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="万元", rangemode="tozero")
    return base_layout(fig, title)


def township_spend_progress(frame: pl.DataFrame, *, mark: str | None = None) -> go.Figure:
    """支出进度 (100 − 结余率) per township against 时间进度; red when behind time. Above long_lists.DRAWN_MAX
    townships only both ends and `mark` (a 乡镇 name) are drawn.

    frame: township_indicators rows (townships and ALL).
    """
    rows = drawn(frame.filter(pl.col("township_code") != "ALL")
                 .with_columns(spend_progress_pct=100 - pl.col("balance_rate_pct")),
                 "spend_progress_pct", mark=mark, key="township_name")
    time_progress = rows["time_progress_pct"].max() if rows.height else None
    progress = rows["spend_progress_pct"].to_list()
    fig = go.Figure(go.Bar(
        x=rows["township_name"].to_list(), y=[0 if v is None else v for v in progress],
        marker_color=_spend_colours(progress, time_progress),
        text=[("无项目" if v is None else f"{v:.0f}%") for v in progress], textposition="outside",
        customdata=list(zip(rows["allocated_wan"].to_list(), rows["spent_wan"].to_list())),
        hovertemplate="%{x}<br>支出进度 %{y:.1f}%<br>下达 %{customdata[0]:,.1f} 万元，支出 %{customdata[1]:,.1f} 万元"
                      "<extra></extra>",
        name="支出进度",
    ))
    if time_progress is not None:
        hline(fig, time_progress, line=dict(color=TIME_LINE, dash="dash", width=2),
                      annotation_text=f"时间进度 {time_progress:.1f}%", annotation_position="top right",
                      annotation_font=dict(color=TIME_LINE))
    fig.update_yaxes(title_text="支出进度（%）", range=[0, 110])
    return base_layout(fig, "支出进度 vs 时间进度（红 = 落后）")


def industry_share(frame: pl.DataFrame, policy_pct: float, *, mark: str | None = None) -> go.Figure:
    """产业资金占比 per township against the policy line (red below it); the county value as a dashed line.
    Above long_lists.DRAWN_MAX townships only both ends and `mark` (a 乡镇 name) are drawn."""
    rows = drawn(frame.filter(pl.col("township_code") != "ALL"), "industry_share_pct", mark=mark,
                 key="township_name")
    county = frame.filter(pl.col("township_code") == "ALL")["industry_share_pct"]
    county = county[0] if county.len() else None
    shares = rows["industry_share_pct"].to_list()
    fig = go.Figure(go.Bar(
        x=rows["township_name"].to_list(), y=[0 if v is None else v for v in shares],
        marker_color=[NEUTRAL if v is None else (BAD if v < policy_pct else GOOD) for v in shares],
        text=[("无资金" if v is None else f"{v:.0f}%") for v in shares], textposition="outside",
        hovertemplate="%{x}<br>产业资金占比 %{y:.1f}%<extra></extra>", name="产业资金占比",
    ))
    hline(fig, policy_pct, line=dict(color=BAD, dash="dot", width=2),
                  annotation_text=f"政策要求 ≥ {policy_pct:g}%", annotation_position="top left",
                  annotation_font=dict(color=BAD))
    if county is not None:
        hline(fig, county, line=dict(color=TIME_LINE, dash="dash", width=1.5),
                      annotation_text=f"全县 {county:.1f}%", annotation_position="bottom right",
                      annotation_font=dict(color=TIME_LINE))
    fig.update_yaxes(title_text="产业资金占比（%）", range=[0, 110])
    return base_layout(fig, f"产业资金占比（红 = 低于 {policy_pct:g}%）")


def cumulative_spend(frame: pl.DataFrame) -> go.Figure:
    """Cumulative 支出进度 at each month end of the year against 时间进度 (the straight line of the calendar).

    frame: funds_monthly (as_of, allocated_wan, spent_wan, spend_progress_pct, time_progress_pct).
    """
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=frame["as_of"].to_list(), y=frame["time_progress_pct"].to_list(), name="时间进度",
        mode="lines", line=dict(color=TIME_LINE, dash="dash", width=2),
        hovertemplate="%{x|%m月%d日}<br>时间进度 %{y:.1f}%<extra></extra>"))
    behind = [s is not None and s < t for s, t in zip(frame["spend_progress_pct"], frame["time_progress_pct"])]
    fig.add_trace(go.Scatter(
        x=frame["as_of"].to_list(), y=frame["spend_progress_pct"].to_list(), name="支出进度",
        mode="lines+markers", line=dict(color=NEUTRAL, width=3),
        marker=dict(size=9, color=[BAD if b else GOOD for b in behind]),
        customdata=list(zip(frame["allocated_wan"].to_list(), frame["spent_wan"].to_list())),
        hovertemplate="%{x|%m月%d日}<br>支出进度 %{y:.1f}%<br>累计下达 %{customdata[0]:,.1f} 万元<br>"
                      "累计支出 %{customdata[1]:,.1f} 万元<extra></extra>"))
    fig.update_yaxes(title_text="%", range=[0, 105])
    fig.update_xaxes(tickformat="%m月")
    return base_layout(fig, "累计支出进度 vs 时间进度（红点 = 慢于时间进度）")
