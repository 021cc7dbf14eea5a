"""The township head's card: where my township ranks of N, how that moved since last week, and which part of
the composite score costs it most points — the three things a 乡镇长 opens the dashboard to learn.

standing() is pure (frames in, a dict out); show() lays it out with fixed-width cards that wrap on a phone.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from components.ranking_charts import move_text
from components.text import md


def standing(ranked: pl.DataFrame, township: str) -> dict | None:
    """rank, of (townships ranked), move_week (+ = up), rank_week_ago, score, weakest (label) and
    weakest_lost (points) of one township; None when it has no rank.

    ranked: ranking_charts.rank_changes(...) joined with ranking_weights.weakest_indicator(...).
    """
    rows = ranked.filter(pl.col("township_code") == township)
    if rows.height == 0 or rows["rank"][0] is None:
        return None
    row = rows.row(0, named=True)
    return {"rank": row["rank"], "of": ranked.filter(pl.col("rank").is_not_null()).height,
            "move_week": row.get("move_week"), "rank_week_ago": row.get("rank_week_ago"), "score": row["score"],
            "weakest": row.get("weakest"), "weakest_lost": row.get("weakest_lost")}


def move_sentence(move: int | None, rank_week_ago: int | None) -> str:
    """较上周 as a signed delta (Streamlit colours and points the arrow by the sign): +2 位（上周第 7 名）,
    与上周持平, 上周无排名."""
    if move is None or rank_week_ago is None:
        return "上周无排名"
    if move == 0:
        return "与上周持平"
    return f"{move:+d} 位（上周第 {rank_week_ago} 名）"


def show(card: dict, township_name: str) -> None:
    """One bordered row of three figures; each keeps its width and wraps to the next line on a narrow screen."""
    with st.container(border=True, key="township-card"):
        st.markdown(f"**{md(township_name)} 本周排名**")
        row = st.container(horizontal=True, gap="small")
        row.metric("综合排名", f"第 {card['rank']} 名", f"共 {card['of']} 个乡镇", delta_color="off",
                   delta_arrow="off", width=180, help=f"综合得分 {card['score']:.1f} 分")
        move = card["move_week"]
        row.metric("较上周", move_text(move) if card["rank_week_ago"] is not None else "—",
                   move_sentence(move, card["rank_week_ago"]),
                   delta_color="off" if not move else "normal", delta_arrow="off" if not move else "auto",
                   width=200)
        if card["weakest"]:
            row.metric("最拉分项", card["weakest"], f"失 {card['weakest_lost']:.1f} 分", delta_color="off",
                       delta_arrow="off", width=280, help="按综合排名的权重，这一项失分最多，优先补这一项最能提升名次")
