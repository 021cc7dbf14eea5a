"""综合排名: townships by the composite score, what pulls each down, rank moves, 红黑榜, villages of a township."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

import app_data
import ranking_weights
import settings
from access import audit
from components import long_lists, ranking_charts
from components.charts import highlight
from components.filters import current
from components.tables import labelled, table_with_download
from components.text import md

app_data.require_shell()

AUTHORISED_ROLES = ("县领导", "数据管理员")  # used only when no access.roles.User is signed in


def may_edit_weights() -> bool:
    """The signed-in user's own rule (access.roles.User.can_edit_weights) decides; a bare role is the fallback."""
    user = st.session_state.get("user")
    if user is not None and hasattr(user, "can_edit_weights"):
        return bool(user.can_edit_weights)
    return st.session_state.get("role") in AUTHORISED_ROLES

TABLE_COLUMNS = {  # the answer first (rank, move, what costs most), then the points behind it
    "rank": "排名", "township_name": "乡镇", "score": "综合得分", "move_week_text": "较上周", "weakest": "最拉分项",
    "move_month_text": "较上月", **{f"pts_{k}": f"{label}（分）" for k, label in ranking_weights.LABELS.items()},
    "county_leader": "联系县领导",
}
VILLAGE_COLUMNS = {
    "rank": "排名", "village_name": "村", "score": "村级得分", "incidence_pct": "贫困发生率（%）",
    "incidence_drop_pp": "年初以来下降（个百分点）", "income_growth_pct": "收入增幅（%）",
    "projects": "本年项目（个）", "projects_completed": "已完工（个）", "completion_pct": "项目完工率（%）",
    "first_secretary": "第一书记",
}

filters = current()
config = settings.load()
week_ago, month_ago = filters.as_of - dt.timedelta(days=7), filters.as_of - dt.timedelta(days=30)
try:
    weights = ranking_weights.effective(config.weights)
except ranking_weights.WeightsError as exc:
    st.warning(f"权重文件有误，暂按默认权重计算：{md(exc)}")
    weights = dict(config.weights)

leaders = app_data.townships()


def standings() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ranking with its moves and weakest part, and each township's points: the same for every viewer."""
    now = ranking_weights.rescore(app_data.indicators(filters.as_of), weights)
    ranked = ranking_charts.rank_changes(
        now,
        ranking_weights.rescore(app_data.indicators(week_ago), weights),
        ranking_weights.rescore(app_data.indicators(month_ago), weights),
    ).join(leaders.select("township_code", "county_leader"), on="township_code", how="left")
    contrib = ranking_weights.contributions(now, weights)
    return ranked.join(ranking_weights.weakest_indicator(contrib), on="township_code", how="left"), contrib


ranked, contrib = app_data.shared("ranking.standings", (filters.as_of, tuple(weights.items()), repr(config)),
                                  standings)

st.title("综合排名")
weight_text = "、".join(f"{ranking_weights.LABELS[k]} {v:g}" for k, v in weights.items())
st.caption(f"数据截止 {filters.as_of:%Y年%m月%d日}；排名变化对比 {week_ago:%m月%d日}（上周）与 "
           f"{month_ago:%m月%d日}（上月）。权重：{weight_text}。")

if not ranked.height:
    st.info("还没有乡镇数据，无法排名。")
    st.stop()

if not filters.is_county and filters.township in ranked["township_code"].to_list():
    mine = ranked.filter(pl.col("township_code") == filters.township).row(0, named=True)
    cards = st.container(horizontal=True)  # fixed-width cards wrap on a laptop instead of truncating
    cards.metric(f"{md(filters.township_name)} 名次（共 {ranked.height} 个）", f"第 {mine['rank']} 名", border=True,
                 width=220)
    cards.metric("综合得分（分）", f"{mine['score']:.1f}", border=True, width=220)
    cards.metric("较上周", ranking_charts.move_text(mine["move_week"]), border=True, width=220,
                 help=f"上周第 {mine['rank_week_ago']} 名" if mine["rank_week_ago"] else "上周无排名")
    cards.metric("较上月", ranking_charts.move_text(mine["move_month"]), border=True, width=220,
                 help=f"上月第 {mine['rank_month_ago']} 名" if mine["rank_month_ago"] else "上月无排名")
    st.info(f"{md(filters.township_name)} 失分最多的是「{mine['weakest']}」（失 {mine['weakest_lost']:.1f} 分），"
            "优先补这一项最能提升名次。", icon=":material/lightbulb:")

st.subheader("红黑榜")
red, black = ranking_charts.red_black(ranked, leaders)
left, right = st.columns(2)
# Chinese convention: the 红榜 (honour list) in red, the 黑榜 in black — not the red-bad/green-good of the charts.
for column, heading, rows in ((left, "**:red[红榜（前三名）]**", red), (right, "**黑榜（后三名）**", black)):
    with column.container(border=True):
        st.markdown(heading)
        for row in rows.iter_rows(named=True):
            st.markdown(f"第 {row['rank']} 名　**{md(row['township_name'])}**　{row['score']:.1f} 分"
                        f"（较上周 {ranking_charts.move_text(row['move_week'])}）　"
                        f"联系县领导：{md(row['county_leader'] or '未填')}")

marked = filters.marked
# Above 40 townships the chart draws the top and the bottom of the ranking and the viewer's own (long_lists).
mark_code = filters.marked_code
shown = long_lists.drawn(ranked, "rank", mark=mark_code, descending=False)
st.plotly_chart(highlight(ranking_charts.contribution_bars(contrib, shown, highlight=None if filters.is_county
                                                           else filters.township), marked),
                width="stretch", config={"displaylogo": False})
if note := long_lists.left_out(ranked.height, shown.height, "综合得分最高和最低",
                               marked=mark_code in shown["township_code"].to_list()):
    st.caption(note)

points = (contrib.pivot(on="indicator", index="township_code", values="points")
          .rename({k: f"pts_{k}" for k in ranking_weights.PARTS}))
table = labelled(
    ranked.join(points, on="township_code", how="left").with_columns(
        move_week_text=ranking_charts.move_text_expr(pl.col("move_week")),
        move_month_text=ranking_charts.move_text_expr(pl.col("move_month")),
    ),
    TABLE_COLUMNS,
)
table_with_download(table, f"综合排名_{filters.as_of:%Y%m%d}", key="ranking-townships", highlight=("乡镇", marked),
                    column_config={
    col: st.column_config.NumberColumn(format="%.1f") for col in table.columns if col.endswith("（分）") or col == "综合得分"
})

st.subheader("村级排名")
names = dict(zip(leaders["township_code"], leaders["township_name"]))
own = getattr(st.session_state.get("user"), "household_scope", None)
if own in names:  # a 乡镇 account ranks the villages of its own township only (queries/scope.py)
    names = {own: names[own]}
default = filters.township if filters.township in names else next(iter(names))
township = st.selectbox("乡镇", list(names), index=list(names).index(default), format_func=names.get,
                        key="ranking-village-township")
villages = app_data.detail("ranking_villages", as_of=filters.as_of, township=township)
if villages is None:
    pass
elif not villages.height:
    st.info(f"{md(names[township])} 没有村的数据。")
else:
    st.caption("村级得分：一降、一升、本年村项目完工率三项在本乡镇各村间极差标准化，取该村有值各项的平均 × 100；"
               "没有本年项目的村只看前两项。")
    st.plotly_chart(ranking_charts.township_parts(contrib, township), width="stretch",
                    config={"displaylogo": False})
    st.plotly_chart(ranking_charts.village_scores(villages), width="stretch", config={"displaylogo": False})
    table_with_download(labelled(villages, VILLAGE_COLUMNS), f"村级排名_{names[township]}_{filters.as_of:%Y%m%d}",
                        key="ranking-villages", column_config={
                            "村级得分": st.column_config.NumberColumn(format="%.1f"),
                            "贫困发生率（%）": st.column_config.NumberColumn(format="%.2f"),
                            "年初以来下降（个百分点）": st.column_config.NumberColumn(format="%.2f"),
                            "收入增幅（%）": st.column_config.NumberColumn(format="%.1f"),
                            "项目完工率（%）": st.column_config.NumberColumn(format="%.1f"),
                        })

with st.expander("权重设置", icon=":material/tune:"):
    role = st.session_state.get("role")
    user = st.session_state.get("user")
    meta = ranking_weights.metadata()
    if meta.get("updated_at"):
        st.caption(f"当前权重由 {md(meta.get('updated_by', ''))} 于 {md(meta['updated_at'])} 保存。")
    if not may_edit_weights():
        st.dataframe(pl.DataFrame({"指标": list(ranking_weights.LABELS.values()),
                                   "权重": [weights[k] for k in ranking_weights.LABELS]}),
                     hide_index=True, width="content")
        st.caption("当前账户只能查看权重；有权限的管理员登录后可以修改。")
    else:
        with st.form("weights-form"):
            edited = {key: st.number_input(label, min_value=0.0, max_value=ranking_weights.MAX_WEIGHT,
                                           value=float(weights[key]), step=1.0, key=f"weight-{key}")
                      for key, label in ranking_weights.LABELS.items()}
            saved = st.form_submit_button("保存权重", type="primary")
        if saved:
            try:
                ranking_weights.save(edited, user=getattr(user, "name", None) or str(role))
            except ranking_weights.WeightsError as exc:
                audit.record_session(audit.WEIGHTS, f"未保存：{exc}", success=False)
                st.warning(f"未保存：{md(exc)}")
            else:
                # The audit trail is the history of every change (the file keeps only the last editor).
                audit.record_session(audit.WEIGHTS, ranking_weights.describe_change(weights, edited))
                st.toast("权重已保存，排名已按新权重重算。")
                st.rerun()
