"""The frames a meeting paper is built from, assembled the same way for the page buttons and the command.

Pages read through app_data (cached, scoped); `python -m exports` reads a Database directly. Both hand the
raw query results to these functions, so the files a button downloads and the files the command writes are
built from the same frames by the same code. Pure: frames in, frames/dataclasses out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

import ranking_weights
from components import ranking_charts
from exports.deck_pptx import DeckInput


def deck_input(quarter_label: str, as_of: dt.date, start_as_of: dt.date, now: pl.DataFrame, start: pl.DataFrame,
               leaders: pl.DataFrame, weights: Mapping[str, float], income_benchmark_pct: float,
               meeting_date: dt.date | None = None, county_name: str = "") -> DeckInput:
    """now/start: township_indicators at the quarter's D and at the previous quarter's end."""
    scored, scored_start = ranking_weights.rescore(now, weights), ranking_weights.rescore(start, weights)
    contrib = ranking_weights.contributions(now, weights)
    ranked = (ranking_charts.rank_changes(scored, scored_start, scored_start)
              .join(leaders.select("township_code", "county_leader"), on="township_code", how="left")
              .join(ranking_weights.weakest_indicator(contrib), on="township_code", how="left"))
    return DeckInput(quarter_label, as_of, start_as_of, now, start, ranked, contrib, income_benchmark_pct)
