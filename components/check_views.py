"""Frames the 数据核查 and 防返贫监测 page shows: rule summaries, the township × rule matrix, weekly trends and
the record lists with Chinese headers, masked as the user's role requires.

Pure polars (no Streamlit, no database): the page hands in query results, these shape them.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from components import long_lists
from components.privacy import mask_frame

SEVERITY_ORDER = {"高": 0, "中": 1, "低": 2}
RECORD_ID_LABEL = {"户": "户编号", "成员": "户编号", "村": "村代码", "项目": "项目编号"}
HELPER_LABEL = {"户": "帮扶责任人", "成员": "帮扶责任人", "村": "第一书记", "项目": "帮扶责任人"}
RISK_LEVELS = ("高", "中", "低")


def _counts_in(counts: pl.DataFrame, township: str) -> pl.DataFrame:
    rows = counts if township == "ALL" else counts.filter(pl.col("township_code") == township)
    return rows.group_by("rule_id").agg(pl.col("issues").sum())


def counts_by_date(weeks: pl.DataFrame, dates: list[dt.date]) -> dict[dt.date, pl.DataFrame]:
    """checks_counts_by_township_weeks split by date: {date: its checks_counts_by_township rows} for each of
    `dates` (an empty frame for a date without issues)."""
    rows = weeks.drop("as_of")
    parts = {key[0]: part.drop("as_of") for key, part in weeks.partition_by("as_of", as_dict=True).items()}
    return {d: parts.get(d, rows.clear()) for d in dates}


def rule_summary(rules: pl.DataFrame, counts_now: pl.DataFrame, counts_before: pl.DataFrame,
                 township: str = "ALL") -> pl.DataFrame:
    """One row per rule in display order: issues at D in the area, and the change since D−7.

    rules: checks_registry.rules_frame(); counts_*: checks_counts_by_township at D and at D−7.
    """
    now = _counts_in(counts_now, township)
    before = _counts_in(counts_before, township).rename({"issues": "issues_before"})
    return (rules.join(now, on="rule_id", how="left").join(before, on="rule_id", how="left")
            .with_columns(pl.col("issues").fill_null(0), pl.col("issues_before").fill_null(0))
            .with_columns(change=pl.col("issues") - pl.col("issues_before"))
            .sort("order"))


def listed_counts(counts: pl.DataFrame, list_townships: dict[str, str]) -> dict[str, int]:
    """Issues per rule in the area each rule's list actually shows (rule_id -> township code or 'ALL'), so the
    rule selector's "（N 条）" matches the rows below it: a 乡镇 user on 全县 gets the county's totals in the
    summary but only their own township's households in a list (queries.scope)."""
    return {rule_id: int(_counts_in(counts.filter(pl.col("rule_id") == rule_id), township)["issues"].sum() or 0)
            for rule_id, township in list_townships.items()}


def heat_matrix(rules: pl.DataFrame, counts: pl.DataFrame, townships: pl.DataFrame) -> pl.DataFrame:
    """Townships (rows, by code) × rules (columns named by rule_id, display order), issue counts, 0 when none."""
    grid = townships.select("township_code", "township_name").join(rules.select("rule_id"), how="cross")
    filled = grid.join(counts.select("township_code", "rule_id", "issues"), on=["township_code", "rule_id"],
                       how="left").with_columns(pl.col("issues").fill_null(0))
    wide = filled.pivot(on="rule_id", index=["township_code", "township_name"], values="issues")
    return wide.select("township_code", "township_name", *rules["rule_id"].to_list()).sort("township_code")


def heat_drawn(matrix: pl.DataFrame, rules: pl.DataFrame, *, mark: str | None = None) -> pl.DataFrame:
    """The rows of the heat matrix its figure draws: all of a county's (in code order, as the table); above
    long_lists.DRAWN_MAX townships, the ones with most and fewest issues (all rules) and the viewer's own
    (mark: a 乡镇 name), most first — the matrix table keeps every row."""
    if matrix.height <= long_lists.DRAWN_MAX:
        return matrix
    # one sort key, most issues first and equal totals by 乡镇代码 (a stable order from view to view)
    n = matrix.height
    keyed = matrix.sort("township_code").with_columns(
        _key=pl.sum_horizontal(rules["rule_id"].to_list()).cast(pl.Int64) * (n + 1) + (n - pl.int_range(n)))
    return long_lists.drawn(keyed, "_key", mark=mark, key="township_name").drop("_key")


def weekly_by_severity(rules: pl.DataFrame, counts_by_date: dict[dt.date, pl.DataFrame],
                       township: str = "ALL") -> pl.DataFrame:
    """week (date), severity, issues — one row per date and severity (0 when none), oldest first."""
    frames = []
    for day, counts in sorted(counts_by_date.items()):
        per_rule = _counts_in(counts, township).join(rules.select("rule_id", "severity"), on="rule_id")
        for severity in SEVERITY_ORDER:
            total = per_rule.filter(pl.col("severity") == severity)["issues"].sum()
            frames.append({"week": day, "severity": severity, "issues": int(total or 0)})
    return pl.DataFrame(frames, schema={"week": pl.Date, "severity": pl.String, "issues": pl.Int64})


def weekly_by_township(counts_by_date: dict[dt.date, pl.DataFrame], townships: pl.DataFrame) -> pl.DataFrame:
    """Townships × weeks: issue counts per township at each date (columns 'MM-DD', oldest first), plus the
    change over the last week and over the whole span, so the 周调度 sees who is fixing and who is not."""
    days = sorted(counts_by_date)
    out = townships.select("township_code", "township_name")
    for day in days:
        per_town = counts_by_date[day].group_by("township_code").agg(pl.col("issues").sum().alias(f"{day:%m-%d}"))
        out = out.join(per_town, on="township_code", how="left")
    out = out.with_columns(pl.col(f"{d:%m-%d}").fill_null(0) for d in days)
    last, prev, first = f"{days[-1]:%m-%d}", f"{days[-2]:%m-%d}", f"{days[0]:%m-%d}"
    return out.with_columns(week_change=pl.col(last) - pl.col(prev), span_change=pl.col(last) - pl.col(first)) \
        .sort(last, "township_code", descending=[True, False])


def issue_table(rows: pl.DataFrame, target: str, *, visible: bool, ids_visible: bool = False) -> pl.DataFrame:
    """A rule's records with Chinese headers, for the screen and the Excel the township fixes from.

    Columns that carry nothing for this kind of record (e.g. 姓名 for a project) are left out.
    """
    masked = mask_frame(rows, names=("person_name",), id_numbers=("id_number",), visible=visible,
                        ids_visible=ids_visible)
    columns = {"township_name": "乡镇", "village_name": "村", "record_id": RECORD_ID_LABEL[target]}
    if target == "项目":
        columns["record_name"] = "项目名称"
    if target in ("户", "成员"):
        columns["person_name"] = "户主" if target == "户" else "姓名"
        columns["id_number"] = "身份证号"
    if target != "项目":
        columns["helper"] = HELPER_LABEL[target]
    columns["detail"] = "问题说明"
    return masked.select([pl.col(k).alias(v) for k, v in columns.items()])


def township_issue_table(matrix: pl.DataFrame, rules: pl.DataFrame, quality: pl.DataFrame) -> pl.DataFrame:
    """The heat matrix as a downloadable table: 乡镇, one column per rule (简称), 合计, 在册户数, 每百户问题数."""
    shorts = dict(zip(rules["rule_id"], rules["short"]))
    rule_ids = rules["rule_id"].to_list()
    table = matrix.with_columns(total=pl.sum_horizontal(rule_ids)).join(
        quality.select("township_code", "households", "issues_per_100_households"), on="township_code", how="left")
    return table.select(
        pl.col("township_name").alias("乡镇"),
        *[pl.col(r).alias(shorts[r]) for r in rule_ids],
        pl.col("total").alias("合计"),
        pl.col("households").alias("在册户数"),
        pl.col("issues_per_100_households").round(2).alias("每百户问题数"),
    )


def quality_from_counts(counts: pl.DataFrame, registered: pl.DataFrame, townships: pl.DataFrame) -> pl.DataFrame:
    """数据质量 at D from the data-check counts the page already has: the rows of
    queries/checks_quality_by_township.sql (township_code, township_name, households, issues,
    issues_per_100_households; every township in code order, then the county 'ALL'/全县) without running every
    rule a second time. Its rate is that of queries/parts/checks_quality_rate.sql (100 × issues ÷ households,
    null without households); tests/test_checks_weeks.py holds the two equal.

    counts: checks_counts_by_township at D; registered: checks_registered_households at D.
    """
    issues = counts.group_by("township_code").agg(pl.col("issues").sum().cast(pl.Int64))
    towns = (townships.select("township_code", "township_name")
             .join(registered.select("township_code", pl.col("households").cast(pl.Int64)), on="township_code",
                   how="left")
             .join(issues, on="township_code", how="left")
             .with_columns(pl.col("households").fill_null(0), pl.col("issues").fill_null(0))
             .sort("township_code"))
    county = pl.DataFrame({"township_code": ["ALL"], "township_name": ["全县"],
                           "households": [int(towns["households"].sum())], "issues": [int(towns["issues"].sum())]},
                          schema=towns.schema)
    both = pl.concat([towns, county])
    return both.with_columns(issues_per_100_households=pl.when(pl.col("households") > 0)
                             .then(100.0 * pl.col("issues") / pl.col("households")))


def risk_table(rows: pl.DataFrame, *, visible: bool, ids_visible: bool = False) -> pl.DataFrame:
    """risk_households with Chinese headers, masked as the role requires."""
    masked = mask_frame(rows, names=("head_name",), id_numbers=("head_id_number",), visible=visible,
                        ids_visible=ids_visible)
    return masked.select(
        pl.col("risk_level").alias("风险等级"),
        pl.col("score").alias("风险分"),
        pl.col("township_name").alias("乡镇"),
        pl.col("village_name").alias("村"),
        pl.col("household_id").alias("户编号"),
        pl.col("head_name").alias("户主"),
        pl.col("head_id_number").alias("身份证号"),
        pl.col("size").alias("家庭人口（人）"),
        pl.col("main_cause").alias("主要致贫原因"),
        pl.col("exit_date").alias("脱贫日期"),
        pl.col("income").round(0).alias("最近人均纯收入（元）"),
        pl.col("monitoring_line").round(0).alias("监测线（元）"),
        pl.col("reasons").alias("风险原因"),
        pl.col("helper").alias("帮扶责任人"),
    )


def risk_level_counts(rows: pl.DataFrame) -> dict[str, int]:
    """Households per 风险等级: risk_households.sql counts them all, though it lists only the highest scores."""
    counts = dict(rows.group_by("risk_level").agg(pl.col("level_households").first()).iter_rows())
    return {level: int(counts.get(level, 0)) for level in RISK_LEVELS}


def returns_by_month(rows: pl.DataFrame, as_of: dt.date, months: int = 24) -> pl.DataFrame:
    """返贫 households per month over the last `months` months up to D (0 for quiet months)."""
    first = _add_months(dt.date(as_of.year, as_of.month, 1), -(months - 1))
    calendar = pl.DataFrame({"month": pl.date_range(first, dt.date(as_of.year, as_of.month, 1), "1mo",
                                                    eager=True)})
    per_month = rows.group_by("month").agg(pl.col("households").sum(), pl.col("persons").sum())
    return calendar.join(per_month, on="month", how="left").with_columns(
        pl.col("households").fill_null(0), pl.col("persons").fill_null(0)).sort("month")


def returns_by_cause(rows: pl.DataFrame, since: dt.date | None = None) -> pl.DataFrame:
    """返贫 households by 主要致贫原因 (since a date, or all), most first."""
    picked = rows if since is None else rows.filter(pl.col("month") >= since)
    return picked.group_by("main_cause").agg(pl.col("households").sum(), pl.col("persons").sum()) \
        .sort("households", "main_cause", descending=[True, False])


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
