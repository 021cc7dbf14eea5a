"""The township indicator table in pandas: the baseline the DuckDB path is measured against, and an
independent cross-check of queries/township_indicators.sql.

Written from DESIGN.md "Indicator definitions" alone (not translated from the SQL), as an analyst would
write it with pandas: vectorised groupby/merge over the tables read from the database once. It reads no
database itself: `read_tables` does that, outside the timed part.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

# Columns of township_indicators.csv in DESIGN.md order, then the per-indicator scores s_i behind `score`.
COLUMNS = (
    "township_code", "township_name", "rural_population", "poor_persons", "incidence_pct", "incidence_prev_pct",
    "incidence_drop_pp", "income_year", "income_pc", "income_pc_prev", "income_growth_pct", "allocated_wan",
    "spent_wan", "balance_rate_pct", "industry_share_pct", "projects", "projects_completed", "completion_pct",
    "overdue_projects", "target_exit_persons", "exited_persons_ytd", "target_progress_pct", "time_progress_pct",
    "lagging", "score", "rank",
)
SCORE_PARTS = ("s_drop", "s_income", "s_target", "s_completion", "s_balance")
TABLES = ("townships", "villages", "households", "household_events", "incomes", "projects", "project_progress",
          "fund_allocations", "fund_payments", "annual_plans")

# Same-day events apply in this order (DESIGN.md "Household status at D").
EVENT_ORDER = {"纳入": 1, "脱贫": 2, "返贫": 3, "清退": 4}
STATUS_OF_EVENT = {"纳入": "poor", "返贫": "poor", "脱贫": "exited"}  # 清退 -> counted nowhere
COMPLETED = ("已完工", "已验收")
INDUSTRY = "产业发展"
ALL = "ALL"
# Score inputs: (indicator column, weight key in settings, part column, higher is better)
SCORED = (
    ("incidence_drop_pp", "incidence_drop_pp", "s_drop", True),
    ("income_growth_pct", "income_growth_pct", "s_income", True),
    ("target_progress_pct", "target_progress_pct", "s_target", True),
    ("completion_pct", "completion_pct", "s_completion", True),
    ("balance_rate_pct", "balance_rate_pct", "s_balance", False),
)
TIE = 1e-9
MONEY_SCALE = 10_000  # 万元 to units of 0.0001 万元


def read_tables(con) -> dict[str, pd.DataFrame]:
    """Every table the indicators use, from a DuckDB connection into pandas (money as float, dates as
    datetime64). Not part of the timed computation."""
    return {name: con.sql(f"SELECT * FROM {name}").df() for name in TABLES}


def _ratio(num, den) -> pd.Series:
    """100 × num / den, blank (NaN) where den is 0 or blank."""
    num, den = pd.Series(num, dtype="float64"), pd.Series(den, dtype="float64")
    return (100 * num / den.where(den != 0)).astype("float64")


def _with_all(per_township: pd.DataFrame | pd.Series, how="sum"):
    """Append the county total as index 'ALL'."""
    if isinstance(per_township, pd.Series):
        return pd.concat([per_township, pd.Series({ALL: per_township.agg(how)})])
    total = per_township.agg(how).to_frame(ALL).T
    return pd.concat([per_township, total])


def household_status(events: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """Per household counted at `at`: status 'poor' (未脱贫) or 'exited' (已脱贫), from its last event dated
    on or before `at` (same-day events in EVENT_ORDER). Households with no event yet or 清退 are absent."""
    ev = events[events["date"] <= at]
    # np.select over vectorised string equality: much faster than Series.map(dict) on string columns
    order = np.select([ev["event"] == e for e in EVENT_ORDER], list(EVENT_ORDER.values()), 0)
    key = pd.Series(ev["date"].to_numpy().astype("datetime64[D]").astype(np.int64) * 8 + order, index=ev.index)
    last = ev.loc[key.groupby(ev["household_id"]).idxmax(), ["household_id", "event"]]
    status = np.select([last["event"] == e for e in STATUS_OF_EVENT], list(STATUS_OF_EVENT.values()), "")
    last = pd.DataFrame({"household_id": last["household_id"].to_numpy(), "status": status})
    return last[last["status"] != ""]


def township_indicators_pandas(tables: dict[str, pd.DataFrame], as_of: dt.date, settings) -> pd.DataFrame:
    """One row per township (by 乡镇代码) and a last row 'ALL'; columns COLUMNS + SCORE_PARTS."""
    d = pd.Timestamp(as_of)
    y = as_of.year
    prev_end = pd.Timestamp(dt.date(y - 1, 12, 31))

    townships = tables["townships"].sort_values("township_code")
    codes = pd.Index(townships["township_code"], name="township_code")
    villages = tables["villages"]
    households = tables["households"].merge(villages[["village_code", "township_code"]], on="village_code")
    hh = households.set_index("household_id")[["township_code", "size"]]

    def per_township(values: pd.Series, by: pd.Series) -> pd.Series:
        """Sum per township, 0 for townships without rows, plus the ALL total."""
        return _with_all(values.groupby(by).sum().reindex(codes, fill_value=0))

    rural = per_township(villages["rural_population"], villages["township_code"])

    # 贫困人口 and 贫困发生率 at D and at the end of last year
    def poor_persons(at: pd.Timestamp) -> tuple[pd.DataFrame, pd.Series]:
        status = household_status(tables["household_events"], at).join(hh, on="household_id")
        poor = status[status["status"] == "poor"]
        return status, per_township(poor["size"], poor["township_code"])

    status_d, poor = poor_persons(d)
    _, poor_prev = poor_persons(prev_end)
    incidence = _ratio(poor, rural)
    incidence_prev = _ratio(poor_prev, rural)

    # 一升: one income year I for the county; households counted at D with a record in I and in I-1
    incomes = tables["incomes"]
    years = incomes.loc[incomes["year"] <= y, "year"]
    income_year = int(years.max()) if len(years) else None
    if income_year is not None:
        wide = (incomes[incomes["year"].isin((income_year, income_year - 1))]
                .pivot(index="household_id", columns="year", values="income_per_capita")
                .reindex(columns=[income_year, income_year - 1]).dropna())
        wide.columns = ["pc", "pc_prev"]
        used = status_d.merge(wide, left_on="household_id", right_index=True)
        weighted = pd.DataFrame({"township_code": used["township_code"], "size": used["size"].astype("float64"),
                                 "pc": used["pc"] * used["size"], "pc_prev": used["pc_prev"] * used["size"]})
        sums = _with_all(weighted.groupby("township_code")[["size", "pc", "pc_prev"]].sum().reindex(codes))
        income_pc = sums["pc"] / sums["size"].where(sums["size"] > 0)
        income_pc_prev = sums["pc_prev"] / sums["size"].where(sums["size"] > 0)
    else:
        income_pc = income_pc_prev = pd.Series(np.nan, index=rural.index)
    income_growth = 100 * (income_pc / income_pc_prev.where(income_pc_prev != 0) - 1)

    # Funds and projects of year Y (a project's funds count in its 年度, whenever allocated)
    projects = tables["projects"]
    projects = projects.loc[projects["year"] == y, ["project_id", "township_code", "category", "planned_end"]]
    project_township = projects.set_index("project_id")["township_code"]

    def funds(table: str) -> pd.DataFrame:
        rows = tables[table]
        rows = rows[(rows["date"] <= d)].merge(projects[["project_id", "township_code", "category"]],
                                                on="project_id")
        # Money in exact units of 0.0001 万元 (the files' DECIMAL(18, 4)), so that sums do not drift and a
        # fully spent or untouched allocation gives exactly 0 or 100 (equal values must tie in the score).
        return rows.assign(units=(rows["amount"] * MONEY_SCALE).round().astype("int64"))

    allocations, payments = funds("fund_allocations"), funds("fund_payments")
    allocated = per_township(allocations["units"], allocations["township_code"])
    spent = per_township(payments["units"], payments["township_code"])
    industry = allocations[allocations["category"] == INDUSTRY]
    allocated_industry = per_township(industry["units"], industry["township_code"])
    balance_rate = _ratio(allocated - spent, allocated)
    industry_share = _ratio(allocated_industry, allocated)

    progress = tables["project_progress"]
    progress = progress[(progress["report_date"] <= d) & progress["project_id"].isin(projects["project_id"])]
    latest = progress.loc[progress.groupby("project_id")["report_date"].idxmax(), ["project_id", "status"]]
    projects = projects.merge(latest, on="project_id", how="left")
    completed = projects["status"].isin(COMPLETED)
    overdue = (projects["planned_end"] < d) & ~completed
    n_projects = per_township(pd.Series(1, index=projects.index), projects["township_code"])
    n_completed = per_township(completed.astype("int64"), projects["township_code"])
    n_overdue = per_township(overdue.astype("int64"), projects["township_code"])
    completion = _ratio(n_completed, n_projects)

    # Annual target: exits this year vs 计划脱贫人数, against time progress
    events = tables["household_events"]
    exits = events[(events["event"] == "脱贫") & (events["date"] <= d)]
    last_exit = exits.groupby("household_id")["date"].max().rename("last_exit")
    exited = status_d[status_d["status"] == "exited"].join(last_exit, on="household_id")
    exited = exited[exited["last_exit"].dt.year == y]
    exited_ytd = per_township(exited["size"], exited["township_code"])
    plans = tables["annual_plans"]
    plans = plans[plans["year"] == y]
    target = per_township(plans["target_exit_persons"], plans["township_code"])
    target_progress = _ratio(exited_ytd, target)
    days_in_year = 366 if pd.Timestamp(dt.date(y, 12, 31)).is_leap_year else 365
    time_progress = 100 * d.dayofyear / days_in_year
    lagging = (target_progress < time_progress - settings.lag_threshold_pp).fillna(False)

    out = pd.DataFrame({
        "township_code": rural.index,
        "township_name": list(townships["township_name"]) + ["全县"],
        "rural_population": rural.to_numpy(),
        "poor_persons": poor.to_numpy(),
        "incidence_pct": incidence.to_numpy(),
        "incidence_prev_pct": incidence_prev.to_numpy(),
        "incidence_drop_pp": (incidence_prev - incidence).to_numpy(),
        "income_year": income_year,
        "income_pc": income_pc.to_numpy(),
        "income_pc_prev": income_pc_prev.to_numpy(),
        "income_growth_pct": income_growth.to_numpy(),
        "allocated_wan": allocated.to_numpy() / MONEY_SCALE,
        "spent_wan": spent.to_numpy() / MONEY_SCALE,
        "balance_rate_pct": balance_rate.to_numpy(),
        "industry_share_pct": industry_share.to_numpy(),
        "projects": n_projects.to_numpy(),
        "projects_completed": n_completed.to_numpy(),
        "completion_pct": completion.to_numpy(),
        "overdue_projects": n_overdue.to_numpy(),
        "target_exit_persons": target.to_numpy(),
        "exited_persons_ytd": exited_ytd.to_numpy(),
        "target_progress_pct": target_progress.to_numpy(),
        "time_progress_pct": time_progress,
        "lagging": lagging.to_numpy(dtype=bool),
    })
    return _score(out, settings)


def _score(out: pd.DataFrame, settings) -> pd.DataFrame:
    """Composite score and rank over the township rows (the ALL row gets blanks)."""
    towns = out["township_code"] != ALL
    total_weight = 0.0
    score = pd.Series(0.0, index=out.index)
    for column, weight_key, part, higher_is_better in SCORED:
        x = out.loc[towns, column]
        lo, hi = x.min(), x.max()
        if hi != lo:
            s = (x - lo) / (hi - lo)
            if not higher_is_better:
                s = 1 - s
        else:  # all equal, or one value: s = 1 in either direction
            s = pd.Series(1.0, index=x.index).where(x.notna())
        s = s.fillna(0.0)  # a blank counts as the worst
        out[part] = s  # NaN on the ALL row
        weight = settings.weights[weight_key]
        score = score + weight * s
        total_weight += weight
    out["score"] = (100 * score / total_weight).where(towns)

    # Rank 1 = highest score; scores within TIE are equal and the smaller 乡镇代码 goes first.
    s = out.loc[towns, "score"].to_numpy()
    code = out.loc[towns, "township_code"].to_numpy()
    ahead = (s[None, :] > s[:, None] + TIE) | ((np.abs(s[None, :] - s[:, None]) <= TIE) & (code[None, :] < code[:, None]))
    out["rank"] = pd.Series(1 + ahead.sum(axis=1), index=out.index[towns]).reindex(out.index).astype("Int64")
    return out[list(COLUMNS + SCORE_PARTS)].reset_index(drop=True)
