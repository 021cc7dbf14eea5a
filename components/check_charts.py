"""Figures of the 数据核查 and 防返贫监测 page: pure builders (a frame in, a plotly figure out).

Colours: issue counts and risk run from white to the house red (queries.metrics.BAD) — more is worse;
severities 高/中/低 are red, amber and slate everywhere on the page.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl

from components.charts import base_layout, highlight
from queries.metrics import BAD, NEUTRAL

SEVERITY_COLOURS = {"高": BAD, "中": "#ef8f00", "低": NEUTRAL}


def issue_heatmap(matrix: pl.DataFrame, rules: pl.DataFrame, *, mark: str | None = None,
                  column_max: list[int] | None = None) -> go.Figure:
    """Townships × rules heat table of issue counts (0 shown blank, white); the rule axis uses the 简称.

    The shade is relative within each rule (the darkest cell is the township with most of that problem), so a
    rule with hundreds of records does not wash out the rare but grave ones; the numbers are the counts.

    matrix: check_views.heat_matrix (township_code, township_name, one column per rule_id), or the rows of it a
    long list draws (check_views.heat_drawn); column_max: each rule's largest count over every township (the
    shade's scale when `matrix` is cut; default: over the rows given); rules: checks_registry.rules_frame()
    (rule_id, short, severity, title); mark: a 乡镇 name (the viewer's own) whose row is framed and whose label
    is bold with ▶ (charts.highlight). Arrays, not per-cell Python lists: plotly validates numpy in one copy.
    """
    rule_ids = rules["rule_id"].to_list()
    shorts = [f"{s}·{sev}" for s, sev in zip(rules["short"], rules["severity"])]
    titles = np.array(rules["title"].to_list(), dtype=object)
    counts = matrix.select(rule_ids).to_numpy().astype(np.int64).reshape(matrix.height, len(rule_ids))
    top = np.array(column_max if column_max is not None else counts.max(axis=0, initial=0), dtype=np.int64)
    shade = counts / np.where(top > 0, top, 1)
    names = matrix["township_name"].to_list()
    text = np.where(counts == 0, "", counts.astype(str)).astype(object)
    custom = np.dstack([np.broadcast_to(titles, counts.shape), counts.astype(object)])
    fig = go.Figure(go.Heatmap(
        z=shade, x=shorts, y=names, text=text, texttemplate="%{text}", customdata=custom,
        colorscale=[[0, "#ffffff"], [0.001, "#fde0dc"], [1, BAD]], zmin=0, zmax=1,
        xgap=2, ygap=2, showscale=False,
        hovertemplate="%{y}<br>%{customdata[0]}<br>问题 %{customdata[1]} 条<extra></extra>",
    ))
    fig.update_xaxes(side="top", tickangle=-40, tickfont=dict(size=12))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=13))
    height = 215 + 30 * max(len(names), 1)
    fig = base_layout(fig, "各乡镇核查问题数<br><span style='font-size:13px'>每列颜色最深 = 该项问题最多的乡镇</span>",
                      height=height)
    # the two-line title's foot 56 px from the top, the rotated rule names below it (plotly clips a
    # multi-line title anchored at its top)
    fig.update_layout(margin=dict(l=10, r=10, t=205, b=10),
                      title=dict(y=1 - 56 / height, yref="container", yanchor="bottom"))
    return highlight(fig, mark)


def weekly_trend(frame: pl.DataFrame) -> go.Figure:
    """Issue counts at D, D−7, ... stacked by severity, with the total on top of each bar.

    frame: check_views.weekly_by_severity (week, severity, issues).
    """
    fig = go.Figure()
    weeks = frame["week"].unique().sort().to_list()
    labels = [f"{w:%m-%d}" for w in weeks]
    for severity, colour in SEVERITY_COLOURS.items():
        rows = frame.filter(pl.col("severity") == severity).sort("week")
        fig.add_trace(go.Bar(x=labels, y=rows["issues"].to_list(), name=f"{severity}（严重程度）",
                             marker_color=colour,
                             hovertemplate="%{x}<br>" + severity + " %{y} 条<extra></extra>"))
    totals = frame.group_by("week").agg(pl.col("issues").sum()).sort("week")["issues"].to_list()
    fig.add_trace(go.Scatter(x=labels, y=totals, mode="text", text=[f"{t:,}" for t in totals],
                             textposition="top center", showlegend=False, hoverinfo="skip"))
    fig.update_layout(barmode="stack", legend=dict(traceorder="normal"))
    fig.update_yaxes(title_text="问题数（条）", range=[0, max(totals, default=0) * 1.15 + 1])
    fig.update_xaxes(title_text="数据截止日期（每周）", type="category")
    return base_layout(fig, "核查问题数逐周变化", height=380)


def returns_by_month(frame: pl.DataFrame) -> go.Figure:
    """返贫 households per month. frame: check_views.returns_by_month (month, households, persons)."""
    fig = go.Figure(go.Bar(
        x=[f"{m:%Y-%m}" for m in frame["month"]], y=frame["households"].to_list(), marker_color=BAD,
        customdata=frame["persons"].to_list(),
        hovertemplate="%{x}<br>返贫 %{y} 户，%{customdata} 人<extra></extra>",
    ))
    fig.update_yaxes(title_text="返贫户数（户）", rangemode="tozero", dtick=1 if frame["households"].max() <= 5 else None)
    fig.update_xaxes(type="category", tickangle=-45)
    return base_layout(fig, "返贫户数（按月）", height=340)


def returns_by_cause(frame: pl.DataFrame, title: str) -> go.Figure:
    """返贫 households by 主要致贫原因. frame: check_views.returns_by_cause (main_cause, households, persons)."""
    rows = frame.sort("households", descending=False)
    fig = go.Figure(go.Bar(
        x=rows["households"].to_list(), y=rows["main_cause"].to_list(), orientation="h", marker_color=BAD,
        text=[f"{h} 户" for h in rows["households"]], textposition="auto", insidetextanchor="end",
        customdata=rows["persons"].to_list(),
        hovertemplate="%{y}<br>返贫 %{x} 户，%{customdata} 人<extra></extra>",
    ))
    fig.update_xaxes(title_text="返贫户数（户）", range=[0, max(rows["households"].max() or 1, 1) * 1.45])
    return base_layout(fig, title, height=120 + 32 * max(rows.height, 1))
