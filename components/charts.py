"""Plotly figure builders shared by pages: pure functions, a frame in and a figure out (no Streamlit, no database).

Colours follow queries/metrics.py: red = behind / the bad way, green = the good way, everywhere.
"""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import plotly.graph_objects as go
import polars as pl

from components.long_lists import drawn, left_out
from components.text import inert_links
from queries.metrics import BAD, GOOD, METRICS, NEUTRAL

FONT = dict(family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", size=14)
TIME_LINE = "#1565c0"
# Date ticks in Chinese at every zoom (Plotly's defaults are "Apr 2020", "May 3"): (dtick range, format).
DATE_TICKS = (
    ((None, 86_400_000), "%-m月%-d日 %H:%M"),
    ((86_400_000, "M1"), "%-m月%-d日"),
    (("M1", "M12"), "%Y年%-m月"),
    (("M12", None), "%Y年"),
)
PLOTLY_CONFIG = {"displaylogo": False}


def _is_date(value) -> bool:
    return isinstance(value, (dt.date, dt.datetime)) or (
        isinstance(value, str) and len(value) >= 7 and value[4] == "-" and value[:4].isdigit())


def chinese_axes(fig: go.Figure) -> go.Figure:
    """Ticks a Chinese reader reads as written: full numbers with thousands separators (never Plotly's SI
    "12k"), and on date axes 2020年4月 / 4月3日 (an axis whose builder set its own tickformat keeps it)."""
    layout = _layout_dict(fig)
    _chinese_axes(layout, fig.data)
    fig.layout = layout
    return fig


def _layout_dict(fig: go.Figure) -> dict:
    """The figure's layout as plain dicts, without the template (Plotly sets the default one again when the
    layout is assigned): edited as dicts and assigned once, the layout is validated once (~5 ms) instead of
    once per `update_layout`/`update_xaxes` path (~80 ms a chart, most of a page's Plotly time)."""
    return copy.deepcopy({k: v for k, v in fig.layout._props.items() if k != "template"})


def _merge(target: dict, update: dict) -> None:
    """`update` into `target` as `fig.update_layout` does: dicts merged key by key, anything else replaced."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _axes(layout: dict, letter: str) -> list[dict]:
    """Every x (or y) axis of the layout, the first one created when missing (as `fig.update_xaxes` does)."""
    names = sorted({f"{letter}axis"} | {k for k in layout if k.startswith(f"{letter}axis")},
                   key=lambda k: int(k[5:] or 1))
    return [layout.setdefault(name, {}) for name in names]


def _chinese_axes(layout: dict, data) -> None:
    for letter in ("x", "y"):
        for axis in _axes(layout, letter):
            _merge(axis, {"exponentformat": "none", "separatethousands": True})
    date_axes = set()
    for trace in data:
        for letter in ("x", "y"):
            values = getattr(trace, letter, None)
            if values is not None and len(values) and _is_date(values[0]):
                ref = getattr(trace, f"{letter}axis", None) or letter
                date_axes.add(ref[0] + "axis" + ref[1:])
    # An axis whose every value is 0 (a date before the data) would autorange to −1…1: show 0…1 instead.
    for letter in ("y", "x"):
        if _all_zero([getattr(t, letter) for t in data if t.type == "bar" and getattr(t, letter) is not None]):
            for axis in _axes(layout, letter):
                axis["range"] = [0, 1]
    stops = [dict(dtickrange=list(r), value=f) for r, f in DATE_TICKS]
    for name in date_axes:
        axis = layout.setdefault(name, {})
        if not axis.get("tickformat"):
            axis["tickformatstops"] = copy.deepcopy(stops)
        if not axis.get("hoverformat"):
            axis["hoverformat"] = "%Y年%-m月%-d日"


def _all_zero(arrays) -> bool:
    """Whether the numbers among these trace arrays are all 0, and there is at least one (numpy arrays compared
    at once, lists element by element as before)."""
    seen = False
    for values in arrays:
        if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
            if values.size:
                seen = True
                if np.any(values != 0):
                    return False
            continue
        numbers = [v for v in values if isinstance(v, (int, float))]
        if numbers:
            seen = True
            if any(v != 0 for v in numbers):
                return False
    return seen


def base_layout(fig: go.Figure, title: str, *, height: int = 420) -> go.Figure:
    """Title, font, margins, white background, the legend above the plot, light grid; Chinese axes; names made
    inert. The layout is edited as one dict and assigned once (see _layout_dict): the same figure as
    `update_layout` + `update_xaxes` + `update_yaxes` + `chinese_axes` gave, at a tenth of the cost."""
    layout = _layout_dict(fig)
    _merge(layout, dict(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=18)),
        font=FONT, height=height, margin=dict(l=10, r=10, t=60, b=10),
        plot_bgcolor="white", paper_bgcolor="white",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        hoverlabel=dict(font=FONT),
    ))
    for axis in _axes(layout, "x"):
        _merge(axis, {"showgrid": False, "automargin": True})
    for axis in _axes(layout, "y"):
        _merge(axis, {"gridcolor": "#eceff1", "zeroline": False, "automargin": True})
    _chinese_axes(layout, fig.data)
    fig.layout = layout
    return inert_links(fig)  # names in ticks and hovers are data: a <a href> in one stays text


# annotation_position of fig.add_hline -> the note's x (in the x domain), xanchor and yanchor
_NOTE_AT = {"top right": (1, "right", "bottom"), "bottom right": (1, "right", "top"),
            "top left": (0, "left", "bottom"), "bottom left": (0, "left", "top")}


def hline(fig: go.Figure, y: float, *, line: dict, yref: str = "y", annotation_text: str | None = None,
          annotation_position: str = "top right", annotation_font: dict | None = None) -> go.Figure:
    """The line and note `fig.add_hline` draws across the plot at `y` (same shape and annotation), appended
    directly: add_hline's subplot machinery costs ~4 ms a line, several lines a chart, on every view."""
    fig.layout.shapes += (dict(type="line", x0=0, x1=1, xref="x domain", y0=y, y1=y, yref=yref, line=line),)
    if annotation_text is not None:
        x, xanchor, yanchor = _NOTE_AT[annotation_position]
        note = dict(showarrow=False, text=annotation_text, x=x, xanchor=xanchor, xref="x domain", y=y,
                    yanchor=yanchor, yref=yref)
        if annotation_font is not None:
            note["font"] = annotation_font
        fig.layout.annotations += (note,)
    return fig


LINE_NOTE_MARGIN = 92  # px right of the plot for the names of the time and lag lines


def target_vs_time(frame: pl.DataFrame, lag_threshold: float, *, mark: str | None = None) -> go.Figure:
    """年度目标进度 by township against 时间进度; lagging townships (behind by more than the threshold) in red.
    Above long_lists.DRAWN_MAX townships only both ends of the order and `mark` (a 乡镇 name) are drawn.

    frame: township rows of township_indicators (township_name, target_progress_pct, time_progress_pct,
    lagging, exited_persons_ytd, target_exit_persons).
    """
    rows = drawn(frame.filter(pl.col("township_code") != "ALL"), "target_progress_pct", mark=mark,
                 key="township_name")
    time_progress = rows["time_progress_pct"].max() if rows.height else None
    colours = rows.select(pl.when(pl.col("lagging")).then(pl.lit(BAD))
                          .when(pl.col("target_progress_pct").is_null()).then(pl.lit(NEUTRAL))
                          .otherwise(pl.lit(GOOD)))
    fig = go.Figure(go.Bar(
        x=rows["township_name"].to_numpy(),
        y=rows["target_progress_pct"].fill_null(0).to_numpy(),
        marker_color=colours.to_series().to_numpy(),
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
            hline(fig, y, line=dict(color=colour, dash=dash, width=width))
            fig.add_annotation(x=1, xref="paper", xanchor="left", xshift=4, y=y, yref="y", yanchor=side,
                               showarrow=False, text=text, align="left", font=dict(color=colour, size=12))
        fig.update_layout(margin=dict(r=LINE_NOTE_MARGIN))
    return fig


HIGHLIGHT_LINE = "#0d47a1"  # the viewer's own township: a dark blue outline, distinct from red/green


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
            values = trace.y if horizontal else trace.x
            if values is None:
                continue
            hit = _hits(values, name)
            if not hit.any():
                continue
            # per-point arrays as numpy: Plotly copies them instead of walking a list element by element
            trace.marker.line = dict(color=np.where(hit, HIGHLIGHT_LINE, "rgba(0,0,0,0)").astype(object),
                                     width=np.where(hit, 3.5, 0.0))
            axis = (trace.yaxis or "y") if horizontal else (trace.xaxis or "x")
            marked_axes.add((axis, tuple(values)))
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


def _hits(categories, name: str) -> np.ndarray:
    """Which categories are the township `name`: the name itself, or a label ending in " name" (a ranked "3 西河乡")."""
    labels = np.asarray(categories, dtype=object).astype(str)
    return (labels == name) | np.char.endswith(labels, f" {name}")


def township_note(fig: go.Figure, total: int, what: str, *, mark: str | None = None) -> str | None:
    """The long_lists caption of a township chart cut by `drawn`: its last trace holds the drawn townships."""
    trace = fig.data[-1]
    values = trace.y if getattr(trace, "orientation", None) == "h" else trace.x
    return left_out(total, 0 if values is None else len(values), what, marked=mark is not None)
