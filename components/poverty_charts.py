"""一升一降 figures: township drop and income growth, the quadrant, the monthly trend, village and structure
breakdowns. Pure builders (frame in, figure out; no Streamlit, no database); red = behind, green = good.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from components.box_grid import BoxGrid
from components.charts import TIME_LINE, base_layout, hline
from components.long_lists import DRAWN_MAX, drawn
from queries.metrics import BAD, GOOD, METRICS, NEUTRAL

PREV_COLOUR = "#b0bec5"  # 年初 (a reference, not a judgement)
MIXED = "#ef6c00"  # good on one axis only
BENCHMARK = "#6a1b9a"


def _townships(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("township_code") != "ALL")


def _county(frame: pl.DataFrame, key: str):
    county = frame.filter(pl.col("township_code") == "ALL")
    return county[key][0] if county.height else None


def incidence_drop_by_township(frame: pl.DataFrame, *, mark: str | None = None) -> go.Figure:
    """一降 per township (percentage points, largest first); red when the township drops less than the county.
    Above long_lists.DRAWN_MAX townships only both ends and `mark` (a 乡镇 name) are drawn.

    frame: township_indicators rows (townships and the ALL row).
    """
    rows = drawn(_townships(frame), "incidence_drop_pp", mark=mark, key="township_name")
    county = _county(frame, "incidence_drop_pp")
    colours = [NEUTRAL if v is None else (BAD if county is not None and v < county else GOOD)
               for v in rows["incidence_drop_pp"]]
    fig = go.Figure(go.Bar(
        x=rows["township_name"].to_list(), y=rows["incidence_drop_pp"].to_list(), marker_color=colours,
        text=[("—" if v is None else f"{v:.2f}") for v in rows["incidence_drop_pp"]], textposition="outside",
        customdata=list(zip(rows["incidence_prev_pct"].to_list(), rows["incidence_pct"].to_list(),
                            rows["poor_persons"].to_list())),
        hovertemplate="%{x}<br>一降 %{y:.2f} 个百分点<br>年初发生率 %{customdata[0]:.2f}% → 当前 %{customdata[1]:.2f}%"
                      "<br>贫困人口 %{customdata[2]:,} 人<extra></extra>",
        name="一降",
    ))
    if county is not None:
        hline(fig, county, line=dict(color=TIME_LINE, dash="dash", width=2),
                      annotation_text=f"全县 {county:.2f} 个百分点", annotation_position="top right",
                      annotation_font=dict(color=TIME_LINE))
    fig.update_yaxes(title_text="一降（个百分点）", rangemode="tozero")
    return base_layout(fig, "一降：发生率较年初下降（红 = 低于全县）")


def income_growth_by_township(frame: pl.DataFrame, benchmark_pct: float, *, mark: str | None = None) -> go.Figure:
    """一升 per township with the county value and the benchmark line; red below the benchmark. Above
    long_lists.DRAWN_MAX townships only both ends and `mark` (a 乡镇 name) are drawn."""
    rows = drawn(_townships(frame), "income_growth_pct", mark=mark, key="township_name")
    county = _county(frame, "income_growth_pct")
    colours = [NEUTRAL if v is None else (BAD if v < benchmark_pct else GOOD) for v in rows["income_growth_pct"]]
    fig = go.Figure(go.Bar(
        x=rows["township_name"].to_list(), y=rows["income_growth_pct"].to_list(), marker_color=colours,
        text=[("无数据" if v is None else f"{v:.1f}%") for v in rows["income_growth_pct"]], textposition="outside",
        customdata=list(zip(rows["income_pc_prev"].to_list(), rows["income_pc"].to_list())),
        hovertemplate="%{x}<br>一升 %{y:.1f}%<br>人均纯收入 %{customdata[0]:,.0f} → %{customdata[1]:,.0f} 元"
                      "<extra></extra>",
        name="收入增幅",
    ))
    hline(fig, benchmark_pct, line=dict(color=BENCHMARK, dash="dot", width=2),
                  annotation_text=f"对照线 {benchmark_pct:g}%", annotation_position="bottom right",
                  annotation_font=dict(color=BENCHMARK))
    if county is not None:
        hline(fig, county, line=dict(color=TIME_LINE, dash="dash", width=2),
                      annotation_text=f"全县 {county:.1f}%", annotation_position="top right",
                      annotation_font=dict(color=TIME_LINE))
    year = _county(frame, "income_year")
    fig.update_yaxes(title_text=f"{year} 年人均纯收入增幅（%）" if year else "人均纯收入增幅（%）", rangemode="tozero")
    return base_layout(fig, "一升：收入增幅（红 = 低于对照线）")


QUADRANT_COLOURS = ((0.0, BAD), (0.5, MIXED), (1.0, GOOD))  # 0, 1 or 2 of the axes good


def quadrant(frame: pl.DataFrame, benchmark_pct: float, *, mark: str | None = None) -> go.Figure:
    """一降 (x) against 一升 (y): the dividing lines are the county's drop and the benchmark growth, so the
    top-right quadrant (green) is good on both and the bottom-left (red) behind on both.

    Above long_lists.DRAWN_MAX townships every township is a dot without a name (one trace, colours by a
    colourscale: cheap at 2,000 points) and only the long_lists cut by 一降 (both ends and `mark`) is named,
    in a last trace on top."""
    rows = _townships(frame).filter(pl.col("incidence_drop_pp").is_not_null()
                                    & pl.col("income_growth_pct").is_not_null())
    x_line = _county(frame, "incidence_drop_pp")
    x_line = 0.0 if x_line is None else x_line
    rows = rows.with_columns(good=(pl.col("incidence_drop_pp") >= x_line).cast(pl.Int8)
                             + (pl.col("income_growth_pct") >= benchmark_pct).cast(pl.Int8))
    fig = go.Figure()
    extent = None
    if rows.height > DRAWN_MAX:
        xs_all, ys_all = rows["incidence_drop_pp"].to_numpy(), rows["income_growth_pct"].to_numpy()
        extent = (float(xs_all.min()), float(xs_all.max()), float(ys_all.min()), float(ys_all.max()))
        fig.add_trace(go.Scatter(
            x=xs_all, y=ys_all, mode="markers", hovertext=rows["township_name"].to_numpy(),
            marker=dict(size=7, color=rows["good"].to_numpy(), cmin=0, cmax=2, colorscale=QUADRANT_COLOURS,
                        opacity=0.55),
            hovertemplate="%{hovertext}<br>一降 %{x:.2f} 个百分点<br>一升 %{y:.1f}%<extra></extra>", name="全部乡镇"))
        rows = drawn(rows, "incidence_drop_pp", mark=mark, key="township_name")
    colours = [(BAD, MIXED, GOOD)[g] for g in rows["good"]]
    xs, ys = rows["incidence_drop_pp"].to_list(), rows["income_growth_pct"].to_list()
    names = rows["township_name"].to_list()
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="markers+text",
        text=names, textposition=label_positions(xs, ys, names, extent=extent),
        marker=dict(size=14, color=colours, line=dict(color="white", width=1)),
        hovertemplate="%{text}<br>一降 %{x:.2f} 个百分点<br>一升 %{y:.1f}%<extra></extra>", name="乡镇",
    ))
    fig.add_vline(x=x_line, line=dict(color=TIME_LINE, dash="dash", width=1.5))
    hline(fig, benchmark_pct, line=dict(color=BENCHMARK, dash="dot", width=1.5))
    for x, y, text, colour, xa, ya in (
        (1, 1, "双优：降得快、增得快", GOOD, "right", "top"),
        (0, 0, "双弱：降得慢、增得慢", BAD, "left", "bottom"),
    ):
        fig.add_annotation(x=x, y=y, xref="paper", yref="paper", text=text, showarrow=False,
                           xanchor=xa, yanchor=ya, font=dict(color=colour, size=13))
    fig.update_xaxes(title_text=f"一降（个百分点；竖线 = 全县 {x_line:.2f}）", zeroline=False)
    fig.update_yaxes(title_text=f"一升（%；横线 = 对照 {benchmark_pct:g}%）")
    fig.update_layout(showlegend=False)
    return base_layout(fig, "一升一降象限图（右上 = 双优，左下 = 双弱）", height=480)


LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left", "top right", "bottom left")


def label_positions(xs: list[float], ys: list[float], names: list[str], *, width_px: float = 560,
                    height_px: float = 380, font_px: float = 14,
                    extent: tuple[float, float, float, float] | None = None) -> list[str]:
    """A text position per point so no two names overlap (greedy, in the plot's pixel space at a laptop's
    size): each name takes the first of LABEL_POSITIONS whose box is clear of the names already placed and
    of the other markers; a crowded point falls back to "top center". `extent` (x min, x max, y min, y max)
    is the plot's data range when it holds more points than these (default: these points' own range); with
    it, a name must also stay inside the plot (the named ends of a province sit at its edges)."""
    if not xs:
        return []
    x_min, x_max, y_min, y_max = extent or (min(xs), max(xs), min(ys), max(ys))
    span_x = (x_max - x_min) or 1.0
    span_y = (y_max - y_min) or 1.0
    px = [(x - x_min) / span_x * width_px for x in xs]
    py = [(y_max - y) / span_y * height_px for y in ys]  # screen y grows downwards
    marker = 9.0  # half the marker (14 px) plus a gap

    def box(i: int, position: str) -> tuple[float, float, float, float]:
        w, h = font_px * len(names[i]) + 4, font_px * 1.3
        vertical, horizontal = position.split()
        x0 = {"center": px[i] - w / 2, "right": px[i] + marker, "left": px[i] - marker - w}[horizontal]
        y0 = {"top": py[i] - marker - h, "bottom": py[i] + marker, "middle": py[i] - h / 2}[vertical]
        return x0, y0, x0 + w, y0 + h

    grid = BoxGrid()
    for j, (x, y) in enumerate(zip(px, py)):
        grid.add((x - marker, y - marker, x + marker, y + marker), owner=j)  # the markers, each owned by its point
    def inside(b: tuple[float, float, float, float]) -> bool:  # a province's names sit at the plot's edges
        return extent is None or (b[0] >= 0 and b[2] <= width_px and b[1] >= -marker and b[3] <= height_px + marker)

    out = []
    for i in sorted(range(len(xs)), key=lambda i: (py[i], px[i])):
        chosen = next((p for p in LABEL_POSITIONS if inside(box(i, p)) and grid.free(box(i, p), ignore=i)),
                      LABEL_POSITIONS[0])
        grid.add(box(i, chosen))
        out.append((i, chosen))
    return [p for _, p in sorted(out)]


def monthly_trend(frame: pl.DataFrame) -> go.Figure:
    """贫困人口 (bars, left axis) and 贫困发生率 (line, right axis) at every month end up to D."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=frame["as_of"].to_list(), y=frame["poor_persons"].to_list(), name="贫困人口（人）",
                         marker_color=PREV_COLOUR, hovertemplate="%{x|%Y年%m月}<br>贫困人口 %{y:,} 人<extra></extra>"))
    fig.add_trace(go.Scatter(x=frame["as_of"].to_list(), y=frame["incidence_pct"].to_list(), name="贫困发生率（%）",
                             yaxis="y2", mode="lines", line=dict(color=BAD, width=2.5),
                             hovertemplate="%{x|%Y年%m月}<br>贫困发生率 %{y:.2f}%<extra></extra>"))
    policy = METRICS["incidence_pct"].policy_line
    fig.update_layout(
        yaxis=dict(title="贫困人口（人）", rangemode="tozero"),
        yaxis2=dict(title="贫困发生率（%）", overlaying="y", side="right", rangemode="tozero", showgrid=False),
        bargap=0.1,
    )
    if policy is not None:
        hline(fig, policy, yref="y2", line=dict(color=GOOD, dash="dot", width=1.5),
                      annotation_text=f"退出标准 {policy:g}%", annotation_position="top right",
                      annotation_font=dict(color=GOOD))
    fig.update_xaxes(tickformat="%Y年", dtick="M12")
    return base_layout(fig, "贫困人口与贫困发生率月度走势（月末）")


def village_incidence(frame: pl.DataFrame, exit_line_pct: float) -> go.Figure:
    """贫困发生率 per village at D against the exit line (red above it), with the year-start value as a marker."""
    rows = frame.sort("incidence_pct", descending=True, nulls_last=True)
    colours = [NEUTRAL if v is None else (BAD if v >= exit_line_pct else GOOD) for v in rows["incidence_pct"]]
    labels = [f"{n}{'（贫困村）' if p else ''}" for n, p in zip(rows["village_name"], rows["is_poor_village"])]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=labels, y=rows["incidence_pct"].to_list(), marker_color=colours, name="当前发生率",
                         customdata=list(zip(rows["poor_persons"].to_list(), rows["rural_population"].to_list())),
                         hovertemplate="%{x}<br>贫困发生率 %{y:.2f}%<br>贫困人口 %{customdata[0]:,} / 农业户籍人口 "
                                       "%{customdata[1]:,}<extra></extra>"))
    fig.add_trace(go.Scatter(x=labels, y=rows["incidence_prev_pct"].to_list(), mode="markers", name="年初发生率",
                             marker=dict(symbol="line-ew", size=18, line=dict(width=3, color=NEUTRAL)),
                             hovertemplate="%{x}<br>年初 %{y:.2f}%<extra></extra>"))
    hline(fig, exit_line_pct, line=dict(color=BAD, dash="dot", width=1.5),
                  annotation_text=f"出列标准 {exit_line_pct:g}%", annotation_position="top right",
                  annotation_font=dict(color=BAD))
    fig.update_yaxes(title_text="贫困发生率（%）", rangemode="tozero")
    fig.update_xaxes(tickangle=-45)
    return base_layout(fig, "各村贫困发生率（红色 = 未达出列标准；横线 = 年初）")


def breakdown(frame: pl.DataFrame, dimension: str, title: str) -> go.Figure:
    """Households 未脱贫 and 已脱贫 at D per category of one dimension (main_cause or attribute), stacked."""
    rows = frame.filter(pl.col("dimension") == dimension).sort("registered_households")
    fig = go.Figure()
    fig.add_trace(go.Bar(y=rows["category"].to_list(), x=rows["exited_households"].to_list(), orientation="h",
                         name="已脱贫（户）", marker_color=GOOD,
                         hovertemplate="%{y}<br>已脱贫 %{x:,} 户<extra></extra>"))
    fig.add_trace(go.Bar(y=rows["category"].to_list(), x=rows["poor_households"].to_list(), orientation="h",
                         name="未脱贫（户）", marker_color=BAD, customdata=rows["poor_persons"].to_list(),
                         hovertemplate="%{y}<br>未脱贫 %{x:,} 户 / %{customdata:,} 人<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="户数", showgrid=True, gridcolor="#eceff1")
    return base_layout(fig, title, height=max(320, 60 + 36 * rows.height))
