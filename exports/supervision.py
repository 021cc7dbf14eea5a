"""督办事项: the short list of things the county wants fixed, generated from the data — a pure function.

Each item names the township that answers for it and its 联系县领导, so the weekly meeting can assign it.
Rules (thresholds are arguments so a test can pin them; the page passes the config):
- 逾期项目: a township with projects overdue by more than `overdue_days` days (and how many became
  overdue this week);
- 任务滞后: a lagging township (target progress behind time progress by more than the lag threshold);
- 资金结余: a township whose 资金结余率 is above the county's by more than `balance_margin_pp`;
- 沉淀资金: a township with idle funds (allocated more than N days ago, less than the ratio spent);
- 产业资金: a township whose industry share is under the policy line;
- 年底进度: a township that, at its pace of the last four weeks, misses its annual target at 12-31
  (exports.pace; a pace over less than two weeks never raises one).
The funds ratios (资金结余, 产业资金) are judged only once a township has `min_fund_records` allocation records
of the year: in early January one allocation would show 0% industry share or a 100% balance.
No Streamlit, no database: frames in, a frame out.
"""

from __future__ import annotations

import polars as pl

KIND_ORDER = ("逾期项目", "任务滞后", "年底进度", "资金结余", "沉淀资金", "产业资金")
COLUMNS = {"kind": pl.String, "township_code": pl.String, "township_name": pl.String,
           "county_leader": pl.String, "text": pl.String, "severity": pl.Float64}


def supervision_items(indicators: pl.DataFrame, overdue: pl.DataFrame, idle: pl.DataFrame,
                      leaders: pl.DataFrame, *, overdue_days: int = 30, balance_margin_pp: float = 20.0,
                      industry_share_min_pct: float = 60.0, idle_days: int = 90,
                      idle_ratio: float = 0.2, pace: pl.DataFrame | None = None,
                      fund_records: pl.DataFrame | None = None, min_fund_records: int = 3) -> pl.DataFrame:
    """督办事项 at D, most urgent kind first, then the biggest problem first within a kind.

    indicators: township_indicators at D (township rows and the ALL row); overdue: weekly_overdue_projects;
    idle: weekly_idle_funds; leaders: townships (township_code, township_name, county_leader);
    pace: exports.pace.year_end_pace; fund_records: weekly_fund_records (None: every township judged).
    """
    names = dict(zip(leaders["township_code"], leaders["township_name"]))
    leader = dict(zip(leaders["township_code"], leaders["county_leader"]))
    items: list[dict] = []

    def add(kind: str, code: str, text: str, severity: float) -> None:
        items.append({"kind": kind, "township_code": code, "township_name": names.get(code, code),
                      "county_leader": leader.get(code), "text": text, "severity": float(severity)})

    if overdue.height:
        late = (overdue.group_by("township_code")
                .agg(long=(pl.col("days_overdue") > overdue_days).sum(),
                     new=(~pl.col("overdue_last_week").fill_null(False)).sum(),
                     worst=pl.col("days_overdue").max()))
        for row in late.iter_rows(named=True):
            if row["long"] == 0:
                continue
            extra = f"（本周新增逾期 {row['new']} 个）" if row["new"] else ""
            add("逾期项目", row["township_code"],
                f"{names.get(row['township_code'])} {row['long']} 个项目逾期超过{overdue_days}天，"
                f"最长已逾期 {row['worst']} 天{extra}", row["long"])

    towns = indicators.filter(pl.col("township_code") != "ALL")
    county = indicators.filter(pl.col("township_code") == "ALL")
    funded = towns
    if fund_records is not None:
        enough = fund_records.filter(pl.col("allocation_records") >= min_fund_records)["township_code"]
        funded = towns.filter(pl.col("township_code").is_in(enough.implode()))
    county_balance = county["balance_rate_pct"][0] if county.height else None

    # each loop reads only its columns: iter_rows converts every cell, slow over 2,273 townships' DECIMALs
    lagging = towns.filter(pl.col("lagging")).select("township_code", "township_name", "target_progress_pct",
                                                     "time_progress_pct", "exited_persons_ytd", "target_exit_persons")
    for row in lagging.iter_rows(named=True):
        gap = row["time_progress_pct"] - row["target_progress_pct"]
        add("任务滞后", row["township_code"],
            f"{row['township_name']} 年度减贫任务进度 {row['target_progress_pct']:.1f}%，落后时间进度 "
            f"{gap:.1f} 个百分点（已脱贫 {row['exited_persons_ytd']:,} / 计划 {row['target_exit_persons']:,} 人）",
            gap)

    if pace is not None:
        from exports.pace import behind

        for row in behind(pace).iter_rows(named=True):
            needed = "已到年底" if row["needed_per_week"] is None else f"每周需 {row['needed_per_week']:.1f} 人"  # D = 12-31
            add("年底进度", row["township_code"],
                f"{row['township_name']} 还需脱贫 {row['remaining']:,} 人，{needed}，"
                f"近四周每周 {row['pace_per_week']:.1f} 人，{row['verdict']}", row["short_by"])

    if county_balance is not None:
        high = (funded.filter(pl.col("balance_rate_pct") > county_balance + balance_margin_pp)
                .select("township_code", "township_name", "balance_rate_pct", "allocated_wan", "spent_wan"))
        for row in high.iter_rows(named=True):
            add("资金结余", row["township_code"],
                f"{row['township_name']} 资金结余率 {row['balance_rate_pct']:.0f}%，高于全县（{county_balance:.0f}%）"
                f"，下达 {row['allocated_wan']:,.1f} 万元仅支出 {row['spent_wan']:,.1f} 万元",
                row["balance_rate_pct"] - county_balance)

    if idle.height:
        sums = idle.group_by("township_code").agg(n=pl.len(), wan=pl.col("idle_wan").sum())
        for row in sums.iter_rows(named=True):
            add("沉淀资金", row["township_code"],
                f"{names.get(row['township_code'])} {row['n']} 个项目资金沉淀 {row['wan']:,.1f} 万元"
                f"（下达超过{idle_days}天、支出不足{idle_ratio * 100:.0f}%）", row["wan"])

    low = (funded.filter(pl.col("industry_share_pct") < industry_share_min_pct)
           .select("township_code", "township_name", "industry_share_pct"))
    for row in low.iter_rows(named=True):
        add("产业资金", row["township_code"],
            f"{row['township_name']} 产业发展资金占比 {row['industry_share_pct']:.0f}%，低于 "
            f"{industry_share_min_pct:g}% 的政策要求", industry_share_min_pct - row["industry_share_pct"])

    if not items:
        return pl.DataFrame(schema=COLUMNS)
    order = {kind: i for i, kind in enumerate(KIND_ORDER)}
    return (pl.DataFrame(items, schema=COLUMNS)
            .with_columns(_kind_order=pl.col("kind").replace_strict(order, return_dtype=pl.Int32))
            .sort(["_kind_order", "severity", "township_code"], descending=[False, True, False])
            .drop("_kind_order"))
