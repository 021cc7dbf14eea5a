"""The chart helpers as they were before issue 18 (charts.base_layout by update_layout, target_vs_time and
highlight on Python lists, text.inert_links rewriting every text array): the reference the faster paths are
compared with in test_chart_paths.py. Not used by the product."""

from __future__ import annotations

import datetime as dt
import re

import plotly.graph_objects as go
import polars as pl

from components.charts import DATE_TICKS, FONT, HIGHLIGHT_LINE, LINE_NOTE_MARGIN, TIME_LINE
from queries.metrics import BAD, GOOD, METRICS, NEUTRAL

_LINK_TAG = re.compile(r"<(\s*/?\s*a\b)", re.IGNORECASE)
_TRACE_TEXT = ("x", "y", "text", "hovertext", "labels", "ids", "locations", "name", "title")


def _inert(value):
    if isinstance(value, str):
        return _LINK_TAG.sub(r"&lt;\1", value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, str) for v in value):
        return [_inert(v) for v in value]
    if getattr(value, "dtype", None) is not None and value.dtype.kind in "OU":  # numpy arrays of text
        return [_inert(v) for v in value.tolist()]
    return value


def inert_links(fig):
    """Plotly turns `<a href=...>` in any tick, label, legend or hover text into a live link; the builders never
    put one there, so any such tag comes from data (a name) and is shown as text. Returns the figure."""
    for trace in fig.data:
        for attr in _TRACE_TEXT:
            if attr in trace and trace[attr] is not None and not hasattr(trace[attr], "to_plotly_json"):
                cleaned = _inert(trace[attr])
                if cleaned is not trace[attr]:
                    trace[attr] = cleaned
    if fig.layout.title.text:
        fig.layout.title.text = _inert(fig.layout.title.text)
    for axis in [getattr(fig.layout, name) for name in fig.layout if name.startswith(("xaxis", "yaxis"))]:
        for attr in ("categoryarray", "ticktext", "tickvals"):  # categories must match the escaped x/y
            if axis[attr] is not None:
                axis[attr] = _inert(axis[attr])
    for annotation in fig.layout.annotations:
        for attr in ("text", "x", "y"):
            if isinstance(annotation[attr], str):
                annotation[attr] = _inert(annotation[attr])
    return fig


def _is_date(value) -> bool:
    return isinstance(value, (dt.date, dt.datetime)) or (
        isinstance(value, str) and len(value) >= 7 and value[4] == "-" and value[:4].isdigit())


def chinese_axes(fig: go.Figure) -> go.Figure:
    """Ticks a Chinese reader reads as written: full numbers with thousands separators (never Plotly's SI
    "12k"), and on date axes 2020年4月 / 4月3日 (an axis whose builder set its own tickformat keeps it)."""
    fig.update_xaxes(exponentformat="none", separatethousands=True)
    fig.update_yaxes(exponentformat="none", separatethousands=True)
    date_axes = set()
    for trace in fig.data:
        for letter in ("x", "y"):
            values = getattr(trace, letter, None)
            if values is not None and len(values) and _is_date(values[0]):
                ref = getattr(trace, f"{letter}axis", None) or letter
                date_axes.add(ref[0] + "axis" + ref[1:])
    # An axis whose every value is 0 (a date before the data) would autorange to −1…1: show 0…1 instead.
    for letter, update in (("y", fig.update_yaxes), ("x", fig.update_xaxes)):
        values = [v for t in fig.data if t.type == "bar" and getattr(t, letter) is not None
                  for v in getattr(t, letter) if isinstance(v, (int, float))]
        if values and all(v == 0 for v in values):
            update(range=[0, 1])
    stops = [dict(dtickrange=list(r), value=f) for r, f in DATE_TICKS]
    for name in date_axes:
        axis = fig.layout[name]
        if not axis.tickformat:
            axis.tickformatstops = stops
        if not axis.hoverformat:
            axis.hoverformat = "%Y年%-m月%-d日"
    return fig


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
    return inert_links(chinese_axes(fig))  # names in ticks and hovers are data: a <a href> in one stays text


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
    fig.update_yaxes(title_text=f"{METRICS['target_progress_pct'].label}（%）", rangemode="tozero")
    fig = base_layout(fig, "年度减贫任务进度 vs 时间进度（红色 = 滞后）")
    if time_progress is not None:
        # The two lines are named in the right margin, beside the plot: inside it their notes covered the
        # value labels of the bars that end near them (often the viewer's own). The time note sits above its
        # line and the lag note below its own, so the two never meet however close the lines are.
        for y, text, colour, dash, width, side in (
            (time_progress, f"时间进度<br>{time_progress:.1f}%", TIME_LINE, "dash", 2, "bottom"),
            (time_progress - lag_threshold, f"滞后线<br>−{lag_threshold:g} 个百分点", BAD, "dot", 1, "top"),
        ):
            fig.add_hline(y=y, line=dict(color=colour, dash=dash, width=width))
            fig.add_annotation(x=1, xref="paper", xanchor="left", xshift=4, y=y, yref="y", yanchor=side,
                               showarrow=False, text=text, align="left", font=dict(color=colour, size=12))
        fig.update_layout(margin=dict(r=LINE_NOTE_MARGIN))
    return fig


def highlight(fig: go.Figure, name: str | None) -> go.Figure:
    """Mark one township on a county-wide chart: its bars get a thick dark-blue outline, its markers a ring,
    its heatmap row a dark-blue frame, and its category tick is bold with a ▶ ("本乡镇"). Bars are matched on
    the category axis (x, or y when horizontal); scatter points on their text; heatmap rows on y. Other traces
    are left as they are; no name = no change."""
    if not name:
        return fig
    marked_axes = set()
    for trace in fig.data:
        if trace.type == "heatmap" and trace.y is not None and name in list(trace.y):
            rows, columns = list(trace.y), len(trace.x) if trace.x is not None else len(trace.z[0])
            row = rows.index(name)
            fig.add_shape(type="rect", x0=-0.5, x1=columns - 0.5, y0=row - 0.5, y1=row + 0.5,
                          xref=trace.xaxis or "x", yref=trace.yaxis or "y",
                          line=dict(color=HIGHLIGHT_LINE, width=3), fillcolor="rgba(0,0,0,0)", layer="above")
            marked_axes.add((trace.yaxis or "y", tuple(rows)))
            continue
        if trace.type == "bar":
            horizontal = trace.orientation == "h"
            categories = list(trace.y if horizontal else trace.x) if (trace.y if horizontal else trace.x) is not None else []
            if name not in categories and not any(str(c).endswith(f" {name}") for c in categories):
                continue
            hit = [c == name or str(c).endswith(f" {name}") for c in categories]
            trace.marker.line = dict(color=[HIGHLIGHT_LINE if h else "rgba(0,0,0,0)" for h in hit],
                                     width=[3.5 if h else 0 for h in hit])
            axis = (trace.yaxis or "y") if horizontal else (trace.xaxis or "x")
            marked_axes.add((axis, tuple(categories)))
        elif trace.type == "scatter" and trace.text is not None and not isinstance(trace.text, str):
            texts = list(trace.text)
            if name not in texts:
                continue
            hit = [t == name for t in texts]
            trace.marker.line = dict(color=[HIGHLIGHT_LINE if h else "white" for h in hit],
                                     width=[4 if h else 1 for h in hit])
            trace.textfont = dict(color=[HIGHLIGHT_LINE if h else "#1a1a1a" for h in hit])
            trace.text = [f"<b>{t}</b>" if h else t for t, h in zip(texts, hit)]
    for axis, categories in marked_axes:
        layout_axis = fig.layout[axis[0] + "axis" + axis[1:]]
        layout_axis.tickmode = "array"
        layout_axis.tickvals = list(categories)
        layout_axis.ticktext = [f"<b>▶{c}</b>" if c == name or str(c).endswith(f" {name}") else c
                                for c in categories]
    return fig
