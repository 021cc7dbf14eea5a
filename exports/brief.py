"""周调度简报: what the one-page brief says, built once from frames, rendered by brief_pdf and brief_docx.

Keeping the content apart from the two renderers means the PDF and the Word file always say the same thing.
Pure: no Streamlit, no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from components.ranking_charts import move_text


@dataclass(frozen=True)
class WeeklyBrief:
    title: str
    subtitle: str
    kpis: list[tuple[str, str, str, str]]          # 指标, 上周, 本周, 变化
    ranking: list[tuple[str, str, str, str, str, str]]  # 排名, 乡镇, 得分, 较上周, 最拉分项, 联系县领导
    lagging: list[tuple[str, str, str, str, str]]   # 乡镇, 目标进度, 时间进度, 落后, 联系县领导
    items: list[tuple[str, str, str, str]]          # 序号, 类别, 事项, 责任乡镇 / 联系县领导

    KPI_HEADER = ("指标", "上周", "本周", "变化")
    RANKING_HEADER = ("排名", "乡镇", "综合得分", "较上周", "最拉分项", "联系县领导")
    LAGGING_HEADER = ("乡镇", "年度目标进度", "时间进度", "落后（百分点）", "联系县领导")
    ITEMS_HEADER = ("序号", "类别", "督办事项", "责任乡镇 / 联系县领导")


def build_brief(as_of: dt.date, week_ago: dt.date, area_name: str, comparison: pl.DataFrame,
                ranked: pl.DataFrame, lagging: pl.DataFrame, items: pl.DataFrame,
                *, max_items: int = 12) -> WeeklyBrief:
    """comparison: weekly_views.week_comparison; ranked: rank_changes + county_leader + weakest;
    lagging: weekly_views.lagging_townships; items: supervision_items (the first max_items are kept)."""
    return WeeklyBrief(
        title=f"脱贫攻坚周调度简报（{area_name}）",
        subtitle=f"数据截止 {as_of:%Y年%m月%d日}，与上周（{week_ago:%m月%d日}）对比",
        kpis=[(r["label"], r["before_text"], r["now_text"], r["change_text"]) for r in comparison.iter_rows(named=True)],
        ranking=[(str(r["rank"]), r["township_name"], f"{r['score']:.1f}", move_text(r["move_week"]),
                  r.get("weakest") or "", r.get("county_leader") or "") for r in ranked.sort("rank").iter_rows(named=True)],
        lagging=[(r["township_name"], f"{r['target_progress_pct']:.1f}%", f"{r['time_progress_pct']:.1f}%",
                  f"{r['gap_pp']:.1f}", r["county_leader"] or "") for r in lagging.iter_rows(named=True)],
        items=[(str(i + 1), r["kind"], r["text"], f"{r['township_name']} / {r['county_leader'] or '未填'}")
               for i, r in enumerate(items.head(max_items).iter_rows(named=True))],
    )
