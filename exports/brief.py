"""周调度通报: what the weekly 通报 says, built once from frames, rendered by brief_pdf and brief_docx.

Keeping the content apart from the two renderers means the PDF and the Word file always say the same thing.
The parts follow a county office's 通报: 报头 (county, 第 N 期, date), 一、总体情况 (the 一升一降 headline
numbers), 二、存在问题 (every 督办事项, grouped by kind, and the pace to year-end), 三、上期督办落实情况,
四、下步工作 (open 整改 items), and the ranking table. Pure: no Streamlit, no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from components.ranking_charts import move_text
from exports.supervision import KIND_ORDER
from queries.metrics import METRICS

TITLE = "脱贫攻坚周调度通报"
RANKING_HEADER = ("名次", "乡镇", "一降(百分点)", "一升(%)", "目标进度(%)", "完工率(%)", "结余率(%)", "综合得分",
                  "较上周", "榜单")
KPI_HEADER = ("指标", "上周", "本周", "变化")
PACE_HEADER = ("乡镇", "计划(人)", "已脱贫(人)", "还需(人)", "每周需(人)", "近四周每周(人)", "年底研判")
FOLLOWUP_HEADER = ("序号", "上期督办事项", "责任乡镇", "落实情况")
NEXT_HEADER = ("序号", "整改事项", "责任乡镇", "联系县领导", "完成时限")


@dataclass(frozen=True)
class ProblemGroup:
    kind: str
    items: list[str]  # each: the 督办事项 text, then （责任乡镇：…，联系县领导：…）


@dataclass(frozen=True)
class WeeklyBrief:
    county_name: str
    issue_no: int
    issued: dt.date
    as_of: dt.date
    week_ago: dt.date
    overview: list[str]                   # 总体情况 paragraphs
    kpis: list[tuple[str, str, str, str]]
    problems: list[ProblemGroup]
    pace: list[tuple[str, ...]]           # PACE_HEADER rows, townships that are not done
    followup_summary: str
    followup: list[tuple[str, str, str, str]]
    next_steps: list[tuple[str, str, str, str, str]]
    ranking: list[tuple[str, ...]]        # RANKING_HEADER rows
    ranking_note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return TITLE

    @property
    def issuer(self) -> str:
        return f"{self.county_name}脱贫攻坚指挥部办公室"

    @property
    def item_count(self) -> int:
        return sum(len(g.items) for g in self.problems)


def issue_number(as_of: dt.date) -> int:
    """第 N 期: the week of the year D falls in (1–7 January is 第 1 期), so numbers restart each year."""
    return (as_of.timetuple().tm_yday - 1) // 7 + 1


def _pct(value, precision: int) -> str:
    return "—" if value is None else f"{value:.{precision}f}%"


def overview(county: dict, comparison: pl.DataFrame, pace_all: dict | None, as_of: dt.date) -> list[str]:
    """总体情况: the headline numbers, each as township_indicators gives it at D (the report CSV)."""
    c = county
    drop = c.get("incidence_drop_pp")
    drop_text = "—" if drop is None else (f"较上年末下降 {drop:.2f} 个百分点" if drop >= 0
                                          else f"较上年末上升 {-drop:.2f} 个百分点")
    growth = c.get("income_growth_pct")
    year = c.get("income_year")
    growth_text = ("暂无可比收入数据" if growth is None else
                   f"建档立卡户人均纯收入增幅 {growth:.1f}%（{year}年比{year - 1}年）" if year else
                   f"建档立卡户人均纯收入增幅 {growth:.1f}%")
    progress, time_progress = c.get("target_progress_pct"), c.get("time_progress_pct")
    behind = None if progress is None or time_progress is None else round(time_progress, 1) - round(progress, 1)
    progress_text = (f"年度减贫任务进度 {_pct(progress, 1)}（已脱贫 {c['exited_persons_ytd']:,} 人 / 计划 "
                     f"{c['target_exit_persons']:,} 人），时间进度 {_pct(time_progress, 1)}")
    if behind is not None:
        progress_text += (f"，落后时间进度 {behind:.1f} 个百分点" if behind > 0 else
                          f"，快于时间进度 {-behind:.1f} 个百分点" if behind < 0 else "，与时间进度持平")
    first = (f"截至{as_of:%Y年%-m月%-d日}，全县贫困人口 {c['poor_persons']:,} 人，贫困发生率 "
             f"{_pct(c.get('incidence_pct'), 2)}，{drop_text}（一降）；{growth_text}（一升）；{progress_text}。")
    second = (f"{as_of.year}年度项目资金下达 {c['allocated_wan']:,.1f} 万元、支出 {c['spent_wan']:,.1f} 万元，"
              f"资金结余率 {_pct(c.get('balance_rate_pct'), 1)}；{as_of.year}年度项目 {c['projects']:,} 个，"
              f"已完工 {c['projects_completed']:,} 个，项目完工率 {_pct(c.get('completion_pct'), 1)}，"
              f"逾期未完工 {c['overdue_projects']:,} 个。")
    weekly = {r["key"]: r for r in comparison.iter_rows(named=True)}
    moved = []
    exited = weekly.get("exited_persons_ytd")
    if exited and exited["change"] is not None:
        moved.append(f"本周脱贫 {exited['change']:,.0f} 人")
    spent = weekly.get("spent_wan")
    if spent and spent["change"] is not None:
        moved.append(f"支出 {spent['change']:,.1f} 万元")
    done = weekly.get("projects_completed")
    if done and done["change"] is not None:
        moved.append(f"完工项目 {done['change']:,.0f} 个")
    third = ("本周" + "，".join(m.removeprefix("本周") for m in moved) + "。") if moved else \
        "本周为新年度第一周，年度累计指标从零起算，不与上年度比较。"
    if pace_all and pace_all.get("target_exit_persons"):
        if not pace_all["remaining"]:
            third += "全县已完成年度减贫计划。"
        else:
            needed = "已到年底" if pace_all["needed_per_week"] is None else \
                f"每周需脱贫 {pace_all['needed_per_week']:.1f} 人"  # D = 12-31: no week left
            third += (f"全县还需脱贫 {pace_all['remaining']:,} 人，{needed}，"
                      f"近四周每周 {pace_all['pace_per_week']:.1f} 人，{pace_all['verdict']}。" if pace_all["reliable"]
                      else f"全县还需脱贫 {pace_all['remaining']:,} 人，{needed}（本年度记录不足两周，暂不测算完成时间）。")
    return [first, second, third]


def build_brief(*, county_name: str, as_of: dt.date, week_ago: dt.date, county: dict,
                comparison: pl.DataFrame, items: pl.DataFrame, pace: pl.DataFrame, ranked: pl.DataFrame,
                last_items: pl.DataFrame, rectify: pl.DataFrame, leaders: pl.DataFrame,
                issued: dt.date | None = None) -> WeeklyBrief:
    """county: the ALL row of township_indicators at D; comparison: weekly_views.week_comparison (county);
    items: supervision_items at D (every one is printed); pace: exports.pace.year_end_pace;
    ranked: rescored townships with rank_week_ago / move_week; last_items: supervision_items at D−7;
    rectify: the 整改销号 list (rectification.store items); leaders: townships."""
    leader = dict(zip(leaders["township_code"], leaders["county_leader"]))
    pace_rows = {r["township_code"]: r for r in pace.iter_rows(named=True)}
    return WeeklyBrief(
        county_name=county_name, issue_no=issue_number(as_of), issued=issued or as_of, as_of=as_of,
        week_ago=week_ago,
        overview=overview(county, comparison, pace_rows.get("ALL"), as_of),
        kpis=[(r["label"], r["before_text"], r["now_text"], r["change_text"]) for r in comparison.iter_rows(named=True)],
        problems=problem_groups(items),
        pace=[(r["township_name"], f"{r['target_exit_persons']:,}", f"{r['exited_persons_ytd']:,}",
               f"{r['remaining']:,}", "—" if r["needed_per_week"] is None else f"{r['needed_per_week']:.1f}",
               f"{r['pace_per_week']:.1f}", r["verdict"] if r["reliable"] else "本年度记录不足两周，暂不研判")
              for r in pace.filter((pl.col("township_code") != "ALL") & (pl.col("remaining") > 0))
              .sort(["short_by", "remaining"], descending=True).iter_rows(named=True)],
        **followup(last_items, items, rectify),
        next_steps=next_steps(rectify, leader, as_of),
        ranking=ranking_rows(ranked),
        ranking_note="榜单：前三名为红榜，后三名为黑榜；较上周为名次变化（↑ 进位，↓ 退位）。",
    )


def problem_groups(items: pl.DataFrame) -> list[ProblemGroup]:
    """Every 督办事项, grouped by kind in KIND_ORDER; none dropped."""
    groups = []
    for kind in KIND_ORDER:
        rows = items.filter(pl.col("kind") == kind)
        if rows.height:
            groups.append(ProblemGroup(kind, [
                f"{r['text']}（责任乡镇：{r['township_name']}，联系县领导：{r['county_leader'] or '未填'}）"
                for r in rows.iter_rows(named=True)]))
    other = items.filter(~pl.col("kind").is_in(list(KIND_ORDER)))
    if other.height:
        groups.append(ProblemGroup("其他", [f"{r['text']}（责任乡镇：{r['township_name']}）"
                                          for r in other.iter_rows(named=True)]))
    return groups


def followup(last_items: pl.DataFrame, items: pl.DataFrame, rectify: pl.DataFrame) -> dict:
    """上期督办落实情况: last week's 督办事项, each with its 整改销号 status and whether it persists this week."""
    if not last_items.height:
        return {"followup_summary": "上期没有督办事项。", "followup": []}
    status = {}
    for r in rectify.sort("id").iter_rows(named=True):  # the latest item of a township and text wins
        status[(r["township_code"], r["text"])] = r["status"]
    still = set(zip(items["township_code"], items["text"])) if items.height else set()
    still_towns = {(code, kind) for code, kind in zip(items["township_code"], items["kind"])} if items.height else set()
    rows, closed, open_, unlisted = [], 0, 0, 0
    for i, r in enumerate(last_items.iter_rows(named=True), start=1):
        state = status.get((r["township_code"], r["text"]))
        if state == "已销号":
            closed += 1
        elif state == "未销号":
            open_ += 1
        else:
            unlisted += 1
            state = "未列入整改清单"
        persists = (r["township_code"], r["text"]) in still or (r["township_code"], r["kind"]) in still_towns
        rows.append((str(i), r["text"], r["township_name"], state + ("；本周仍存在" if persists else "；本周已消除")))
    summary = (f"上期通报督办事项 {last_items.height} 项：已销号 {closed} 项，未销号 {open_} 项，"
               f"未列入整改清单 {unlisted} 项。")
    return {"followup_summary": summary, "followup": rows}


def next_steps(rectify: pl.DataFrame, leader: dict, as_of: dt.date) -> list[tuple[str, str, str, str, str]]:
    """下步工作: the open 整改 items, earliest deadline first, each with 联系县领导 and its time limit."""
    open_items = rectify.filter(pl.col("status") == "未销号").sort(["deadline", "township_code", "id"])
    rows = []
    for i, r in enumerate(open_items.iter_rows(named=True), start=1):
        deadline = r["deadline"]
        limit = f"{deadline:%Y年%-m月%-d日}" + ("（已超期）" if deadline < as_of else "")
        rows.append((str(i), r["text"], r["township_name"], leader.get(r["township_code"]) or "未填", limit))
    return rows


def ranking_rows(ranked: pl.DataFrame) -> list[tuple[str, ...]]:
    """名次, 乡镇, the five component values, score, move since last week, 红榜/黑榜."""
    rows = ranked.filter(pl.col("township_code") != "ALL").sort("rank")
    n = rows.height
    out = []
    for i, r in enumerate(rows.iter_rows(named=True)):
        mark = "红榜" if i < 3 else ("黑榜" if i >= max(n - 3, 3) else "")
        out.append((str(r["rank"]), r["township_name"],
                    *("—" if r[k] is None else f"{r[k]:.{p}f}" for k, p in (
                        ("incidence_drop_pp", 2), ("income_growth_pct", 1), ("target_progress_pct", 1),
                        ("completion_pct", 1), ("balance_rate_pct", 1))),
                    f"{r['score']:.1f}", move_text(r.get("move_week")), mark))
    return out


def headline_values(county: dict) -> dict[str, str]:
    """The headline numbers as the 总体情况 prints them (for a reader to check against the report CSV)."""
    return {k: METRICS[k].format(county[k]) for k in ("poor_persons", "incidence_pct", "income_growth_pct",
                                                      "target_progress_pct", "balance_rate_pct", "completion_pct")}
