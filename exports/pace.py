"""年底进度: can each township still meet its annual exit target by 12-31 at the pace of the last four weeks?

Pure: township_indicators at D and township_pace (queries/township_pace.sql) in, one row per area out.
- needed_per_week: persons still to exit ÷ weeks left to 12-31 (D excluded);
- pace_per_week: exits of the window ÷ its length in weeks (the window never reaches into last year);
- finish: the day the remaining persons are out at that pace, when it falls in the year; otherwise
  short_by: the persons still missing at 12-31.
A pace over fewer than MIN_WINDOW_DAYS days (the first weeks of January) is shown but never raises an item.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

WINDOW_DAYS = 28
MIN_WINDOW_DAYS = 14

COLUMNS = {"township_code": pl.String, "township_name": pl.String, "target_exit_persons": pl.Int64,
           "exited_persons_ytd": pl.Int64, "remaining": pl.Int64, "weeks_left": pl.Float64,
           "needed_per_week": pl.Float64, "pace_per_week": pl.Float64, "window_days": pl.Int64,
           "finish": pl.Date, "short_by": pl.Int64, "reliable": pl.Boolean, "verdict": pl.String}


def year_end_pace(indicators: pl.DataFrame, pace: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """One row per area of `indicators` (townships first, then ALL), COLUMNS."""
    year_end = dt.date(as_of.year, 12, 31)
    days_left = (year_end - as_of).days
    weeks_left = days_left / 7
    window = {r["township_code"]: r for r in pace.select("township_code", "window_days", "exited_window")
              .iter_rows(named=True)}
    rows = []
    # only the columns read below: iter_rows converts every cell (DECIMAL ones slowly), 2,273 rows at province scale
    for r in indicators.select("township_code", "township_name", "target_exit_persons",
                               "exited_persons_ytd").iter_rows(named=True):
        w = window.get(r["township_code"], {})
        days = int(w.get("window_days") or 0)
        per_week = (w.get("exited_window") or 0) / (days / 7) if days else 0.0
        target, done = int(r["target_exit_persons"] or 0), int(r["exited_persons_ytd"] or 0)
        remaining = max(target - done, 0)
        finish, short = None, 0
        if remaining and per_week > 0:
            day = as_of + dt.timedelta(days=math.ceil(remaining / per_week * 7))
            if day <= year_end:
                finish = day
            else:
                short = math.ceil(remaining - per_week * weeks_left)
        elif remaining:
            short = remaining
        rows.append({
            "township_code": r["township_code"], "township_name": r["township_name"],
            "target_exit_persons": target, "exited_persons_ytd": done, "remaining": remaining,
            "weeks_left": weeks_left, "needed_per_week": remaining / weeks_left if weeks_left > 0 else None,
            "pace_per_week": per_week, "window_days": days, "finish": finish, "short_by": short,
            "reliable": days >= MIN_WINDOW_DAYS,
            "verdict": verdict(target, remaining, finish, short) if days >= MIN_WINDOW_DAYS or not remaining
            else "本年度记录不足两周，暂不研判",
        })
    return pl.DataFrame(rows, schema=COLUMNS)


def verdict(target: int, remaining: int, finish: dt.date | None, short: int) -> str:
    if target <= 0:
        return "未下达年度计划"
    if remaining <= 0:
        return "已完成年度任务"
    if finish is not None:
        return f"按当前进度预计 {finish.month} 月 {finish.day} 日完成"
    return f"按当前进度年底差 {short:,} 人"


def behind(pace: pl.DataFrame) -> pl.DataFrame:
    """Townships that will miss the target at their recent pace (a reliable pace only), worst first."""
    return (pace.filter((pl.col("township_code") != "ALL") & (pl.col("short_by") > 0) & pl.col("reliable"))
            .sort(["short_by", "township_code"], descending=[True, False]))
