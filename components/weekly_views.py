"""周调度 pieces: this week (D) against last week (D−7) — pure frame builders and one figure, no Streamlit.

Inputs are township_indicators frames at D and D−7 and the totals of weekly_idle_funds; outputs are small
frames with Chinese-ready labels that the page, the PDF brief and the DOCX brief all show the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from components.charts import base_layout, highlight
from queries.metrics import BAD, GOOD, NEUTRAL


@dataclass(frozen=True)
class WeekItem:
    key: str
    label: str
    unit: str  # 人, %, 万元, 个
    higher_is_better: bool | None
    precision: int
    change_label: str  # how the change reads in a sentence, e.g. 本周脱贫


WEEK_ITEMS = (
    WeekItem("exited_persons_ytd", "本年累计脱贫人数", "人", True, 0, "本周脱贫"),
    WeekItem("poor_persons", "贫困人口", "人", False, 0, "本周变化"),
    WeekItem("incidence_pct", "贫困发生率", "%", False, 2, "本周变化"),
    WeekItem("target_progress_pct", "年度目标进度", "%", True, 1, "本周推进"),
    WeekItem("spent_wan", "资金支出", "万元", True, 1, "本周支出"),
    WeekItem("balance_rate_pct", "资金结余率", "%", False, 1, "本周变化"),
    WeekItem("projects_completed", "完工项目", "个", True, 0, "本周完工"),
    WeekItem("overdue_projects", "逾期项目", "个", False, 0, "本周变化"),
    WeekItem("idle_wan", "沉淀资金", "万元", False, 1, "本周变化"),
)


def format_value(value, unit: str, precision: int) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.{precision}f}%"
    return f"{value:,.{precision}f} {unit}"


# Figures about the projects, funds and exits of year Y: in the first week of January last week's value is
# about last year, so it is labelled with its year and not compared.
YEAR_SCOPED = ("exited_persons_ytd", "target_progress_pct", "spent_wan", "balance_rate_pct", "projects_completed",
               "overdue_projects")


def shown_change(a, b, precision: int):
    """The change between the two values as printed (rounded), so "0.22% → 0.14%" reads −0.08, not −0.07."""
    if a is None or b is None:
        return None
    return round(round(a, precision) - round(b, precision), precision)


def format_change(change, unit: str, precision: int) -> str:
    if change is None:
        return "—"
    if round(change, precision) == 0:
        return "持平"
    unit = "个百分点" if unit == "%" else unit
    return f"{change:+,.{precision}f} {unit}"


def week_comparison(now: dict, before: dict) -> pl.DataFrame:
    """One row per WEEK_ITEMS entry: 上周 (D−7), 本周 (D), change and whether the change is good.

    now/before: one area's township_indicators row (as a dict) plus `idle_wan` and `_year`. The change is
    taken between the values as shown. When D−7 is in the year before D, the figures about a year's projects,
    funds and exits (YEAR_SCOPED) are about different years: last week's is labelled with its year and the
    change is left blank ("跨年度不比较")."""
    same_year = now.get("_year") == before.get("_year")
    rows = []
    for item in WEEK_ITEMS:
        a, b = now.get(item.key), before.get(item.key)
        change = shown_change(a, b, item.precision)
        before_text = format_value(b, item.unit, item.precision)
        cross_year = not same_year and item.key in YEAR_SCOPED
        if cross_year:
            change = None
            if b is not None:
                before_text += f"（{before.get('_year')}年度）"
        good = None if change is None or item.higher_is_better is None or change == 0 \
            else (change > 0) == item.higher_is_better
        rows.append({
            "key": item.key, "label": item.label, "unit": item.unit, "before": b, "now": a, "change": change,
            "before_text": before_text,
            "now_text": format_value(a, item.unit, item.precision),
            "delta_text": format_change(change, item.unit, item.precision),
            "change_text": "跨年度不比较" if cross_year else
            f"{item.change_label} {format_change(change, item.unit, item.precision)}",
            "good": good,
        })
    return pl.DataFrame(rows, schema={"key": pl.String, "label": pl.String, "unit": pl.String, "before": pl.Float64,
                                      "now": pl.Float64, "change": pl.Float64, "before_text": pl.String,
                                      "now_text": pl.String, "delta_text": pl.String, "change_text": pl.String, "good": pl.Boolean})


def area_row(indicators: pl.DataFrame, code: str, idle: pl.DataFrame, as_of) -> dict:
    """An area's indicator row with its idle-funds total (idle: weekly_idle_funds at the same D)."""
    rows = indicators.filter(pl.col("township_code") == code)
    row = rows.row(0, named=True) if rows.height else {}
    scoped = idle if code == "ALL" else idle.filter(pl.col("township_code") == code)
    return {**row, "idle_wan": float(scoped["idle_wan"].sum()) if scoped.height else 0.0, "_year": as_of.year}


def township_week_table(now: pl.DataFrame, before: pl.DataFrame, *, same_year: bool = True) -> pl.DataFrame:
    """Per township: what moved this week (persons exited, incidence, spend, completed, overdue, rank).

    same_year=False (D−7 in the year before D): the year-scoped moves (exits, spend, completed, overdue)
    compare different years' projects and are left blank."""
    keys = ["exited_persons_ytd", "incidence_pct", "spent_wan", "projects_completed", "overdue_projects", "rank"]
    prev = before.filter(pl.col("township_code") != "ALL").select(
        "township_code", *[pl.col(k).alias(f"{k}_prev") for k in keys])
    return (now.filter(pl.col("township_code") != "ALL")
            .join(prev, on="township_code", how="left")
            .select(
                "township_code", "township_name", "rank",
                exited_week=pl.col("exited_persons_ytd") - pl.col("exited_persons_ytd_prev"),
                incidence_pct="incidence_pct",
                incidence_change_pp=pl.col("incidence_pct") - pl.col("incidence_pct_prev"),
                spent_week_wan=pl.col("spent_wan") - pl.col("spent_wan_prev"),
                completed_week=pl.col("projects_completed") - pl.col("projects_completed_prev"),
                overdue_projects="overdue_projects",
                overdue_change=pl.col("overdue_projects") - pl.col("overdue_projects_prev"),
                rank_move=pl.col("rank_prev") - pl.col("rank"),
            )
            .with_columns([] if same_year else [pl.lit(None, pl.Float64).alias(c) for c in (
                "exited_week", "spent_week_wan", "completed_week", "overdue_change")])
            .sort("rank"))


def lagging_townships(now: pl.DataFrame, leaders: pl.DataFrame) -> pl.DataFrame:
    """Lagging townships, the furthest behind first, with the gap and 联系县领导."""
    return (now.filter((pl.col("township_code") != "ALL") & pl.col("lagging"))
            .join(leaders.select("township_code", "county_leader"), on="township_code", how="left")
            .with_columns(gap_pp=pl.col("time_progress_pct") - pl.col("target_progress_pct"))
            .select("township_code", "township_name", "target_progress_pct", "time_progress_pct", "gap_pp",
                    "exited_persons_ytd", "target_exit_persons", "county_leader")
            .sort("gap_pp", descending=True))


ITEMS_LISTED, ITEMS_PER_KIND = 40, 5  # 督办事项 listed one by one: all up to 40 (a county), else 5 of each kind


def listed_items(items: pl.DataFrame) -> pl.DataFrame:
    """The 督办事项 the page lists one by one: all of a county's; of a province's (a thousand), the first
    ITEMS_PER_KIND of each kind in the list's order (most urgent kind first, the biggest problem first)."""
    if items.height <= ITEMS_LISTED:
        return items
    return items.group_by("kind", maintain_order=True).head(ITEMS_PER_KIND)


def exited_this_week(table: pl.DataFrame, *, mark: str | None = None) -> go.Figure:
    """本周脱贫人数 by township (grey when none); mark: a 乡镇 name (the viewer's own) to highlight."""
    rows = table.sort("exited_week", descending=True, nulls_last=True)
    values = rows["exited_week"].fill_null(0).to_list()
    fig = go.Figure(go.Bar(
        x=rows["township_name"].to_list(), y=values,
        marker_color=[GOOD if v > 0 else (BAD if v < 0 else NEUTRAL) for v in values],
        text=[f"{v:,}" for v in values], textposition="outside",
        hovertemplate="%{x}<br>本周脱贫 %{y:,} 人<extra></extra>",
    ))
    fig.update_yaxes(title_text="人", rangemode="tozero")
    return highlight(base_layout(fig, "本周各乡镇脱贫人数", height=360), mark)
