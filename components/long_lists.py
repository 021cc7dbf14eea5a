"""Which townships a chart draws when a unit has more than a reader can take in (a prefecture or a province
rolled up: 2,000+ townships). Bars, rows and labels for every one of them are unreadable on a screen and
cost seconds of Python per view; the chart draws both ends of the order and the viewer's own township, says
so in a caption, and the table beside it keeps every row."""

from __future__ import annotations

import polars as pl

DRAWN_MAX = 40   # up to this many townships, a chart draws them all (every real county)
DRAWN_ENDS = 15  # above it: the first and the last 15 in the chart's order, and the marked township


def drawn(frame: pl.DataFrame, by: str, *, mark: str | None = None, descending: bool = True,
          key: str = "township_code", limit: int = DRAWN_MAX, ends: int = DRAWN_ENDS) -> pl.DataFrame:
    """`frame` sorted by `by` (nulls last), cut to both ends when it has more than `limit` rows.

    The marked township (key value `mark`) stays wherever it falls. A township without a value sorts last, so
    it is among the last `ends` drawn (no data is news too).
    """
    ordered = frame.sort(by, descending=descending, nulls_last=True)
    if ordered.height <= limit:
        return ordered
    position = pl.int_range(pl.len())
    keep = (position < ends) | (position >= pl.len() - ends)
    if mark is not None:
        keep = keep | (pl.col(key) == mark)
    return ordered.filter(keep)


def cut(frame: pl.DataFrame, by: str, **how) -> pl.DataFrame:
    """`drawn` for a chart that orders its rows itself: a county's rows as they come (in their own order), a
    province's cut to both ends."""
    return frame if frame.height <= how.get("limit", DRAWN_MAX) else drawn(frame, by, **how)


EVERY_ROW = "全部乡镇见表格和下载"


def left_out(total: int, shown: int, what: str, *, marked: bool = False, rest: str = EVERY_ROW) -> str | None:
    """Caption for a chart cut by `drawn` (None when it draws everything). `what` names the order, e.g.
    "减贫进度最快和最慢"; `rest` says where the other townships are (a page without a table names another)."""
    if shown >= total:
        return None
    mine = "及本乡镇" if marked else ""
    return f"共 {total:,} 个乡镇，图中只画{what}的各 {DRAWN_ENDS} 个{mine}；{rest}。"
