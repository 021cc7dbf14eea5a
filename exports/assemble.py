"""The frames a meeting paper is built from, assembled the same way for the page buttons and the command.

Pages read through app_data (cached, scoped); `python -m exports` reads a Database directly. Both hand the
raw query results to these functions, so the files a button downloads and the files the command writes are
built from the same frames by the same code. Pure: frames in, frames/dataclasses out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

import ranking_weights
from components import ranking_charts, weekly_views
from exports.brief import WeeklyBrief, build_brief
from exports.deck_pptx import DeckInput
from exports.pace import WINDOW_DAYS, year_end_pace
from exports.supervision import supervision_items


def deck_input(quarter_label: str, as_of: dt.date, start_as_of: dt.date, now: pl.DataFrame, start: pl.DataFrame,
               leaders: pl.DataFrame, weights: Mapping[str, float], income_benchmark_pct: float,
               meeting_date: dt.date | None = None, county_name: str = "",
               rectify: pl.DataFrame | None = None, pace_window: pl.DataFrame | None = None) -> DeckInput:
    """now/start: township_indicators at the quarter's D and at the previous quarter's end;
    rectify: the 整改销号 list (its open items make the 问题清单 and 下季度安排 slides);
    pace_window: township_pace at the quarter's D (the 年底进度 slide)."""
    scored, scored_start = ranking_weights.rescore(now, weights), ranking_weights.rescore(start, weights)
    contrib = ranking_weights.contributions(now, weights)
    ranked = (ranking_charts.rank_changes(scored, scored_start, scored_start)
              .join(leaders.select("township_code", "county_leader"), on="township_code", how="left")
              .join(ranking_weights.weakest_indicator(contrib), on="township_code", how="left"))
    return DeckInput(quarter_label, as_of, start_as_of, now, start, ranked, contrib, income_benchmark_pct,
                     county_name=county_name or "本县", meeting_date=meeting_date, rectify=rectify,
                     pace=None if pace_window is None else year_end_pace(now, pace_window, as_of))


# --- 周调度 ----------------------------------------------------------------------------------------------

OVERDUE_DAYS = 30
BALANCE_MARGIN_PP = 20.0


@dataclass(frozen=True)
class Week:
    """One week's frames at D (now) and D−7 (before), with the ranking rescored under the edited weights."""
    as_of: dt.date
    week_ago: dt.date
    now: pl.DataFrame              # rescored townships + the ALL row
    before: pl.DataFrame
    overdue: pl.DataFrame          # weekly_overdue_projects at D
    idle_now: pl.DataFrame
    idle_before: pl.DataFrame
    pace: pl.DataFrame             # exports.pace.year_end_pace at D
    items: pl.DataFrame            # supervision_items at D (county-wide)
    last_items: pl.DataFrame       # supervision_items at D−7 (the previous 通报's 存在问题)
    ranked: pl.DataFrame           # rank_changes + county_leader + weakest
    leaders: pl.DataFrame


def gather_week(run: Callable[..., pl.DataFrame], indicators: Callable[[dt.date], pl.DataFrame], as_of: dt.date,
                config, weights: Mapping[str, float]) -> Week:
    """run(name, **params): a query's result; indicators(D): township_indicators at D. The page passes
    app_data.run / app_data.indicators, the command a Database's — the same frames either way."""
    week_ago = as_of - dt.timedelta(days=7)
    leaders = run("townships")
    idle_params = dict(idle_days=config.idle_funds_days, idle_ratio=config.idle_funds_spend_ratio)

    def at(day: dt.date):
        raw = indicators(day)
        frame = pl.concat([ranking_weights.rescore(raw, weights), raw.filter(pl.col("township_code") == "ALL")],
                          how="diagonal_relaxed")
        overdue = run("weekly_overdue_projects", as_of=day, township="ALL")
        idle = run("weekly_idle_funds", as_of=day, township="ALL", **idle_params)
        pace = year_end_pace(frame, run("township_pace", as_of=day, window_days=WINDOW_DAYS), day)
        items = supervision_items(frame, overdue, idle, leaders, overdue_days=OVERDUE_DAYS,
                                  balance_margin_pp=BALANCE_MARGIN_PP,
                                  industry_share_min_pct=config.industry_share_min_pct,
                                  idle_days=config.idle_funds_days, idle_ratio=config.idle_funds_spend_ratio,
                                  pace=pace, fund_records=run("weekly_fund_records", as_of=day))
        return frame, overdue, idle, pace, items

    now, overdue, idle_now, pace, items = at(as_of)
    before, _, idle_before, _, last_items = at(week_ago)
    ranked = (ranking_charts.rank_changes(now, before, before)
              .join(leaders.select("township_code", "county_leader"), on="township_code", how="left")
              .join(ranking_weights.weakest_indicator(ranking_weights.contributions(now, weights)),
                    on="township_code", how="left"))
    return Week(as_of, week_ago, now, before, overdue, idle_now, idle_before, pace, items, last_items, ranked,
                leaders)


def county_comparison(week: Week) -> pl.DataFrame:
    return weekly_views.week_comparison(weekly_views.area_row(week.now, "ALL", week.idle_now, week.as_of),
                                        weekly_views.area_row(week.before, "ALL", week.idle_before, week.week_ago))


def weekly_brief(week: Week, county_name: str, rectify: pl.DataFrame) -> WeeklyBrief:
    """The 周调度通报 of this week (county-wide, whatever the page's township filter)."""
    county = week.now.filter(pl.col("township_code") == "ALL").row(0, named=True)
    return build_brief(county_name=county_name, as_of=week.as_of, week_ago=week.week_ago, county=county,
                       comparison=county_comparison(week), items=week.items, pace=week.pace, ranked=week.ranked,
                       last_items=week.last_items, rectify=rectify, leaders=week.leaders)
