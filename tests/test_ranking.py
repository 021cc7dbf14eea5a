"""综合排名: weights file, score and contribution arithmetic, rank moves, 红黑榜, village SQL, the page."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import ranking_weights
from access.roles import CLERK, TOWNSHIP, User
from components import ranking_charts

DEFAULT = {"incidence_drop_pp": 25, "income_growth_pct": 20, "target_progress_pct": 20, "completion_pct": 20,
           "balance_rate_pct": 15}


def parts(*rows) -> pl.DataFrame:
    """(code, name, s_drop, s_income, s_target, s_completion, s_balance) rows plus a county row."""
    frame = pl.DataFrame(rows, schema=["township_code", "township_name", "s_drop", "s_income", "s_target",
                                       "s_completion", "s_balance"], orient="row")
    county = pl.DataFrame([("ALL", "全县", None, None, None, None, None)], schema=frame.schema, orient="row")
    return pl.concat([frame, county])


# Hand-worked: A = (1, 0.5, 0, 1, 1)  -> 25 + 10 + 0 + 20 + 15 = 70
#              B = (0, 1, 1, 0.5, 0)  ->  0 + 20 + 20 + 10 + 0 = 50
#              C = (0.5, 0, 1, 1, 0)  -> 12.5 + 0 + 20 + 20 + 0 = 52.5
THREE = parts(("T1", "甲乡", 1.0, 0.5, 0.0, 1.0, 1.0), ("T2", "乙镇", 0.0, 1.0, 1.0, 0.5, 0.0),
              ("T3", "丙乡", 0.5, 0.0, 1.0, 1.0, 0.0))


def test_score_is_weighted_share_of_hundred_and_rank_follows():
    out = ranking_weights.rescore(THREE, DEFAULT).sort("township_code")
    assert out["score"].to_list() == pytest.approx([70.0, 50.0, 52.5])
    assert out["rank"].to_list() == [1, 3, 2]
    assert "ALL" not in out["township_code"].to_list()


def test_contributions_add_up_to_score_and_lost_points_to_the_rest():
    contrib = ranking_weights.contributions(THREE, DEFAULT)
    t1 = contrib.filter(pl.col("township_code") == "T1").sort("order")
    assert t1["points"].to_list() == pytest.approx([25.0, 10.0, 0.0, 20.0, 15.0])
    assert t1["lost"].to_list() == pytest.approx([0.0, 10.0, 20.0, 0.0, 0.0])
    totals = contrib.group_by("township_code").agg(pl.col("points").sum(), pl.col("lost").sum()).sort("township_code")
    assert totals["points"].to_list() == pytest.approx([70.0, 50.0, 52.5])
    assert (totals["points"] + totals["lost"]).to_list() == pytest.approx([100.0] * 3)


def test_weakest_indicator_is_the_one_losing_most_points():
    weakest = ranking_weights.weakest_indicator(ranking_weights.contributions(THREE, DEFAULT)).sort("township_code")
    # T1 loses 20 on target; T2 loses 25 on drop; T3 loses 20 on income and 15 on balance -> income
    assert weakest["weakest"].to_list() == ["年度目标进度", "一降（发生率下降）", "一升（收入增幅）"]
    assert weakest["weakest_lost"].to_list() == pytest.approx([20.0, 25.0, 20.0])


def test_blank_part_counts_as_zero():
    frame = parts(("T1", "甲乡", None, None, None, None, None), ("T2", "乙镇", 1.0, 1.0, 1.0, 1.0, 1.0))
    out = ranking_weights.rescore(frame, DEFAULT).sort("township_code")
    assert out["score"].to_list() == pytest.approx([0.0, 100.0])


def test_equal_scores_tie_to_the_smaller_code():
    # T9 and T2 both 50 (drop only, with weights 1,1 on drop and income); T5 has 100
    frame = parts(("T9", "甲", 1.0, 0.0, 0, 0, 0), ("T2", "乙", 0.0, 1.0, 0, 0, 0), ("T5", "丙", 1.0, 1.0, 0, 0, 0))
    weights = {**{k: 0 for k in DEFAULT}, "incidence_drop_pp": 1, "income_growth_pct": 1}
    out = ranking_weights.rescore(frame, weights)
    ranks = dict(zip(out["township_code"], out["rank"]))
    assert ranks == {"T5": 1, "T2": 2, "T9": 3}


def test_scores_within_1e9_tie():
    frame = parts(("T2", "甲", 0.5 + 1e-12, 0, 0, 0, 0), ("T1", "乙", 0.5, 0, 0, 0, 0))
    out = ranking_weights.rescore(frame, {**{k: 0 for k in DEFAULT}, "incidence_drop_pp": 1})
    assert dict(zip(out["township_code"], out["rank"])) == {"T1": 1, "T2": 2}


def test_edited_weights_change_the_order():
    only_balance = {**{k: 0 for k in DEFAULT}, "balance_rate_pct": 10}
    out = ranking_weights.rescore(THREE, only_balance)
    ranks = dict(zip(out["township_code"], out["rank"]))
    # T1 100; T2 and T3 both 0 -> tie to the smaller code
    assert ranks == {"T1": 1, "T2": 2, "T3": 3}


def test_rank_moves_positive_when_climbing_and_blank_without_earlier_rank():
    now = pl.DataFrame({"township_code": ["A", "B", "C"], "township_name": ["甲", "乙", "丙"], "rank": [1, 2, 3],
                        "score": [90.0, 80.0, 70.0]})
    week = pl.DataFrame({"township_code": ["A", "B", "ALL"], "rank": [2, 1, None]})
    month = pl.DataFrame({"township_code": ["A", "B", "C"], "rank": [1, 3, 2]})
    out = ranking_charts.rank_changes(now, week, month)
    assert out["move_week"].to_list() == [1, -1, None]
    assert out["move_month"].to_list() == [0, 1, -1]
    assert [ranking_charts.move_text(m) for m in out["move_week"]] == ["↑1", "↓1", "—"]
    assert ranking_charts.move_text(0) == "持平"


def test_red_and_black_lists_do_not_overlap():
    ranked = pl.DataFrame({"township_code": list("ABCDE"), "township_name": list("甲乙丙丁戊"),
                           "rank": [1, 2, 3, 4, 5], "score": [9.0, 8.0, 7.0, 6.0, 5.0]})
    leaders = pl.DataFrame({"township_code": list("ABCDE"), "county_leader": ["张", "王", "李", "赵", None]})
    red, black = ranking_charts.red_black(ranked, leaders)
    assert red["township_code"].to_list() == ["A", "B", "C"]
    assert black["township_code"].to_list() == ["E", "D"]  # worst first, C is already red
    assert red["county_leader"].to_list() == ["张", "王", "李"]


def test_weights_file_round_trip_and_validation(tmp_path):
    file = tmp_path / "weights.toml"
    assert ranking_weights.load(file) is None
    assert ranking_weights.effective(DEFAULT, file) == DEFAULT
    edited = {**DEFAULT, "balance_rate_pct": 30}
    ranking_weights.save(edited, user='县"领导"', file=file, now=dt.datetime(2020, 11, 16, 9, 0))
    assert ranking_weights.load(file) == {k: float(v) for k, v in edited.items()}
    assert ranking_weights.metadata(file) == {"updated_by": '县"领导"', "updated_at": "2020-11-16 09:00:00"}
    with pytest.raises(ranking_weights.WeightsError, match="权重之和"):
        ranking_weights.save({k: 0 for k in DEFAULT}, user="x", file=file)
    with pytest.raises(ranking_weights.WeightsError, match="未知指标"):
        ranking_weights.validate({**DEFAULT, "score": 1})
    with pytest.raises(ranking_weights.WeightsError, match="资金结余率"):
        ranking_weights.validate({**DEFAULT, "balance_rate_pct": -1})
    assert ranking_weights.load(file)["balance_rate_pct"] == 30.0  # the failed save left the good file


def test_shipped_weights_reproduce_design_defaults():
    assert ranking_weights.load(ranking_weights.DEFAULT_PATH) == {k: float(v) for k, v in DEFAULT.items()}


def test_rescore_with_default_weights_matches_sql_score(demo_db):
    from queries.indicators import township_indicators
    from queries.runner import Database

    with Database.open(demo_db) as db:
        frame = township_indicators(db, db.data_as_of())
    out = ranking_weights.rescore(frame, DEFAULT).join(
        frame.select("township_code", sql_score="score", sql_rank="rank"), on="township_code")
    assert out["score"].to_list() == pytest.approx(out["sql_score"].to_list())
    assert out["rank"].to_list() == out["sql_rank"].to_list()


def test_village_ranking_sql_on_tiny_county(tmp_path):
    """tests/fixtures/tiny through the real loader; villages of one township ranked by the documented score."""
    from pathlib import Path

    from ingest.load import load
    from queries.runner import Database

    db_file = tmp_path / "tiny.duckdb"
    load(Path(__file__).parent / "fixtures" / "tiny", db_file, user="test", mode="full")
    with Database.open(db_file) as db:
        towns = db.run("townships")["township_code"].to_list()
        as_of = db.data_as_of()
        frames = [db.run("ranking_villages", as_of=as_of, township=code) for code in towns]
        county = db.run("ranking_villages", as_of=as_of, township="ALL")
    assert sum(f.height for f in frames) == county.height
    for frame in frames:
        scored = frame.filter(pl.col("score").is_not_null())
        assert scored["rank"].to_list() == list(range(1, scored.height + 1))
        assert scored["score"].is_sorted(descending=True)
        assert ((scored["score"] >= 0) & (scored["score"] <= 100)).all()
        if scored.height == 1:  # a lone village has max = min on every part it has: s = 1
            assert scored["score"][0] == pytest.approx(100.0)


def test_ranking_page_shows_red_black_lists_and_township_rank(app_page):
    at = app_page("pages/ranking.py", query={"township": "431299101"},
                  user=User("township", "乡镇长", TOWNSHIP, "431299101"))
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "综合排名"
    assert [s.value for s in at.subheader] == ["红黑榜", "村级排名"]
    text = " ".join(m.value for m in at.markdown)
    assert "红榜（前三名）" in text and "黑榜（后三名）" in text and "联系县领导" in text
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["龙潭乡 名次（共 16 个）"].startswith("第 ") and metrics["龙潭乡 名次（共 16 个）"].endswith(" 名")
    assert at.selectbox(key="ranking-village-township").value == "431299101"
    # a township account may not edit: weights shown read-only, no form
    assert not at.number_input
    assert any("只能查看权重" in c.value for c in at.caption)


def test_ranking_page_lets_an_authorised_user_save_weights(app_page, tmp_path, monkeypatch):
    monkeypatch.setenv("WARROOM_WEIGHTS", str(tmp_path / "weights.toml"))
    at = app_page("pages/ranking.py", user=User("clerk", "扶贫办管理员", CLERK))
    assert not at.exception, [e.value for e in at.exception]
    at.number_input(key="weight-balance_rate_pct").set_value(40.0)
    at.button[-1].click().run()  # the form's 保存权重
    assert not at.exception, [e.value for e in at.exception]
    assert ranking_weights.load(tmp_path / "weights.toml")["balance_rate_pct"] == 40.0
    assert "资金结余率（越低越好） 40" in at.caption[0].value
    assert ranking_weights.metadata(tmp_path / "weights.toml")["updated_by"] == "扶贫办管理员"


@pytest.mark.browser
@pytest.mark.parametrize("width", [1400, 1024])
def test_ranking_page_in_a_browser(server, browser, width):
    from conftest import OfflinePage, open_signed_in

    tab = OfflinePage(browser, width=width, height=900)
    try:
        page = open_signed_in(tab, f"{server}/ranking?township=431299112", "综合排名")
        tab.screenshot(f"ranking_{width}")
        assert not tab.error_boxes()
        assert page.get_by_text("红榜（前三名）").count() == 1
        assert page.locator(".js-plotly-plot").count() >= 3
    finally:
        tab.close()
    assert not tab.foreign, tab.foreign[:5]



def test_move_text_expression_agrees_with_move_text():
    moves = [None, 0, 1, 12, -1, -7]
    out = pl.DataFrame({"m": moves}, schema={"m": pl.Int64}).select(ranking_charts.move_text_expr(pl.col("m")).alias("m"))
    assert out["m"].to_list() == [ranking_charts.move_text(m) for m in moves]


def test_ranks_equal_the_pairwise_definition_with_ties_and_near_ties():
    """rank = 1 + townships ahead (score > s + 1e-9) + tied ones (within 1e-9) with a smaller code, counted by
    bisection: the same ranks as comparing every pair, including exact ties and scores 1e-10 apart."""
    import random

    rng = random.Random(7)
    scores = [round(rng.uniform(0, 100), 1) for _ in range(400)] + [50.0, 50.0 + 1e-10, 50.0 - 1e-10, 50.0 + 2e-9]
    codes = [f"4312{rng.randint(0, 99999):05d}{i:03d}" for i in range(len(scores))]
    rng.shuffle(codes)
    pairwise = [1 + sum(1 for c, s in zip(codes, scores)
                        if s > score + ranking_weights.TIE or (abs(s - score) <= ranking_weights.TIE and c < code))
                for code, score in zip(codes, scores)]
    assert ranking_weights._ranks(codes, scores).to_list() == pairwise


def test_village_poor_persons_and_drop_match_the_events_at_any_date(demo_db):
    """ranking_villages reads only the 纳入/返贫 spans (issue 18: the scan skips the others); its poor persons at D
    and at the last year end, and so the 一降, equal a count straight from household_events (each household's
    last status on or before the day, same-day events in their order) at the load test's kinds of dates."""
    import datetime as dt

    import duckdb

    from ingest import publish
    from queries.runner import Database

    with Database.open(demo_db) as db:
        latest = db.data_as_of()
        days = [latest, latest - dt.timedelta(days=7), dt.date(latest.year, 6, 30), dt.date(latest.year - 1, 12, 31)]
        results = {day: db.run("ranking_villages", as_of=day, township="ALL") for day in days}
    con = duckdb.connect(str(publish.current(demo_db)), read_only=True)
    poor_at = """
        SELECT h.village_code, coalesce(sum(h.size) FILTER (WHERE s.event IN ('纳入', '返贫')), 0) AS poor
        FROM households h LEFT JOIN (
            SELECT household_id, arg_max(event, (date, event_order)) AS event
            FROM household_events WHERE date <= $day GROUP BY household_id) s USING (household_id)
        GROUP BY h.village_code"""
    checked = 0
    for day, frame in results.items():
        now = dict(con.execute(poor_at, {"day": day}).fetchall())
        before = dict(con.execute(poor_at, {"day": dt.date(day.year - 1, 12, 31)}).fetchall())
        for row in frame.iter_rows(named=True):
            code, population = row["village_code"], row["rural_population"]
            assert row["poor_persons"] == now.get(code, 0), (day, code)
            if population:
                drop = 100.0 * (before.get(code, 0) - now.get(code, 0)) / population
                assert row["incidence_drop_pp"] == pytest.approx(drop, abs=1e-9), (day, code)
                checked += now.get(code, 0) > 0
    con.close()
    assert checked > 50  # villages with poor households at those dates, not a vacuous pass
