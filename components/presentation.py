"""季讲评 presentation mode: the quarter calendar, one idea per slide, large type — pure builders, no Streamlit.

The page turns these into a full-screen slide show; exports/deck_pptx.py makes the same slides as native
PowerPoint charts, so what is shown and what is handed out agree.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from components import long_lists
from components.charts import FONT, base_layout
from queries.metrics import BAD, GOOD, METRICS, NEUTRAL

BIG_FONT = {**FONT, "size": 22}
SLIDE_HEIGHT = 620
# Presentation mode at 1920×1080: every number at least 28 px (readable from the back of the room, ~8 m).
PRESENT_HEIGHT = 800
PRESENT_NUMBER_PX = 28
ALLOCATED, SPENT = "#90a4ae", "#1565c0"

# Large slide type and the KPI tiles (also used by the preview on the normal page).
TILE_CSS = """
<style>
.slide-title { font-size: 2.8rem; font-weight: 700; margin: 0 0 .4rem 0; color: #263238; }
.slide-sub { font-size: 1.75rem; color: #546e7a; margin-bottom: 1rem; }
.kpi-grid { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 1.2rem; }
.kpi-tile { border: 1px solid #cfd8dc; border-radius: .8rem; padding: 1.2rem 1.4rem; background: #fff; }
.kpi-label { font-size: 1.75rem; color: #546e7a; }
.kpi-value { font-size: 3.6rem; font-weight: 700; color: #263238; line-height: 1.2; }
.kpi-delta { font-size: 1.75rem; }
</style>
"""
# Hides the app chrome so the slide fills the screen (the presenter exits with the button or Esc), and the
# PageUp/PageDown buttons that exist only for their keyboard shortcuts.
FULL_SCREEN_CSS = TILE_CSS + """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], header { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container { padding-top: 1.2rem !important; max-width: 100% !important; }
.st-key-slide-pgdn, .st-key-slide-pgup, .st-key-slide-space, .st-key-slide-home, .st-key-slide-end {
  display: none !important; }
/* the control bar stays out of the picture: it shows only while the mouse is over the bottom of the screen */
.st-key-slide-controls { position: fixed; left: 0; right: 0; bottom: 0; z-index: 1000; padding: .6rem 1.2rem;
  background: rgba(255, 255, 255, .96); border-top: 1px solid #cfd8dc; opacity: 0; transition: opacity .2s; }
.st-key-slide-controls:hover, .st-key-slide-controls:focus-within { opacity: 1; }
</style>
"""


@dataclass(frozen=True)
class Quarter:
    year: int
    q: int

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.q - 1]}季度"

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def end(self) -> dt.date:
        month = self.q * 3
        return dt.date(self.year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)

    @property
    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def as_of(self, latest: dt.date) -> dt.date:
        """D for this quarter: its last day, or the data cut-off if the quarter is still running."""
        return min(self.end, latest)

    @classmethod
    def parse(cls, key: str) -> "Quarter":
        year, q = key.split("Q")
        return cls(int(year), int(q))


def quarters(latest: dt.date, first_year: int) -> list[Quarter]:
    """Quarters from first_year up to the one holding the data cut-off, newest first."""
    out = [Quarter(y, q) for y in range(first_year, latest.year + 1) for q in range(1, 5)
           if dt.date(y, 3 * q - 2, 1) <= latest]
    return list(reversed(out))


SLIDES = ("全县主要指标", "挂图作战", "一升一降", "资金", "项目", "综合排名")

KPI_KEYS = ("poor_persons", "incidence_pct", "income_growth_pct", "target_progress_pct", "balance_rate_pct",
            "completion_pct")


def quarter_change(key: str, a: dict, b: dict) -> str:
    """本季变化 of a KPI; 收入增幅 is an annual figure: unchanged within a year it is not a change of +0.0."""
    m = METRICS[key]
    if a[key] is None or b[key] is None:
        return "—"
    if key == "income_growth_pct" and a.get("income_year") == b.get("income_year"):
        return f"年度指标（{a.get('income_year')}年）"
    change = round(a[key], m.precision) - round(b[key], m.precision)
    if round(change, m.precision) == 0:
        return "持平"
    unit = "个百分点" if m.unit == "%" else m.unit
    return f"{change:+,.{m.precision}f} {unit}"


def county_kpis(now: pl.DataFrame, start: pl.DataFrame) -> list[dict]:
    """The county's headline figures at D and their change since the quarter began (previous quarter end)."""
    a = now.filter(pl.col("township_code") == "ALL").row(0, named=True)
    b = start.filter(pl.col("township_code") == "ALL").row(0, named=True)
    tiles = []
    for key in KPI_KEYS:
        metric = METRICS[key]
        change = None if a[key] is None or b[key] is None else a[key] - b[key]
        text = quarter_change(key, a, b)
        annual = text.startswith("年度指标")
        tiles.append({
            "key": key, "label": metric.label, "value": metric.format(a[key]),
            "delta": text if annual or text == "—" else f"本季 {text}",
            "colour": metric.colour(None if annual else change),
        })
    return tiles


def kpi_tiles_html(tiles: list[dict]) -> str:
    cells = "".join(
        f'<div class="kpi-tile"><div class="kpi-label">{html.escape(t["label"])}</div>'
        f'<div class="kpi-value">{html.escape(t["value"])}</div>'
        f'<div class="kpi-delta" style="color:{t["colour"]}">{html.escape(t["delta"])}</div></div>'
        for t in tiles)
    return f'<div class="kpi-grid">{cells}</div>'


def step_slide(index: int, step: int, count: int) -> int:
    """The slide after `step` presses: clamped to the first and last (no wrap-around)."""
    return min(max(index + step, 0), count - 1)


def presenting(fig: go.Figure) -> go.Figure:
    """A slide figure sized for the projector: taller, and numbers (bar labels, value ticks) ≥ 28 px."""
    fig.update_layout(title_text="", height=PRESENT_HEIGHT, margin=dict(l=20, r=110, t=60, b=20),
                      font_size=24, legend_font_size=26, uniformtext_minsize=PRESENT_NUMBER_PX,
                      uniformtext_mode="show")  # plotly would otherwise shrink labels that do not fit
    fig.update_traces(textfont_size=PRESENT_NUMBER_PX, selector=dict(type="bar"))
    fig.update_xaxes(tickfont_size=PRESENT_NUMBER_PX if _numeric(fig, "x") else 24)
    fig.update_yaxes(tickfont_size=PRESENT_NUMBER_PX if _numeric(fig, "y") else 24)
    fig.update_annotations(font_size=PRESENT_NUMBER_PX)
    return fig


def _numeric(fig: go.Figure, axis: str) -> bool:
    """Whether the figure's `axis` carries values (not township names)."""
    for trace in fig.data:
        if trace.type == "bar":
            horizontal = trace.orientation == "h"
            return (axis == "x") == horizontal
    return True


def slide_map(now: pl.DataFrame, boundaries: pl.DataFrame, key: str = "incidence_pct") -> go.Figure:
    """挂图作战 slide: the township map coloured by `key` (贫困发生率 by default), labels ≥ 28 px."""
    from components.map_figures import township_map

    fig = township_map(now, boundaries, key, height=PRESENT_HEIGHT, width_hint=1400, label_size=PRESENT_NUMBER_PX)
    fig.update_layout(title_text="", margin=dict(l=0, r=0, t=10, b=0))
    fig.update_coloraxes(colorbar_tickfont_size=PRESENT_NUMBER_PX, colorbar_title_font_size=24)
    fig.update_traces(colorbar_tickfont_size=PRESENT_NUMBER_PX, selector=dict(type="choroplethmap"))
    return fig


def _towns(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("township_code") != "ALL")


# A province's slide draws both ends of its order (components/long_lists): what each slide's order is.
DRAWN_ORDER = {1: "贫困发生率最高和最低", 2: "一降、一升各自最多和最少", 3: "资金结余率最高和最低", 4: "项目最多和最少",
               5: "综合得分最高和最低"}




def left_out(frame: pl.DataFrame, index: int) -> str | None:
    """Caption of slide `index` when its chart draws only the ends of a long list of townships (else None)."""
    total = _towns(frame).height
    shown = total if total <= long_lists.DRAWN_MAX else 2 * long_lists.DRAWN_ENDS
    return long_lists.left_out(total, shown, DRAWN_ORDER[index], rest="全部乡镇见各专题页的表格")  # 季讲评 has no table


def _big(fig: go.Figure, title: str) -> go.Figure:
    base_layout(fig, title, height=SLIDE_HEIGHT)
    fig.update_layout(font=BIG_FONT, title_font_size=28, legend_font_size=20, margin=dict(l=20, r=70, t=90, b=20))
    fig.update_xaxes(tickfont_size=18, title_font_size=18)
    fig.update_yaxes(tickfont_size=18, title_font_size=18)
    fig.update_traces(cliponaxis=False, textfont_size=18, selector=dict(type="bar"))  # labels past the top bar
    return fig


def incidence_bars(now: pl.DataFrame, policy_line: float = 2.0) -> go.Figure:
    """Map stand-in: 贫困发生率 by township, highest first (red above the policy line)."""
    rows = long_lists.cut(_towns(now), "incidence_pct").sort("incidence_pct", descending=True, nulls_last=True)
    values = rows["incidence_pct"].fill_null(0).to_list()
    fig = go.Figure(go.Bar(x=rows["township_name"].to_list(), y=values,
                           marker_color=[BAD if v >= policy_line else NEUTRAL for v in values],
                           text=[f"{v:.2f}%" for v in values], textposition="outside"))
    fig.update_yaxes(title_text="贫困发生率（%）", rangemode="tozero")
    return _big(fig, "各乡镇贫困发生率")


def rise_and_fall(now: pl.DataFrame, benchmark_pct: float) -> go.Figure:
    """一降 (incidence drop, pp) and 一升 (income growth, %) by township, side by side."""
    towns = _towns(now)  # each panel draws the ends of its own order (all townships of a county)
    rows = long_lists.cut(towns, "incidence_drop_pp").sort("township_code")
    grown = long_lists.cut(towns, "income_growth_pct").sort("township_code")
    names, growth_names = rows["township_name"].to_list(), grown["township_name"].to_list()
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.14, subplot_titles=("一降：贫困发生率较上年末下降（个百分点）",
                                                        f"一升：人均纯收入增幅（%，红色虚线为对照线 {benchmark_pct:g}%）"))
    drop = rows["incidence_drop_pp"].fill_null(0).to_list()
    growth = grown["income_growth_pct"].to_list()
    fig.add_trace(go.Bar(y=names, x=drop, orientation="h", marker_color=[GOOD if v > 0 else BAD for v in drop],
                         text=[f"{v:.2f}" for v in drop], textposition="outside", name="一降"), 1, 1)
    fig.add_trace(go.Bar(y=growth_names, x=[g or 0 for g in growth], orientation="h",
                         marker_color=[NEUTRAL if g is None else (GOOD if g >= benchmark_pct else BAD) for g in growth],
                         text=["—" if g is None else f"{g:.1f}%" for g in growth], textposition="outside",
                         name="一升"), 1, 2)
    fig.add_vline(x=benchmark_pct, line=dict(color=BAD, dash="dash", width=3), row=1, col=2)
    # room for the value labels, so they do not run into the other panel's names
    fig.update_xaxes(range=[min(0, min(drop, default=0)) * 1.25, max(drop, default=0) * 1.25 or 1], row=1, col=1)
    fig.update_xaxes(range=[min(0, min((g or 0 for g in growth), default=0)) * 1.25,
                            max(max((g or 0 for g in growth), default=0), benchmark_pct) * 1.25], row=1, col=2)
    # each panel sorted by its own value, the best on top
    by_drop = [n for _, n in sorted(zip(drop, names), key=lambda p: p[0])]
    by_growth = [n for _, n in sorted(zip([g if g is not None else float("-inf") for g in growth], growth_names),
                                      key=lambda p: p[0])]
    fig.update_yaxes(categoryorder="array", categoryarray=by_drop, row=1, col=1)
    fig.update_yaxes(categoryorder="array", categoryarray=by_growth, row=1, col=2)
    fig.update_layout(showlegend=False)
    fig = _big(fig, "一升一降")
    fig.update_annotations(font_size=20)
    return fig


def funds_bars(now: pl.DataFrame) -> go.Figure:
    """资金结余率 by township (本年度项目), highest first: the number the presenter names."""
    rows = long_lists.cut(_towns(now), "balance_rate_pct").sort("balance_rate_pct", descending=False, nulls_last=False)
    rates = rows["balance_rate_pct"].to_list()
    fig = go.Figure(go.Bar(
        y=rows["township_name"].to_list(), x=[r or 0 for r in rates], orientation="h",
        marker_color=[NEUTRAL if r is None else (BAD if r >= 50 else SPENT) for r in rates],
        text=["—" if r is None else f"{r:.1f}%" for r in rates], textposition="outside",
        customdata=list(zip(rows["allocated_wan"].to_list(), rows["spent_wan"].to_list())),
        hovertemplate="%{y}<br>结余率 %{x:.1f}%<br>下达 %{customdata[0]:,.1f} 万元，支出 %{customdata[1]:,.1f} 万元"
                      "<extra></extra>"))
    fig.update_xaxes(title_text="资金结余率（%，越低越好）", range=[0, max([r or 0 for r in rates] + [10]) * 1.2])
    return _big(fig, "各乡镇资金结余率（本年度项目）")


def project_bars(now: pl.DataFrame) -> go.Figure:
    """Projects of the year by township: completed, in time, overdue."""
    rows = long_lists.cut(_towns(now), "projects").sort("projects", descending=True)
    names = rows["township_name"].to_list()
    open_in_time = (rows["projects"] - rows["projects_completed"] - rows["overdue_projects"]).to_list()
    fig = go.Figure([
        go.Bar(x=names, y=rows["projects_completed"].to_list(), name="已完工", marker_color=GOOD),
        go.Bar(x=names, y=open_in_time, name="在建（未逾期）", marker_color="#90a4ae"),
        go.Bar(x=names, y=rows["overdue_projects"].to_list(), name="逾期", marker_color=BAD),
    ])
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="项目（个）")
    return _big(fig, "本年度项目进展（按项目数排序）")


def ranking_bars(ranked: pl.DataFrame) -> go.Figure:
    """Composite score, rank 1 on top; 红榜 green, 黑榜 red."""
    rows = long_lists.cut(_towns(ranked), "rank", descending=False).sort("rank")
    n = rows.height
    names = [f"{r}. {t}" for r, t in zip(rows["rank"], rows["township_name"])]
    fig = go.Figure(go.Bar(y=names, x=rows["score"].to_list(), orientation="h",
                           marker_color=[GOOD if i < 3 else (BAD if i >= n - 3 else NEUTRAL) for i in range(n)],
                           text=[f"{s:.1f}" for s in rows["score"]], textposition="outside"))
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(names)))
    fig.update_xaxes(range=[0, 110], title_text="综合得分")
    return _big(fig, "乡镇综合排名（前三绿色，后三红色）")
