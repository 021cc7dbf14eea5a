"""Indicator tables as the pages and the report need them: DESIGN.md definitions, config applied."""

from __future__ import annotations

import datetime as dt

import polars as pl

import settings as settings_module
from queries.runner import Database

REPORT_COLUMNS = (
    "township_code", "township_name", "rural_population", "poor_persons", "incidence_pct", "incidence_prev_pct",
    "incidence_drop_pp", "income_year", "income_pc", "income_pc_prev", "income_growth_pct", "allocated_wan",
    "spent_wan", "balance_rate_pct", "industry_share_pct", "projects", "projects_completed", "completion_pct",
    "overdue_projects", "target_exit_persons", "exited_persons_ytd", "target_progress_pct", "time_progress_pct",
    "lagging", "score", "rank",
)
# Per-indicator normalised scores s_i (0..1) behind the composite score, for "what pulls it down".
SCORE_PARTS = ("s_drop", "s_income", "s_target", "s_completion", "s_balance")


def township_indicators(db: Database, as_of: dt.date, settings=None) -> pl.DataFrame:
    """One row per township and a last row 'ALL' for the county; columns REPORT_COLUMNS + SCORE_PARTS."""
    settings = settings or settings_module.load()
    return db.run("township_indicators", as_of=as_of, **settings.ranking_params())
