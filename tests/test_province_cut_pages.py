"""综合排名 / 周调度 / 季讲评 at province scale: the charts draw both ends of their order (components/long_lists) and
the viewer's township, a county's charts draw everyone as before. Synthetic frames, expected rows by hand."""

from __future__ import annotations

import polars as pl

import ranking_weights
from components import long_lists, presentation as pres, ranking_charts, weekly_views
from queries.metrics import BAD, GOOD, NEUTRAL


def towns(n: int, **columns) -> pl.DataFrame:
    """n townships T01.. named 乡01.., plus the ALL row the slides leave out; columns: name -> values by i=1..n."""
    codes = [f"T{i:02d}" for i in range(1, n + 1)]
    frame = pl.DataFrame({"township_code": codes, "township_name": [f"乡{c[1:]}" for c in codes],
                          **{k: list(v) for k, v in columns.items()}})
    all_row = frame.head(1).with_columns(township_code=pl.lit("ALL"), township_name=pl.lit("全县"))
    return pl.concat([frame, all_row])


def names(numbers) -> list[str]:
    return [f"乡{i:02d}" for i in numbers]


def test_ranking_slide_of_fifty_townships_draws_the_top_and_bottom_fifteen():
    frame = towns(50, rank=range(1, 51), score=[100.0 - i for i in range(1, 51)])
    fig = pres.ranking_bars(frame)
    bar = fig.data[0]
    expected = [f"{i}. 乡{i:02d}" for i in [*range(1, 16), *range(36, 51)]]
    assert list(bar.y) == expected
    # 红榜 the first three, 黑榜 the last three of the whole ranking (ranks 48–50), grey between
    assert list(bar.marker.color) == [GOOD] * 3 + [NEUTRAL] * 24 + [BAD] * 3
    assert pres.left_out(frame, 5) == "共 50 个乡镇，图中只画综合得分最高和最低的各 15 个；全部乡镇见各专题页的表格。"


def test_rise_and_fall_cuts_each_panel_by_its_own_order():
    # 一降 = i: the ends are 乡01–15 and 乡36–50. 一升 = (i + 20) mod 50: 乡15–29 score 35–49 (the top 15) and
    # 乡30–44 score 0–14 (the bottom 15).
    frame = towns(50, incidence_drop_pp=[float(i) for i in range(1, 51)],
                  income_growth_pct=[float((i + 20) % 50) for i in range(1, 51)])
    fig = pres.rise_and_fall(frame, 10.0)
    drop, growth = fig.data
    assert set(drop.y) == set(names([*range(1, 16), *range(36, 51)]))
    assert set(growth.y) == set(names(range(15, 45)))
    # each panel best on top (plotly draws the category array bottom-up)
    assert list(fig.layout.yaxis.categoryarray)[-1] == "乡50"
    assert list(fig.layout.yaxis2.categoryarray)[-1] == "乡29" and list(fig.layout.yaxis2.categoryarray)[0] == "乡30"


def test_funds_projects_and_incidence_slides_of_a_province():
    frame = towns(50, balance_rate_pct=[float(i) for i in range(1, 51)], incidence_pct=[i / 10 for i in range(1, 51)],
                  projects=list(range(1, 51)), projects_completed=[0] * 50, overdue_projects=[0] * 50,
                  allocated_wan=[1.0] * 50, spent_wan=[1.0] * 50)
    funds = pres.funds_bars(frame).data[0]
    assert list(funds.y) == names([*range(1, 16), *range(36, 51)])  # lowest first: the highest on top
    incidence = pres.incidence_bars(frame).data[0]
    assert list(incidence.x) == names([*range(50, 35, -1), *range(15, 0, -1)])
    projects = pres.project_bars(frame).data[0]
    assert list(projects.x) == names([*range(50, 35, -1), *range(15, 0, -1)])
    assert pres.left_out(frame, 3) == "共 50 个乡镇，图中只画资金结余率最高和最低的各 15 个；全部乡镇见各专题页的表格。"


def test_a_county_slide_draws_every_township_in_the_old_order():
    frame = towns(4, incidence_pct=[1.0, 3.0, 2.0, None], balance_rate_pct=[40.0, None, 10.0, 70.0],
                  allocated_wan=[1.0] * 4, spent_wan=[1.0] * 4)
    assert list(pres.incidence_bars(frame).data[0].x) == ["乡02", "乡03", "乡01", "乡04"]
    assert list(pres.funds_bars(frame).data[0].y) == ["乡02", "乡03", "乡01", "乡04"]  # blank first (bottom)
    assert pres.left_out(frame, 1) is None


def test_contribution_bars_draw_the_rows_given_and_mark_the_viewers_township():
    n = 50
    frame = towns(n, **{part: [i / n for i in range(n, 0, -1)] for part in ranking_weights.PARTS.values()})
    weights = {k: 20.0 for k in ranking_weights.PARTS}
    scored = ranking_weights.rescore(frame, weights)
    contrib = ranking_weights.contributions(scored, weights)
    ranked = ranking_charts.rank_changes(scored, scored, scored)
    shown = long_lists.drawn(ranked, "rank", mark="T25", descending=False)
    fig = ranking_charts.contribution_bars(contrib, shown, highlight="T25")
    lost = fig.data[-1]
    assert list(lost.y) == [f"{i}. 乡{i:02d}" for i in [*range(1, 16), 25, *range(36, 51)]]
    assert all(list(trace.y) == list(lost.y) for trace in fig.data)  # every indicator: the same 31 townships
    assert [a.y for a in fig.layout.annotations if a.text == "◀ 本乡镇"] == ["25. 乡25"]
    assert long_lists.left_out(ranked.height, shown.height, "综合得分最高和最低", marked=True) == \
        "共 50 个乡镇，图中只画综合得分最高和最低的各 15 个及本乡镇；全部乡镇见表格和下载。"


def test_a_provinces_supervision_list_names_five_of_each_kind_and_a_countys_all():
    kinds = ["逾期项目"] * 30 + ["任务滞后"] * 2 + ["产业资金"] * 20
    items = pl.DataFrame({"kind": kinds, "text": [f"事项{i}" for i in range(len(kinds))]})
    listed = weekly_views.listed_items(items)
    assert listed["text"].to_list() == [f"事项{i}" for i in (0, 1, 2, 3, 4, 30, 31, 32, 33, 34, 35, 36)]
    county = items.head(40)
    assert weekly_views.listed_items(county).equals(county)
