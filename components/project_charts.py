"""项目 figures: projects by status, category and township, the planned-vs-actual timeline and a project's
progress history. Pure builders (frame in, figure out; no Streamlit, no database).
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from components.charts import TIME_LINE, base_layout, highlight
from components.long_lists import drawn
from queries.metrics import BAD, GOOD, NEUTRAL

STATUSES = ("未开工", "在建", "已完工", "已验收")
STATUS_COLOURS = {"未开工": "#b0bec5", "在建": "#1e88e5", "已完工": "#66bb6a", "已验收": GOOD}
PLANNED = "#cfd8dc"
DAY_MS = 86_400_000


def rates(summary: pl.DataFrame) -> dict[str, float | int | None]:
    """Totals of a projects_summary frame: projects, started, completed, overdue, 开工率, 完工率, 平均形象进度."""
    projects = int(summary["projects"].sum()) if summary.height else 0
    started = int(summary["started"].sum()) if summary.height else 0
    completed = int(summary["completed"].sum()) if summary.height else 0
    overdue = int(summary["overdue"].sum()) if summary.height else 0
    progress = float(summary["progress_sum"].sum()) if summary.height else 0.0
    share = (lambda n: 100.0 * n / projects) if projects else (lambda n: None)
    return {"projects": projects, "started": started, "completed": completed, "overdue": overdue,
            "start_pct": share(started), "completion_pct": share(completed),
            "avg_progress_pct": progress / projects if projects else None}


def by_status(summary: pl.DataFrame) -> go.Figure:
    """Projects per status (fixed order and colours), as a donut."""
    counts = summary.group_by("status").agg(pl.col("projects").sum())
    values = {s: n for s, n in zip(counts["status"], counts["projects"])}
    fig = go.Figure(go.Pie(
        labels=list(STATUSES), values=[values.get(s, 0) for s in STATUSES], hole=0.55, sort=False,
        marker=dict(colors=[STATUS_COLOURS[s] for s in STATUSES]), textinfo="label+value",
        hovertemplate="%{label}<br>%{value} 个（%{percent}）<extra></extra>",
    ))
    fig.update_layout(showlegend=False)
    return base_layout(fig, "项目状态", height=380)


def _stacked_by_status(summary: pl.DataFrame, axis: str, order: list[str], title: str) -> go.Figure:
    counts = summary.group_by(axis, "status").agg(pl.col("projects").sum())
    fig = go.Figure()
    for status in STATUSES:
        rows = dict(zip(*counts.filter(pl.col("status") == status).select(axis, "projects").to_dict().values()))
        fig.add_trace(go.Bar(y=order, x=[rows.get(k, 0) for k in order], orientation="h", name=status,
                             marker_color=STATUS_COLOURS[status],
                             hovertemplate="%{y}<br>" + status + " %{x} 个<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="项目数（个）", showgrid=True, gridcolor="#eceff1")
    fig.update_yaxes(autorange="reversed")
    height = max(360, 120 + 30 * len(order))
    fig = base_layout(fig, title, height=height)
    # The status legend under the axis title (beside a long title it covered the title on a phone): the
    # axis ticks and title take ~55 px below the plot; legend y is in plot heights.
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=-60 / (height - 130), yanchor="top",
                                  traceorder="normal"))
    return fig


def by_category(summary: pl.DataFrame) -> go.Figure:
    totals = (summary.group_by("category").agg(pl.col("projects").sum())
              .sort(["projects", "category"], descending=[True, False]))  # ties in a fixed order, run to run
    return _stacked_by_status(summary, "category", totals["category"].to_list(), "各类别项目进展")


def by_township(summary: pl.DataFrame, *, mark: str | None = None) -> go.Figure:
    """Projects per township stacked by status; the township label carries its 完工率 and overdue count.
    mark: a 乡镇 name (the viewer's own) whose bar and label are highlighted (charts.highlight). Above
    long_lists.DRAWN_MAX townships only both ends of the order and `mark` are drawn."""
    totals = (summary.group_by("township_name")
              .agg(pl.col("projects").sum(), pl.col("completed").sum(), pl.col("overdue").sum())
              .with_columns(rate=100 * pl.col("completed") / pl.col("projects"))
              .sort(["rate", "township_name"], descending=[True, False])  # ties in a fixed order
              .with_row_index("order"))
    totals = drawn(totals, "order", descending=False, mark=mark, key="township_name")
    summary = summary.filter(pl.col("township_name").is_in(totals["township_name"].implode()))
    labels = {n: f"{n}（完工 {r:.0f}%{f'，逾期 {o}' if o else ''}）"
              for n, r, o in zip(totals["township_name"], totals["rate"], totals["overdue"])}
    relabelled = summary.with_columns(pl.col("township_name").replace_strict(labels).alias("label"))
    fig = _stacked_by_status(relabelled, "label", [labels[n] for n in totals["township_name"]],
                             "各乡镇项目进展<br><span style='font-size:13px'>括号内为完工率、逾期数</span>")
    return highlight(fig, labels.get(mark))


def timeline(projects: pl.DataFrame, as_of: dt.date) -> go.Figure:
    """Planned (light bar) vs actual (coloured bar: start -> finish, or -> D while unfinished) per project.

    frame: projects_of_year rows (project_name, planned_start, planned_end, actual_start, actual_end, status,
    overdue, progress_pct). Actual bars are red for overdue projects.
    """
    rows = projects.sort("planned_start", "project_id", descending=[True, True])
    names = [f"{n[:18]}…" if len(n) > 19 else n for n in rows["project_name"]]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=names, base=rows["planned_start"].to_list(),
        x=[((e - s).days + 1) * DAY_MS for s, e in zip(rows["planned_start"], rows["planned_end"])],
        orientation="h", name="计划工期", marker_color=PLANNED, width=0.8,
        customdata=list(zip(rows["planned_start"].to_list(), rows["planned_end"].to_list())),
        hovertemplate="%{y}<br>计划 %{customdata[0]|%Y-%m-%d} 至 %{customdata[1]|%Y-%m-%d}<extra></extra>"))
    starts, widths, colours, ends = [], [], [], []
    for start, end, status, overdue in zip(rows["actual_start"], rows["actual_end"], rows["status"], rows["overdue"]):
        if start is None:
            starts.append(None), widths.append(None), colours.append(NEUTRAL), ends.append(None)
            continue
        finish = end or as_of
        starts.append(start), ends.append(finish)
        widths.append(((finish - start).days + 1) * DAY_MS)
        colours.append(BAD if overdue else STATUS_COLOURS.get(status, NEUTRAL))
    fig.add_trace(go.Bar(
        y=names, base=starts, x=widths, orientation="h", name="实际进度", marker_color=colours, width=0.4,
        customdata=list(zip(rows["status"].to_list(), rows["progress_pct"].to_list(), starts, ends)),
        hovertemplate="%{y}<br>%{customdata[0]}，形象进度 %{customdata[1]:.0f}%<br>实际 %{customdata[2]|%Y-%m-%d} 至 "
                      "%{customdata[3]|%Y-%m-%d}<extra></extra>"))
    fig.add_vline(x=dt.datetime.combine(as_of, dt.time()).timestamp() * 1000,
                  line=dict(color=TIME_LINE, dash="dash", width=1.5))
    fig.add_annotation(x=as_of, y=1, yref="paper", text=f"截止 {as_of:%m-%d}", showarrow=False,
                       font=dict(color=TIME_LINE), yanchor="bottom")
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(type="date", tickformat="%Y-%m", showgrid=True, gridcolor="#eceff1")
    return base_layout(fig, "计划 vs 实际工期（红 = 逾期）", height=max(320, 100 + 26 * rows.height))


def progress_history(reports: pl.DataFrame, planned_start: dt.date, planned_end: dt.date) -> go.Figure:
    """A project's reported 形象进度 against the straight planned line from 0 at start to 100 at the end."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[planned_start, planned_end], y=[0, 100], mode="lines", name="计划进度",
                             line=dict(color=TIME_LINE, dash="dash")))
    fig.add_trace(go.Scatter(x=reports["report_date"].to_list(), y=reports["progress_pct"].to_list(),
                             mode="lines+markers", name="填报形象进度", line=dict(color=GOOD, width=3),
                             text=reports["status"].to_list(),
                             hovertemplate="%{x|%Y-%m-%d}<br>%{text}，形象进度 %{y:.0f}%<extra></extra>"))
    fig.update_yaxes(title_text="形象进度（%）", range=[0, 105])
    return base_layout(fig, "形象进度：填报 vs 计划", height=340)
