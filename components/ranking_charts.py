"""综合排名 pieces: rank changes, 红黑榜, and the contribution chart — pure functions, no Streamlit, no database.

Inputs are township_indicators frames already rescored by ranking_weights.rescore (so edited weights apply
to this week, last week and last month alike).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from components.charts import base_layout
from queries.metrics import BAD, GOOD, NEUTRAL

# One colour per indicator (not per township), the same in the page, the brief and the deck.
INDICATOR_COLOURS = {
    "incidence_drop_pp": "#1f77b4",
    "income_growth_pct": "#2ca02c",
    "target_progress_pct": "#ff7f0e",
    "completion_pct": "#9467bd",
    "balance_rate_pct": "#8c564b",
}
LOST_COLOUR = "#eceff1"


def rank_changes(now: pl.DataFrame, week_ago: pl.DataFrame, month_ago: pl.DataFrame) -> pl.DataFrame:
    """now + rank_week_ago, rank_month_ago and the moves (positive = moved up, e.g. 5th -> 3rd is +2).
    A township without a rank then (not yet in the data) gets a blank move."""
    def ranks(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        return frame.filter(pl.col("township_code") != "ALL").select("township_code", pl.col("rank").alias(name))

    return (now.filter(pl.col("township_code") != "ALL")
            .join(ranks(week_ago, "rank_week_ago"), on="township_code", how="left")
            .join(ranks(month_ago, "rank_month_ago"), on="township_code", how="left")
            .with_columns(move_week=pl.col("rank_week_ago") - pl.col("rank"),
                          move_month=pl.col("rank_month_ago") - pl.col("rank"))
            .sort("rank"))


def move_text(move: int | None) -> str:
    """↑2 / ↓1 / 持平 / —(no earlier rank)."""
    if move is None:
        return "—"
    if move == 0:
        return "持平"
    return f"↑{move}" if move > 0 else f"↓{-move}"


def move_text_expr(move: pl.Expr) -> pl.Expr:
    """move_text as an expression (no Python callback on polars' threads: see components/privacy.py)."""
    return (pl.when(move.is_null()).then(pl.lit("—"))
            .when(move == 0).then(pl.lit("持平"))
            .when(move > 0).then(pl.lit("↑") + move.cast(pl.String))
            .otherwise(pl.lit("↓") + (-move).cast(pl.String)))


def red_black(ranked: pl.DataFrame, leaders: pl.DataFrame, n: int = 3) -> tuple[pl.DataFrame, pl.DataFrame]:
    """红榜 (top n by rank) and 黑榜 (bottom n, worst first), each with 联系县领导.

    With fewer than 2n townships the lists would overlap; the black list then takes only those not red."""
    rows = ranked.filter(pl.col("township_code") != "ALL").sort("rank")
    if "county_leader" not in rows.columns:
        rows = rows.join(leaders.select("township_code", "county_leader"), on="township_code", how="left")
    red = rows.head(n)
    black = rows.filter(~pl.col("township_code").is_in(red["township_code"].implode())).tail(n).reverse()
    return red, black


def contribution_bars(contrib: pl.DataFrame, ranked: pl.DataFrame, *, highlight: str | None = None,
                      height: int | None = None) -> go.Figure:
    """Stacked horizontal bars: each township's score split into indicator points (wᵢsᵢ/Σw × 100), rank 1 on
    top, and in light grey the points lost — the longest grey-adjacent gap is what pulls it down.

    Draws the townships of `ranked` only: a province's page passes the rows long_lists.drawn keeps."""
    order = ranked.sort("rank")
    names = [f"{r}. {n}" for r, n in zip(order["rank"], order["township_name"])]
    code_to_name = dict(zip(order["township_code"], names))
    contrib = contrib.filter(pl.col("township_code").is_in(order["township_code"].implode()))
    fig = go.Figure()
    for key, part in contrib.sort("order").partition_by("indicator", maintain_order=True, as_dict=True).items():
        key = key[0]
        part = part.with_columns(name=pl.col("township_code").replace_strict(code_to_name))
        fig.add_trace(go.Bar(
            y=part["name"].to_list(), x=part["points"].to_list(), orientation="h", name=part["label"][0],
            marker_color=INDICATOR_COLOURS[key],
            customdata=list(zip(part["lost"].to_list(), (part["s"] * 100).to_list())),
            hovertemplate="%{y}<br>" + part["label"][0] + "：得 %{x:.1f} 分，失 %{customdata[0]:.1f} 分"
                          "（标准化 %{customdata[1]:.0f}/100）<extra></extra>",
        ))
    fig.add_trace(go.Bar(
        y=names, x=(100 - order["score"]).to_list(), orientation="h", name="失分", marker_color=LOST_COLOUR,
        text=[f"{s:.1f}" for s in order["score"]], textposition="inside", insidetextanchor="start",
        textfont=dict(color=NEUTRAL), hovertemplate="%{y}<br>共失 %{x:.1f} 分<extra></extra>",
    ))
    fig.update_layout(barmode="stack", bargap=0.25)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(names)))
    fig.update_xaxes(range=[0, 100], title_text="分（满分 100；灰色为失分，数字为得分）")
    if highlight and highlight in code_to_name:
        fig.add_annotation(y=code_to_name[highlight], x=100, text="◀ 本乡镇", showarrow=False, xanchor="left",
                           font=dict(color=BAD))
        fig.update_layout(margin=dict(r=80))
    base_layout(fig, "各乡镇综合得分构成：哪一项在拉低得分", height=height or max(400, 28 * len(names) + 170))
    # The legend at the figure's foot (container coordinates), under the axis title rather than over it; at the
    # top, a long title and five entries collide on a laptop.
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", yref="container", y=0, yanchor="bottom"),
                      margin=dict(b=110))
    return fig


def township_parts(contrib: pl.DataFrame, township: str) -> go.Figure:
    """One township: points earned vs lost per indicator (what to fix first)."""
    rows = contrib.filter(pl.col("township_code") == township).sort("order")
    fig = go.Figure([
        go.Bar(y=rows["label"].to_list(), x=rows["points"].to_list(), orientation="h", name="得分",
               marker_color=GOOD, text=[f"{v:.1f}" for v in rows["points"]], textposition="inside"),
        go.Bar(y=rows["label"].to_list(), x=rows["lost"].to_list(), orientation="h", name="失分",
               marker_color=BAD, opacity=0.75, text=[f"{v:.1f}" for v in rows["lost"]], textposition="inside"),
    ])
    fig.update_layout(barmode="stack")
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(rows["label"].to_list())))
    fig.update_xaxes(title_text="分（每项满分 = 权重占比 × 100）")
    name = rows["township_name"][0] if rows.height else ""
    base_layout(fig, f"{name}：各项得分与失分", height=340)
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", yref="container", y=0, yanchor="bottom"),
                      margin=dict(b=100))
    return fig


def village_scores(villages: pl.DataFrame) -> go.Figure:
    """Villages of a township by score (rank 1 on top); villages without a score are left out."""
    rows = villages.filter(pl.col("score").is_not_null()).sort("rank")
    colours = [GOOD if i < 3 else (BAD if i >= rows.height - 3 else NEUTRAL) for i in range(rows.height)]
    fig = go.Figure(go.Bar(
        y=rows["village_name"].to_list(), x=rows["score"].to_list(), orientation="h", marker_color=colours,
        text=[f"{v:.1f}" for v in rows["score"]], textposition="outside",
        hovertemplate="%{y}<br>村级得分 %{x:.1f}<extra></extra>",
    ))
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(rows["village_name"].to_list())))
    fig.update_xaxes(range=[0, 110], title_text="村级得分（三项标准化得分的平均 × 100）")
    return base_layout(fig, "村级排名（前三绿色，后三红色）", height=max(300, 26 * rows.height + 120))
