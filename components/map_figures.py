"""Figures of 挂图作战: the township map coloured by an indicator, its monthly replay, and the A3 print sheet.

Pure builders (frames in, plotly figure out; no Streamlit, no database). Offline by construction: a
`go.Choroplethmap` over the GeoJSON itself on an inline MapLibre style with no sources, tiles or glyph
server (`go.Choropleth` would fetch a world topojson from a CDN). Text on the map (township names and
values) is a `go.Scattermap` text trace; MapLibre draws it with the browser's own fonts when the style
has no "glyphs" (checked in headless Chromium with every non-local request blocked, and in kaleido).

Colours come from queries.metrics: red = behind / the bad way, green = the good way, for every indicator.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import plotly.graph_objects as go
import polars as pl
from shapely.geometry import Point, shape

from components import map_geometry as geo
from components.charts import FONT
from components.long_lists import DRAWN_MAX
from components.text import plotly_text
from queries.metrics import BAD, GOOD, METRICS, NEUTRAL, Metric

# The indicators the map can be coloured by (columns of township_indicators), in menu order.
MAP_METRICS = ("incidence_pct", "incidence_drop_pp", "income_growth_pct", "target_progress_pct",
               "balance_rate_pct", "completion_pct", "score")
# The indicators map_monthly.sql gives per month (the replay can animate these).
ANIMATED_METRICS = ("incidence_pct", "poor_persons", "incidence_drop_pp")
SHORT_LABELS = {"incidence_drop_pp": "一降", "income_growth_pct": "收入增幅"}

BLANK_STYLE = {"version": 8, "sources": {}, "layers": [
    {"id": "bg", "type": "background", "paint": {"background-color": "#ffffff"}}]}
NO_DATA = "#cfd8dc"
LAG_LINE = BAD
SELECTED_LINE = "#0d47a1"
BORDER = "#455a64"
VILLAGE_COLOURS = {"未出列贫困村": BAD, "已出列贫困村": "#1565c0", "非贫困村": "#607d8b"}  # distinct from the fills
MAP_HEIGHT = 620
# The width the on-screen view is fitted to (Streamlit does not tell Python the column width): a laptop's
# content column; wider screens show the same view with more white around it.
MAP_WIDTH_HINT = 600
PHONE_WIDTH_HINT = 350  # a phone's content column (390 px screen less Streamlit's padding)
# The replay's controls under the map, each from the map's bottom edge down in px (the layout takes fractions of the
# map's height, so fixed fractions overlapped at 620 px and more so at a phone's 480): the colour bar with its title
# above the bar and its ticks below (~75 px), then one row of the 播放/暂停 buttons at the left and the slider's 月份
# label at the right, then the slider's rail the whole width (at any width: no pixel of it under the buttons).
REPLAY_TOP_PX, REPLAY_BOTTOM_PX = 10, 190
REPLAY_BELOW_PX = {"colorbar": 4, "slider": 84, "buttons": 84}
REPLAY_RAIL_OFFSET_PX = 22
PHONE_MAP_HEIGHT = 480  # the county fitted to a phone's width needs less height
A3_LANDSCAPE_PX = (1587, 1123)  # 420 x 297 mm at 96 px per inch (kaleido's PDF page = figure size)
TOWNSHIP_CURVE = 0  # trace index of the township choropleth
CLICK_TRACE = "乡镇点选"  # the marker traces (one per township) that clicks and hovers land on
CLICK_TARGET_PX = 44  # the marker under a township's name
CLICK_GRID_PX = 14  # the markers covering a township's area: this far apart, this wide
LAG_LEGEND = "红色粗框：滞后乡镇（年度目标进度落后时间进度）"
LABEL_BACKING = "乡镇名称底色"  # province scale: the white marker under each name drawn


def screen_size_for(user_agent: str | None) -> dict:
    """The on-screen map's height and fitted width for this browser (Streamlit tells Python nothing about the
    screen): a phone (its User-Agent says "Mobi", as every phone browser's does) gets a view that fits its
    narrow column, so no township is cut off at the sides."""
    if user_agent and "Mobi" in user_agent:
        return {"width_hint": PHONE_WIDTH_HINT, "height": PHONE_MAP_HEIGHT}
    return {"width_hint": MAP_WIDTH_HINT, "height": MAP_HEIGHT}


def short_label(key: str) -> str:
    return SHORT_LABELS.get(key, METRICS[key].label)


def legend_title(key: str) -> str:
    """Colour bar title in Chinese with the unit: '贫困发生率（%）'."""
    return f"{short_label(key)}（{METRICS[key].unit}）"


def colour_scale(metric: Metric) -> list[list]:
    """Red at the bad end, green at the good end (reversed for lower-is-better indicators)."""
    bad_to_good = [[0.0, "#d84343"], [0.25, "#f08a4b"], [0.5, "#fbe38e"], [0.75, "#a5d6a7"], [1.0, "#3f9b4a"]]
    if metric.higher_is_better is False:
        return [[round(1 - pos, 2), colour] for pos, colour in reversed(bad_to_good)]
    if metric.higher_is_better is None:
        return [[0.0, "#eceff1"], [1.0, NEUTRAL]]
    return bad_to_good


def value_text(key: str, value) -> str:
    """The value as a map label: compact, with its unit ('12.34%', '1,234人', '2.50个百分点')."""
    return METRICS[key].format(value).replace(" ", "") if value is not None else "无数据"


def colour_range(key: str, values: list, time_progress: float | None = None) -> dict:
    """zmin/zmax (and zmid) of the colour scale.

    年度目标进度 is judged against 时间进度 (DESIGN.md "Annual target"), so its scale is centred there:
    a township behind the calendar is on the red side even if it is the best of a weak county.
    """
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not present:
        return {"zmin": 0, "zmax": 1}
    low, high = min(present), max(present)
    if key == "target_progress_pct" and time_progress is not None:
        half = max(abs(high - time_progress), abs(time_progress - low), 5.0)
        return {"zmin": time_progress - half, "zmax": time_progress + half}
    if high - low < 1e-9:
        pad = max(abs(high) * 0.05, 0.5)
        return {"zmin": low - pad, "zmax": high + pad}
    return {"zmin": low, "zmax": high}


def _hover_text(row: dict) -> str:
    m = METRICS
    lines = [f"<b>{row['township_name']}</b>",
             f"贫困人口 {m['poor_persons'].format(row.get('poor_persons'))}",
             f"贫困发生率 {m['incidence_pct'].format(row.get('incidence_pct'))}",
             f"一降 {m['incidence_drop_pp'].format(row.get('incidence_drop_pp'))}",
             f"收入增幅 {m['income_growth_pct'].format(row.get('income_growth_pct'))}"]
    if row.get("target_exit_persons"):
        lines.append(f"年度目标进度 {m['target_progress_pct'].format(row.get('target_progress_pct'))}"
                     f"（已脱贫 {row.get('exited_persons_ytd', 0):,} / 计划 {row['target_exit_persons']:,} 人）"
                     + ("　<span style='color:#c62828'>滞后</span>" if row.get("lagging") else ""))
    else:
        lines.append("年度目标进度 —（无年度计划）")
    lines += [f"资金结余率 {m['balance_rate_pct'].format(row.get('balance_rate_pct'))}",
              f"项目完工率 {m['completion_pct'].format(row.get('completion_pct'))}"]
    if row.get("score") is not None:
        lines.append(f"综合得分 {row['score']:.1f} 分（第 {row.get('rank')} 名）")
    return "<br>".join(lines)


def _outline_layer(geometry: geo.Boundaries, codes: list[str], colour: str, width: float,
                   dash: list[float] | None = None) -> dict:
    """A MapLibre line layer over the choropleth (inline GeoJSON source, nothing fetched)."""
    layer = {"sourcetype": "geojson", "source": geometry.collection(codes), "type": "line",
             "color": colour, "line": {"width": width}}
    if dash:
        layer["line"]["dash"] = dash
    return layer


def township_map(indicators: pl.DataFrame, boundaries: pl.DataFrame | geo.Boundaries, key: str, *,
                 selected: str | None = None, villages: pl.DataFrame | None = None, mark: str | None = None,
                 height: int = MAP_HEIGHT, width_hint: int = MAP_WIDTH_HINT,
                 label_size: int = 12, lagging_layer: bool | None = None) -> go.Figure:
    """The townships coloured by indicator `key`, names and values as labels.

    indicators: township rows of township_indicators (the ALL row is ignored). boundaries: map_boundaries, or the
    same prepared once (map_geometry.prepare: the page passes its version's, so no geometry is redone per view).
    selected: a 乡镇代码 to outline and zoom to; villages: map_villages rows of that township, drawn as
    markers inside it (sized by 贫困人口, coloured by 未出列/已出列/非贫困村).
    mark: the viewer's own township (a township head's), named even where names are left out.
    lagging_layer: outline the lagging townships in red, with a legend entry saying what 滞后 means. By
    default only on the 年度目标进度 map, the one indicator lagging is about (a red frame on a 贫困发生率 map
    would read as "high incidence"); the "滞后" word goes into the labels on that map only.

    Up to long_lists.DRAWN_MAX townships (a county) every township is named and each has a click trace of its
    own. Above it (a province: thousands of townships a few pixels wide) every township keeps its colour and its
    hover, but only the names that fit inside their township on screen are drawn, plus the selected and the
    marked township's; the click targets of the townships in view are one trace.
    """
    metric = METRICS[key]
    geometry = geo.prepared(boundaries)
    rows = (indicators.filter((pl.col("township_code") != "ALL") & pl.col("township_code").is_in(geometry.codes))
            .sort("township_code"))
    records = rows.to_dicts()
    for r in records:  # a name is data: a <a href> in one stays text (map text is Plotly's HTML-like markup)
        r["township_name"] = plotly_text(r["township_name"])
    crowded = len(records) > DRAWN_MAX
    # Numbers go to Plotly as float arrays, text as lists of str: orjson then writes the figure in one call (an
    # array of objects would send plotly.io through its per-value clean-up of the whole figure).
    codes = [r["township_code"] for r in records]
    hover = [_hover_text(r) for r in records]
    values = [r[key] for r in records]
    time_progress = records[0]["time_progress_pct"] if records else None
    filled = [i for i, v in enumerate(values) if v is not None]
    blank = [i for i, v in enumerate(values) if v is None]

    def fill_hover(indices: list[int], template: str) -> dict:
        """The fill's hover text; none at province scale, where the click markers carry the only copy (the fill's
        own picking does not work in the browser: see map_geometry.click_grid)."""
        return dict(hoverinfo="skip") if crowded else dict(text=[hover[i] for i in indices], hovertemplate=template)

    fig = go.Figure()
    fig.add_trace(go.Choroplethmap(
        geojson=geometry.collection(codes), featureidkey="id",
        locations=[codes[i] for i in filled], z=np.array([float(values[i]) for i in filled], dtype=float),
        colorscale=colour_scale(metric), **colour_range(key, values, time_progress),
        marker=dict(opacity=0.45 if villages is not None and selected else 0.9, line=dict(color=BORDER, width=1)),
        **fill_hover(filled, "%{text}<extra></extra>"),
        colorbar=dict(title=dict(text=legend_title(key), side="top"), orientation="h", x=0.5, xanchor="center",
                      y=-0.01, yanchor="top", len=0.7, thickness=14, ticksuffix=_tick_suffix(metric)),
        name=short_label(key), showlegend=False,
    ))
    if blank:
        fig.add_trace(go.Choroplethmap(
            geojson=geometry.collection([codes[i] for i in blank]), featureidkey="id",
            locations=[codes[i] for i in blank], z=np.zeros(len(blank)), colorscale=[[0, NO_DATA], [1, NO_DATA]],
            showscale=False, marker=dict(opacity=0.9, line=dict(color=BORDER, width=1)),
            **fill_hover(blank, "%{text}<br>（该指标无数据）<extra></extra>"),
            name="无数据", showlegend=False,
        ))

    shape_by_code = geometry.shapes
    label_at = geometry.label_at
    label_rows = [r for r in records if r["township_code"] != selected or villages is None]
    drilled = selected and villages is not None and selected in shape_by_code and villages.height
    if drilled:
        view = geo.fit_view(shape_by_code[selected].bounds, width_hint, height - 90, padding=0.08)
    else:
        view = geo.fit_view(geometry.bounds, width_hint, height - 90)
    texts = {r["township_code"]: _label(r, key).split("<br>") for r in label_rows}
    target_rows = label_rows
    if crowded:  # the townships in view take clicks; those whose name fits, and the picked and own, are named
        in_view = set(geometry.in_view(view, width_hint, height - 90))
        target_rows = [r for r in label_rows if r["township_code"] in in_view]
        named = set(geo.names_that_fit(geometry, [r["township_code"] for r in target_rows],
                                       {c: lines[0] for c, lines in texts.items()}, view.zoom, label_size))
        label_rows = [r for r in label_rows if r["township_code"] in named or r["township_code"] in (selected, mark)]
    # Every name drawn stays on the map: placed so that no two collide at this view (MapLibre would drop one).
    placed = geo.place_labels([(r["township_code"], *label_at[r["township_code"]], texts[r["township_code"]])
                               for r in label_rows], shape_by_code, view.zoom, label_size)
    if crowded and label_rows:  # a name on a mosaic of small townships reads only on a white backing
        lines = [texts[r["township_code"]][:placed[r["township_code"]][2]] for r in label_rows]
        fig.add_trace(go.Scattermap(
            lon=np.array([placed[r["township_code"]][0] for r in label_rows], dtype=float),
            lat=np.array([placed[r["township_code"]][1] for r in label_rows], dtype=float),
            mode="markers", marker=dict(size=np.array([max(geo.text_box(t, label_size)) for t in lines], dtype=float),
                                        color="#ffffff", opacity=0.85),
            hoverinfo="skip", showlegend=False, name=LABEL_BACKING,
        ))
    fig.add_trace(go.Scattermap(
        lon=[placed[r["township_code"]][0] for r in label_rows],
        lat=[placed[r["township_code"]][1] for r in label_rows],
        mode="text", text=["<br>".join(texts[r["township_code"]][:placed[r["township_code"]][2]]) for r in label_rows],
        textfont=dict(size=label_size, color="#1a1a1a"), hoverinfo="skip", showlegend=False, name="乡镇名称",
    ))
    # What a click or hover lands on. The choropleth's own picking does nothing in the browser (see
    # map_geometry.click_grid), so each township gets near-invisible markers: one under its name and a grid over
    # its area, all carrying its 乡镇代码 (customdata, read by battle_map) and its hover text.
    hover_of = dict(zip(codes, hover))
    grid = geo.click_grid({r["township_code"]: shape_by_code[r["township_code"]] for r in target_rows},
                          view, width_hint, height - 90, CLICK_GRID_PX)
    if crowded:
        _add_click_targets(fig, target_rows, placed, label_at, grid, hover_of)
    else:
        for r in target_rows:
            code = r["township_code"]
            points = [placed[code][:2], *grid.get(code, [])]
            fig.add_trace(go.Scattermap(
                lon=[p[0] for p in points], lat=[p[1] for p in points], mode="markers",
                marker=dict(size=[CLICK_TARGET_PX] + [CLICK_GRID_PX] * (len(points) - 1), color="#ffffff",
                            opacity=0.01),
                customdata=[code] * len(points), hovertext=hover_of[code], hoverinfo="text",
                showlegend=False, name=CLICK_TRACE,
            ))

    layers = []
    lagging = [r["township_code"] for r in records if r.get("lagging")]
    if lagging_layer is None:
        lagging_layer = key == "target_progress_pct"
    if not lagging_layer:
        lagging = []
    if lagging:
        layers.append(_outline_layer(geometry, lagging, LAG_LINE, 3.5))
    if selected and selected in shape_by_code:
        layers.append(_outline_layer(geometry, [selected], SELECTED_LINE, 4))

    if drilled:
        _add_villages(fig, villages, shape_by_code[selected], label_at.get(selected))

    fig.update_layout(
        map=dict(style=BLANK_STYLE, center=dict(lon=view.lon, lat=view.lat), zoom=view.zoom, layers=layers),
        height=height, margin=dict(l=0, r=0, t=10, b=70), font=FONT, paper_bgcolor="white",
        hoverlabel=dict(font=FONT, bgcolor="white", align="left"),
        legend=dict(x=0.01, y=0.99, xanchor="left", yanchor="top", bgcolor="rgba(255,255,255,0.85)",
                    title=dict(text="村")),
        clickmode="event+select", dragmode="pan",
    )
    if lagging:
        fig.add_trace(go.Scattermap(lon=[None], lat=[None], mode="lines", line=dict(color=LAG_LINE, width=3.5),
                                    name=LAG_LEGEND, showlegend=True, hoverinfo="skip"))
        fig.update_layout(legend_title_text="图例")
    return fig


def _add_click_targets(fig: go.Figure, rows: list[dict], placed: dict, label_at: dict, grid: dict,
                       hover: dict[str, str]) -> None:
    """Province scale: one trace of same-sized markers (the nearest one to the pointer wins) at each township's
    label point, under its name where that was moved, and over its area, each carrying its 乡镇代码 and hover text
    (thousands of traces of one township each cost seconds to build and to send)."""
    codes, lon, lat = [], [], []
    for r in rows:
        code = r["township_code"]
        name = [placed[code][:2]] if code in placed else []  # a name moved off a small township takes clicks too
        points = [label_at[code], *name, *grid.get(code, [])]
        codes += [code] * len(points)
        lon += [p[0] for p in points]
        lat += [p[1] for p in points]
    fig.add_trace(go.Scattermap(
        lon=np.array(lon, dtype=float), lat=np.array(lat, dtype=float), mode="markers",
        marker=dict(size=CLICK_GRID_PX, color="#ffffff", opacity=0.01),
        customdata=codes, hovertext=[hover[c] for c in codes],
        hoverinfo="text", showlegend=False, name=CLICK_TRACE,
    ))


def names_caption(townships: int, own: bool) -> str:
    """Under a map of more than long_lists.DRAWN_MAX townships: which names it draws, and where the rest are."""
    mine = "和本乡镇" if own else ""
    return (f"共 {townships:,} 个乡镇，都按所选指标着色；图上只写出放得下名称的乡镇{mine}的名称，"
            "其余乡镇的名称和数值在鼠标移到该乡镇上时显示，点击即进入该乡镇。")


def _tick_suffix(metric: Metric) -> str:
    return "%" if metric.unit == "%" else ""


def _label(row: dict, key: str) -> str:
    """Name and value; "滞后" only on the 年度目标进度 map (on another indicator's map it would read as a
    judgement of that indicator)."""
    lagging = key == "target_progress_pct" and row.get("lagging")
    return f"{row['township_name']}<br>{value_text(key, row[key])}" + (" 滞后" if lagging else "")


def _add_villages(fig: go.Figure, villages: pl.DataFrame, township_shape, label_xy) -> None:
    ordered = villages.sort("village_code")
    avoid = Point(*label_xy) if label_xy else None
    points = geo.village_points(township_shape, ordered["village_code"].to_list(), avoid)
    placed = ordered.with_columns(lon=pl.Series([p[0] for p in points]), lat=pl.Series([p[1] for p in points]))
    biggest = max(int(placed["poor_persons"].max() or 0), 1)
    for status, colour in VILLAGE_COLOURS.items():
        part = placed.filter(pl.col("village_status") == status)
        if part.height == 0:
            continue
        names = [plotly_text(n) for n in part["village_name"]]  # data: a <a href> in a name stays text
        fig.add_trace(go.Scattermap(
            lon=part["lon"].to_list(), lat=part["lat"].to_list(), mode="markers+text",
            marker=dict(size=[village_marker_size(int(p), biggest) for p in part["poor_persons"]], color=colour,
                        opacity=0.85),
            text=names, textposition="bottom center",
            textfont=dict(size=11, color="#263238"),
            customdata=list(zip(names, part["poor_persons"], part["poor_households"],
                                [value_text("incidence_pct", v) for v in part["incidence_pct"]],
                                [f"{y} 年出列" if y else "" for y in part["exit_year"]])),
            hovertemplate="<b>%{customdata[0]}</b>（" + status + " %{customdata[4]}）<br>"
                          "贫困人口 %{customdata[1]:,} 人（%{customdata[2]:,} 户）<br>"
                          "贫困发生率 %{customdata[3]}<extra></extra>",
            name=status, showlegend=True,
        ))


def village_marker_size(poor_persons: int, biggest: int) -> float:
    """Marker diameter in px: area proportional to 贫困人口, 7 px for a village with none, 34 px for the most."""
    return 7 + 27 * math.sqrt(max(poor_persons, 0) / max(biggest, 1))


def monthly_map(monthly: pl.DataFrame, boundaries: pl.DataFrame | geo.Boundaries, key: str, *,
                height: int = MAP_HEIGHT, width_hint: int = MAP_WIDTH_HINT, label_size: int = 12) -> go.Figure:
    """Replay of indicator `key` by month (map_monthly rows), with a month slider and 播放/暂停 buttons.

    One colour range over all months, so a colour means the same value in 2014 and in 2020. Above
    long_lists.DRAWN_MAX townships the months carry the colours only: names and a hover text of thousands of
    townships for each of 80-odd months would be tens of MB to build and send, and unreadable.
    """
    metric = METRICS[key]
    map_px = height - REPLAY_TOP_PX - REPLAY_BOTTOM_PX

    def below(px: int) -> float:  # px under the map's bottom edge, as the paper's fraction the layout takes
        return -px / map_px

    geometry = geo.prepared(boundaries)
    data = monthly.filter(pl.col("township_code").is_in(geometry.codes)).sort("month", "township_code")
    months = data["month"].unique(maintain_order=True).to_list()
    present = set(data["township_code"])
    codes = sorted(c for c in geometry.codes if c in present)
    crowded = len(codes) > DRAWN_MAX
    by_month = data.partition_by("month", as_dict=True, maintain_order=True)
    value_range = colour_range(key, data[key].to_list())

    def frame_traces(month: str) -> list:
        part = by_month[(month,)].sort("township_code")
        z = part[key].cast(pl.Float64).to_numpy()  # null -> NaN, written as null
        if crowded:  # every township in every month (map_monthly) keeps the first frame's locations
            same = part["township_code"].to_list() == codes
            return [go.Choroplethmap(z=z) if same else go.Choroplethmap(locations=part["township_code"].to_list(), z=z)]
        names = [plotly_text(n) for n in part["township_name"]]  # data: a <a href> in a name stays text
        return [
            go.Choroplethmap(locations=part["township_code"].to_list(), z=z,
                             text=[f"<b>{n}</b> {month}<br>{short_label(key)} {value_text(key, v)}"
                                   for n, v in zip(names, part[key])]),
            go.Scattermap(text=[f"{n}<br>{value_text(key, v)}" for n, v in zip(names, part[key])]),
        ]

    last = months[-1] if months else None
    first_traces = frame_traces(last) if last else [go.Choroplethmap(), go.Scattermap()]
    fig = go.Figure()
    fig.add_trace(go.Choroplethmap(
        geojson=geometry.collection(codes), featureidkey="id", locations=codes, z=first_traces[0].z,
        text=None if crowded else first_traces[0].text,
        hovertemplate=None if crowded else "%{text}<extra></extra>", hoverinfo="skip" if crowded else None,
        colorscale=colour_scale(metric), **value_range, marker=dict(opacity=0.9, line=dict(color=BORDER, width=1)),
        colorbar=dict(title=dict(text=legend_title(key), side="top"), orientation="h", x=0.5, xanchor="center",
                      y=below(REPLAY_BELOW_PX["colorbar"]), yanchor="top", len=0.7, thickness=14,
                      ticksuffix=_tick_suffix(metric)),
        showlegend=False,
    ))
    if not crowded:
        fig.add_trace(go.Scattermap(
            lon=[geometry.label_at[c][0] for c in codes], lat=[geometry.label_at[c][1] for c in codes],
            mode="text", text=first_traces[1].text, textfont=dict(size=label_size, color="#1a1a1a"),
            hoverinfo="skip", showlegend=False,
        ))
    fig.frames = [go.Frame(name=m, data=frame_traces(m), traces=[0] if crowded else [0, 1]) for m in months]
    view = geo.fit_view(geometry.bounds, width_hint, map_px)
    play = dict(frame=dict(duration=400, redraw=True), transition=dict(duration=0), fromcurrent=True, mode="immediate")
    fig.update_layout(
        map=dict(style=BLANK_STYLE, center=dict(lon=view.lon, lat=view.lat), zoom=view.zoom),
        height=height, margin=dict(l=0, r=0, t=REPLAY_TOP_PX, b=REPLAY_BOTTOM_PX), font=FONT, paper_bgcolor="white",
        hoverlabel=dict(font=FONT, bgcolor="white", align="left"),
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=below(REPLAY_BELOW_PX["buttons"]),
                          xanchor="left", yanchor="top",
                          showactive=False, pad=dict(r=10, t=0), buttons=[
                              dict(label="▶ 播放", method="animate", args=[None, play]),
                              dict(label="❚❚ 暂停", method="animate",
                                   args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")]),
                          ])],
        sliders=[dict(active=len(months) - 1 if months else 0, x=0, len=1, y=below(REPLAY_BELOW_PX["slider"]),
                      yanchor="top",
                      currentvalue=dict(prefix="月份：", font=dict(size=16), xanchor="right", offset=REPLAY_RAIL_OFFSET_PX),
                      pad=dict(t=0, l=34, r=34),  # half a tick label each side: 2014年1月 is not cut
                      steps=[dict(label=_month_label(m), method="animate",
                                  args=[[m], dict(frame=dict(duration=0, redraw=True), mode="immediate",
                                                  transition=dict(duration=0))]) for m in months])],
    )
    return fig


def _month_label(month: str) -> str:
    year, mon = month.split("-")
    return f"{year}年{int(mon)}月"


def print_sheet(fig: go.Figure, title: str, as_of: dt.date, note: str = "", *,
                size: tuple[int, int] = A3_LANDSCAPE_PX) -> go.Figure:
    """The map as a print sheet (A3 landscape by default): title, data date, legend and note, larger labels,
    the colour bar on the right, no animation controls, view refitted to the sheet."""
    sheet = go.Figure(fig)
    sheet.frames = []
    sheet.data = [t for t in sheet.data if t.name != CLICK_TRACE]  # paper takes no clicks
    width, height = size
    top, bottom = 120, 70
    text_traces = [t for t in sheet.data if t.type == "scattermap" and t.mode == "text"]
    scale = 16 / (text_traces[0].textfont.size or 12) if text_traces else 1
    for trace in text_traces:
        trace.textfont = dict(size=16, color="#1a1a1a")
    for backing in (t for t in sheet.data if t.name == LABEL_BACKING):  # grows with the names it backs
        backing.marker.size = np.asarray(backing.marker.size, dtype=float) * scale
    for trace in sheet.data:
        if trace.type == "choroplethmap" and trace.showscale is not False:
            trace.colorbar = dict(title=dict(text=trace.colorbar.title.text, side="top"), orientation="v",
                                  x=1.0, xanchor="right", y=0.5, yanchor="middle", len=0.6, thickness=22,
                                  ticksuffix=trace.colorbar.ticksuffix, tickfont=dict(size=16))
    codes = [loc for t in sheet.data if t.type == "choroplethmap" for loc in (t.locations if t.locations is not None else [])]
    geometries = [f["geometry"] for t in sheet.data if t.type == "choroplethmap" and t.geojson
                  for f in t.geojson["features"] if f["id"] in set(codes)]
    if geometries:
        bounds = geo.total_bounds(shape(g) for g in geometries)
        view = geo.fit_view(bounds, width - 260, height - top - bottom)
        sheet.update_layout(map=dict(center=dict(lon=view.lon, lat=view.lat), zoom=view.zoom))
    sheet.update_layout(
        width=width, height=height, updatemenus=[], sliders=[],
        margin=dict(l=40, r=40, t=top, b=bottom), font=dict(FONT, size=16),
        title=dict(text=f"<b>{title}</b><br><span style='font-size:18px'>数据截止 {as_of:%Y年%m月%d日}</span>",
                   x=0.02, xanchor="left", y=0.97, yanchor="top", font=dict(size=30)),
        legend=dict(x=0.0, y=0.0, xanchor="left", yanchor="bottom", font=dict(size=16),
                    bgcolor="rgba(255,255,255,0.9)", bordercolor="#b0bec5", borderwidth=1),
        annotations=[dict(text=note, x=1.0, y=-0.02, xref="paper", yref="paper", xanchor="right", yanchor="top",
                          showarrow=False, font=dict(size=14, color="#546e7a"))] if note else [],
    )
    return sheet
