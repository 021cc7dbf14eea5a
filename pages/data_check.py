"""数据核查 and 防返贫监测: the problems inspectors would find (数字脱贫, 三保障 gaps, 信息不全, 录入不准), where
they are, whether the townships are fixing them week by week, and which exited households risk returning.

Rules live in queries/checks/*.sql (see queries/checks_registry.py); this page only runs them and lays out.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

import app_data
from components import check_charts, check_views, long_lists
from components.filters import current
from components.privacy import can_see_id_numbers, can_see_personal
from components.tables import table_with_download
from components.text import md
from queries import checks_registry as registry

app_data.require_shell()

PLOT_CONFIG = {"displaylogo": False}

filters = current()
config = registry.load_config()
rules = registry.rules_frame()
rule_params = registry.rule_params(config)
visible = can_see_personal(st.session_state.get("role"))
ids_visible = can_see_id_numbers(st.session_state.get("role"))
townships = app_data.townships()

# D and the trend weeks before it in one query over the flagged records prepared at publish (any date; the rule files
# themselves after a threshold changed); each date's rows are those of checks_counts_by_township at that date.
weeks = app_data.run("checks_counts_by_township_weeks", as_of=filters.as_of, weeks=config.trend_weeks,
                     **rule_params)
counts_by_date = check_views.counts_by_date(weeks, registry.trend_dates(filters.as_of, config.trend_weeks))
dates = sorted(counts_by_date)
counts_now, counts_before = counts_by_date[dates[-1]], counts_by_date[dates[-2]]

st.title(f"数据核查 · {md(filters.township_name)}")
st.caption(f"数据截止 {filters.as_of:%Y年%m月%d日}。按 {len(rules)} 条核查规则，找出省里督查和第三方评估最常指出的问题："
           "信息不全、原因不细、录入不准、数字脱贫。导出清单交乡镇逐条整改。")

# Only an open tab is built (a rerun on switching): the 防返贫 list scores every exited household, seconds at province
# scale at a date not prepared at publish, and most visits never open it.
check_tab, risk_tab = st.tabs(["数据核查", "防返贫监测"], key="data-check-tab", on_change="rerun")

with check_tab:
    summary = check_views.rule_summary(rules, counts_now, counts_before, filters.township)
    total, change = int(summary["issues"].sum()), int(summary["change"].sum())
    high = summary.filter(pl.col("severity") == "高")
    cols = st.columns(3)
    cols[0].metric("核查问题", f"{total:,} 条", f"{change:+,} 条 较上周" if change else "与上周持平",
                   delta_color="inverse" if change else "off", delta_arrow="auto" if change else "off", border=True,
                   help="全部规则在截止日期命中的记录数；较上周 = 与 7 天前的截止日期相比")
    cols[1].metric("严重问题（高）", f"{int(high['issues'].sum()):,} 条",
                   f"{int(high['change'].sum()):+,} 条 较上周" if int(high["change"].sum()) else "与上周持平",
                   delta_color="inverse" if int(high["change"].sum()) else "off",
                   delta_arrow="auto" if int(high["change"].sum()) else "off", border=True,
                   help="疑似数字脱贫、三保障缺口、身份证重号等，督查一旦发现即为问题")
    cols[2].metric("命中的规则", f"{summary.filter(pl.col('issues') > 0).height} / {summary.height} 条", border=True)

    st.subheader("各规则问题数")
    summary_table = summary.select(
        pl.col("title").alias("核查规则"), pl.col("severity").alias("严重程度"), pl.col("target").alias("对象"),
        pl.col("issues").alias("问题数"), pl.col("change").alias("较上周"), pl.col("explanation").alias("说明"))
    table_with_download(summary_table, f"核查规则汇总_{filters.township_name}_{filters.as_of:%Y%m%d}",
                        key="check-summary", column_config={
                            "说明": st.column_config.TextColumn(width="large"),
                            "较上周": st.column_config.NumberColumn(format="%+d")})

    st.subheader("乡镇 × 规则")
    matrix = check_views.heat_matrix(rules, counts_now, townships)
    heat = check_views.heat_drawn(matrix, rules, mark=filters.marked)
    column_max = matrix.select(pl.col(rules["rule_id"].to_list()).max()).row(0) if matrix.height else None
    st.plotly_chart(check_charts.issue_heatmap(heat, rules, mark=filters.marked, column_max=column_max),
                    width="stretch", config=PLOT_CONFIG)
    cut = long_lists.left_out(matrix.height, heat.height, "核查问题最多和最少",
                              marked=filters.marked in heat["township_name"].to_list(),
                              rest="全部乡镇见下方「乡镇问题数明细」表格和下载")
    if cut:
        st.caption(cut)
    quality = check_views.quality_from_counts(
        counts_now, app_data.run("checks_registered_households", as_of=filters.as_of), townships)
    with st.expander("乡镇问题数明细与数据质量（每百户问题数）"):
        st.caption("每百户问题数 = 100 × 全部规则命中的记录数 ÷ 在册户数（未脱贫或已脱贫的户），越低越好。"
                   "可按配置计入综合排名（默认权重 0，不影响现行排名）。")
        table_with_download(check_views.township_issue_table(matrix, rules, quality),
                            f"乡镇核查问题_{filters.as_of:%Y%m%d}", key="check-matrix",
                            highlight=("乡镇", filters.marked))

    st.subheader("问题清单")
    # Each rule's count is for the rows its list shows (a 乡镇 user on 全县 lists only their own households).
    listed_in = {r.id: app_data.detail_township(registry.rows_query(r)[0], filters.township) or filters.township
                 for r in registry.RULES}
    listed = check_views.listed_counts(counts_now, listed_in)
    labels = {r: f"{t}（{listed[r]:,} 条）" for r, t in summary.select("rule_id", "title").iter_rows()}
    rule_id = st.selectbox("核查规则", list(labels), format_func=labels.get, key="rule", bind="query-params")
    rule = registry.RULES_BY_ID.get(rule_id, registry.RULES[0])
    st.caption(f"**{rule.title}**（严重程度：{rule.severity}）— {rule.explanation}")
    names = dict(zip(townships["township_code"], townships["township_name"]))
    list_name = names.get(listed_in[rule.id], filters.township_name)
    if listed_in[rule.id] != filters.township:
        st.caption(md(f"村和农户明细只对本乡镇开放：清单和规则后的条数只计{list_name}，"
                      f"上面的汇总是{filters.township_name}的。"))
    rows_name, rows_params = registry.rows_query(rule)
    rows = app_data.detail(rows_name, as_of=filters.as_of, township=filters.township, **rows_params, **rule_params)
    if rows is None:
        pass
    elif rows.height == 0:
        st.success(f"{md(list_name)}在截止日期没有「{rule.title}」的问题。", icon=":material/check_circle:")
    else:
        if not visible:
            st.caption("姓名、身份证号已按权限脱敏（县领导、数据管理员可见全文）。")
        table_with_download(check_views.issue_table(rows, rule.target, visible=visible, ids_visible=ids_visible),
                            f"{rule.short}_{list_name}_{filters.as_of:%Y%m%d}", key="check-rows",
                            column_config={"问题说明": st.column_config.TextColumn(width="large")})

    st.subheader("整改进展（逐周）")
    st.caption("每个点按当时的截止日期重新核查当前数据。已改正的户籍、收入等信息会从所有周消失，"
               "所以这条线反映的是按日期发生的新问题（新脱贫户、新完工项目、返贫）是否被及时处理。")
    trend = check_views.weekly_by_severity(rules, counts_by_date, filters.township)
    st.plotly_chart(check_charts.weekly_trend(trend), width="stretch", config=PLOT_CONFIG)
    weekly = check_views.weekly_by_township(counts_by_date, townships)
    week_columns = [c for c in weekly.columns if c[:2].isdigit()]
    table_with_download(
        weekly.select(pl.col("township_name").alias("乡镇"), *week_columns,
                      pl.col("week_change").alias("较上周"), pl.col("span_change").alias(f"较 {week_columns[0]}")),
        f"核查问题逐周_{filters.as_of:%Y%m%d}", key="check-weekly",
        column_config={"较上周": st.column_config.NumberColumn(format="%+d"),
                       f"较 {week_columns[0]}": st.column_config.NumberColumn(format="%+d")})

if risk_tab.open:
    with risk_tab:
        risk = app_data.detail("risk_households", as_of=filters.as_of, township=filters.township,
                               **registry.risk_params(config))
        levels = check_views.risk_level_counts(risk) if risk is not None else {}
        cols = st.columns(4)
        cols[0].metric("高风险（户）", f"{levels['高']:,}" if levels else "—", border=True)
        cols[1].metric("中风险（户）", f"{levels['中']:,}" if levels else "—", border=True)
        cols[2].metric("低风险（户）", f"{levels['低']:,}" if levels else "—", border=True)
        returns = app_data.run("risk_returns_by_month", as_of=filters.as_of, township=filters.township)
        year_returns = returns.filter(pl.col("month").dt.year() == filters.as_of.year)
        cols[3].metric("本年返贫", f"{int(year_returns['households'].sum()):,} 户",  # short: the help icon shares the line
                       f"{int(year_returns['persons'].sum()):,} 人", delta_color="off", delta_arrow="off", border=True,
                       help=f"{filters.as_of.year} 年 1 月 1 日至截止日期的返贫户数（下方为人数）")

        weights = config.risk_weights
        factors = "；".join(f"{label} {weights[key]:g} 分" for key, label in registry.RISK_FACTORS.items())
        st.caption(f"已脱贫户按风险因素打分（{factors}），风险分 = 命中因素的权重之和（满分 {sum(weights.values()):g}）。"
                   f"监测线 = 当年扶贫标准 × {config.monitoring_line_factor:g}；收入骤降 = 比上年下降超过 "
                   f"{config.income_drop_pct:g}%。≥ {config.risk_high_score:g} 分为高风险，≥ {config.risk_medium_score:g} "
                   "分为中风险。因素与权重在 data/checks.toml 中配置。")

        chosen = [] if risk is None else st.pills("风险等级", check_views.RISK_LEVELS, selection_mode="multi",
                                                  default=["高", "中"], key="risk_levels")
        shown = None if risk is None else risk.filter(
            pl.col("risk_level").is_in(list(chosen or check_views.RISK_LEVELS)))
        if risk is None:
            pass
        elif risk.height == 0:
            st.success(f"{md(filters.township_name)}在截止日期没有命中风险因素的已脱贫户。", icon=":material/check_circle:")
        elif shown.height == 0:
            st.info("所选风险等级下没有户。")
        else:
            total = sum(levels[level] for level in (chosen or check_views.RISK_LEVELS))
            listed = (f"共 {total:,} 户，按风险分从高到低。" if shown.height == total else
                      f"共 {total:,} 户，列出每个等级风险分最高的 {registry.RISK_ROWS_PER_LEVEL:,} 户（{shown.height:,} 户）；"
                      "选择乡镇可看该乡镇的完整名单。")
            st.caption(listed + ("" if visible else "姓名、身份证号已按权限脱敏。"))
            table_with_download(check_views.risk_table(shown, visible=visible, ids_visible=ids_visible),
                                f"防返贫监测_{filters.township_name}_{filters.as_of:%Y%m%d}", key="risk-rows",
                                height=420, column_config={
                                    "风险原因": st.column_config.TextColumn(width="large"),
                                    "风险分": st.column_config.ProgressColumn(
                                        format="%d", min_value=0, max_value=sum(weights.values())),
                                    "最近人均纯收入（元）": st.column_config.NumberColumn(format="%,d"),
                                    "监测线（元）": st.column_config.NumberColumn(format="%,d")})

        st.subheader("返贫情况")
        if returns.height == 0:
            st.info(f"{md(filters.township_name)}截至 {filters.as_of:%Y-%m-%d} 没有返贫记录。")
        else:
            cols = st.columns([3, 2])
            with cols[0]:
                st.plotly_chart(check_charts.returns_by_month(check_views.returns_by_month(returns, filters.as_of)),
                                width="stretch", config=PLOT_CONFIG)
            with cols[1]:
                st.plotly_chart(check_charts.returns_by_cause(check_views.returns_by_cause(returns),
                                                              "按致贫原因（累计）"),
                                width="stretch", config=PLOT_CONFIG)
            st.caption("返贫原因未单独登记，按户的主要致贫原因统计。")
