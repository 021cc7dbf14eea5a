"""The rule registry (headers of queries/checks/*.sql, data/checks.toml), the
optional 数据质量 weight in the ranking, and the pure frame shapers of the page."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from components import check_views
from queries import checks_registry as registry


def test_every_rule_file_has_a_complete_header():
    assert len(registry.RULES) >= 15
    for rule in registry.RULES:
        assert rule.title and rule.short and rule.explanation
        assert rule.severity in ("高", "中", "低") and rule.target in ("户", "成员", "村", "项目")
        assert rule.sql_stem == f"checks/{rule.id}"
    assert len({r.short for r in registry.RULES}) == len(registry.RULES)


def test_header_parser_joins_continuation_lines_and_rejects_bad_severity():
    text = ("-- 标题：示例\n-- 简称：例\n-- 严重程度：高\n-- 对象：户\n-- 说明：第一行，\n--   第二行。\n"
            "-- 参数：$as_of\nSELECT 1")
    fields = registry.parse_header(text, "x.sql")
    assert fields["explanation"] == "第一行，第二行。"
    with pytest.raises(registry.ChecksConfigError, match="严重程度"):
        registry.parse_header(text.replace("严重程度：高", "严重程度：很高"), "x.sql")
    with pytest.raises(registry.ChecksConfigError, match="title"):
        registry.parse_header(text.replace("-- 标题：示例\n", ""), "x.sql")


def test_a_rule_file_of_one_date_or_township_is_refused(tmp_path):
    """Every rule covers the whole county over all dates (flagged_from/flagged_to); a file written for one $as_of or
    one $township would be silently wrong in the table prepared at publish, so the registry refuses it."""
    header = "-- 标题：示例\n-- 简称：例\n-- 严重程度：高\n-- 对象：户\n-- 说明：说明。\n-- 参数：无\n"
    good = "SELECT 1 AS x, DATE '-infinity' AS flagged_from, DATE 'infinity' AS flagged_to  -- $as_of in a comment\n"
    (tmp_path / "ok.sql").write_text(header + good, encoding="utf-8")
    assert [r.id for r in registry.load_rules(tmp_path)] == ["ok"]
    for bad in ("SELECT 1 WHERE $as_of::DATE > DATE '2020-01-01'", "SELECT 1 WHERE $township = 'ALL'"):
        (tmp_path / "bad.sql").write_text(header + bad, encoding="utf-8")
        with pytest.raises(registry.ChecksConfigError, match="bad.sql"):
            registry.load_rules(tmp_path)


def test_rules_are_ordered_by_target_then_severity():
    order = [(("户", "成员", "村", "项目").index(r.target), ("高", "中", "低").index(r.severity))
             for r in registry.RULES]
    assert order == sorted(order)


def test_config_rejects_unknown_risk_factor():
    raw = {"checks": {"income_jump_factor": 3, "max_age_years": 110, "school_age_min": 6, "school_age_max": 16,
                      "trend_weeks": 8}, "quality": {"ranking_weight": 0},
           "risk": {"monitoring_line_factor": 1.5, "income_drop_pct": 20, "high_score": 60, "medium_score": 45,
                    "weights": {"low_income": 40, "income_drop": 25, "ill_no_labor": 20, "luck": 15}}}
    with pytest.raises(registry.ChecksConfigError, match="risk.weights"):
        registry.parse_config(raw)


def test_shipped_config_loads_and_keeps_quality_out_of_the_ranking():
    config = registry.load_config()
    assert config.quality_ranking_weight == 0
    assert config.monitoring_line_factor == 1.5


def test_trend_dates_are_weekly_and_end_at_d():
    d = dt.date(2020, 11, 16)
    assert registry.trend_dates(d, 3) == [dt.date(2020, 11, 2), dt.date(2020, 11, 9), d]


WEIGHTS = {"incidence_drop_pp": 25, "income_growth_pct": 20, "target_progress_pct": 20, "completion_pct": 20,
           "balance_rate_pct": 15}


def _indicators() -> pl.DataFrame:
    return pl.DataFrame({
        "township_code": ["A", "B", "ALL"],
        "score": [60.0, 40.0, None], "rank": [1, 2, None],
        "s_drop": [1.0, 0.0, None], "s_income": [1.0, 0.0, None], "s_target": [0.0, 1.0, None],
        "s_completion": [0.5, 0.5, None], "s_balance": [0.5, 0.5, None],
    })


def test_quality_weight_zero_leaves_the_ranking_unchanged():
    quality = pl.DataFrame({"township_code": ["A", "B"], "issues_per_100_households": [9.0, 1.0]})
    assert registry.weigh_data_quality(_indicators(), quality, WEIGHTS, 0).equals(_indicators())


def test_quality_weight_can_turn_the_ranking():
    # A: 25 + 20 + 0 + 10 + 7.5 = 62.5 points of 100; B: 0 + 0 + 20 + 10 + 7.5 = 37.5. A has 9 issues per 100
    # households (s = 0), B 1 (s = 1). With quality weighted 100: A = 62.5 / 200 = 31.25%, B = 137.5 / 200.
    quality = pl.DataFrame({"township_code": ["A", "B"], "issues_per_100_households": [9.0, 1.0]})
    out = registry.weigh_data_quality(_indicators(), quality, WEIGHTS, 100)
    rows = {r["township_code"]: r for r in out.iter_rows(named=True)}
    assert rows["A"]["score"] == pytest.approx(31.25) and rows["B"]["score"] == pytest.approx(68.75)
    assert (rows["B"]["rank"], rows["A"]["rank"]) == (1, 2)
    assert out["township_code"].to_list()[-1] == "ALL"


RULES = pl.DataFrame({"rule_id": ["r1", "r2"], "title": ["规则一", "规则二"], "short": ["一", "二"],
                      "severity": ["高", "低"], "target": ["户", "项目"], "explanation": ["", ""], "order": [0, 1]})
TOWNS = pl.DataFrame({"township_code": ["T1", "T2"], "township_name": ["甲乡", "乙镇"]})


def _counts(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"rule_id": pl.String, "township_code": pl.String, "issues": pl.Int64},
                        orient="row")


def test_heat_matrix_fills_zeros_and_keeps_rule_order():
    matrix = check_views.heat_matrix(RULES, _counts([("r2", "T1", 3)]), TOWNS)
    assert matrix.columns == ["township_code", "township_name", "r1", "r2"]
    assert matrix.select("r1", "r2").rows() == [(0, 3), (0, 0)]


def test_rule_summary_change_since_last_week_for_one_township():
    now = _counts([("r1", "T1", 5), ("r1", "T2", 2), ("r2", "T1", 1)])
    before = _counts([("r1", "T1", 7)])
    summary = check_views.rule_summary(RULES, now, before, "T1")
    assert summary.select("rule_id", "issues", "change").rows() == [("r1", 5, -2), ("r2", 1, 1)]
    county = check_views.rule_summary(RULES, now, before, "ALL")
    assert county["issues"].to_list() == [7, 1]


def test_weekly_by_township_shows_who_is_fixing():
    d1, d2, d3 = dt.date(2020, 11, 2), dt.date(2020, 11, 9), dt.date(2020, 11, 16)
    by_date = {d1: _counts([("r1", "T1", 6), ("r1", "T2", 1)]), d2: _counts([("r1", "T1", 4)]),
               d3: _counts([("r1", "T1", 3), ("r2", "T2", 2)])}
    table = check_views.weekly_by_township(by_date, TOWNS)
    rows = {r["township_code"]: r for r in table.iter_rows(named=True)}
    assert (rows["T1"]["11-02"], rows["T1"]["11-16"], rows["T1"]["week_change"], rows["T1"]["span_change"]) == \
        (6, 3, -1, -3)
    assert (rows["T2"]["11-09"], rows["T2"]["week_change"], rows["T2"]["span_change"]) == (0, 2, 1)
    severity = check_views.weekly_by_severity(RULES, by_date)
    assert severity.filter(pl.col("week") == d3).select("severity", "issues").rows() == [("高", 3), ("中", 0),
                                                                                         ("低", 2)]


def test_issue_table_masks_names_and_id_numbers_unless_allowed():
    rows = pl.DataFrame({"township_code": ["T1"], "township_name": ["甲乡"], "village_code": ["V1"],
                         "village_name": ["东村"], "record_id": ["H1"], "record_name": [None],
                         "person_name": ["张三明"], "id_number": ["431299197001010011"], "helper": ["王芳"],
                         "detail": ["说明"]}, schema_overrides={"record_name": pl.String})
    masked = check_views.issue_table(rows, "户", visible=False)
    assert masked.columns == ["乡镇", "村", "户编号", "户主", "身份证号", "帮扶责任人", "问题说明"]
    assert masked.row(0)[3:5] == ("张*明", "431299********0011")
    assert check_views.issue_table(rows, "户", visible=True).row(0)[3:5] == ("张三明", "431299********0011")
    assert check_views.issue_table(rows, "户", visible=True, ids_visible=True).row(0)[3:5] == \
        ("张三明", "431299197001010011")
    assert "身份证号" not in check_views.issue_table(rows, "项目", visible=False).columns


def test_returns_by_month_fills_quiet_months():
    rows = pl.DataFrame({"month": [dt.date(2020, 9, 1)], "main_cause": ["因病"], "households": [2], "persons": [5]})
    months = check_views.returns_by_month(rows, dt.date(2020, 11, 16), months=4)
    assert months["month"].to_list() == [dt.date(2020, 8, 1), dt.date(2020, 9, 1), dt.date(2020, 10, 1),
                                         dt.date(2020, 11, 1)]
    assert months["households"].to_list() == [0, 2, 0, 0]


def test_heatmap_shows_counts_blank_for_zero_and_short_labels():
    from components.check_charts import issue_heatmap

    matrix = check_views.heat_matrix(RULES, _counts([("r2", "T1", 3)]), TOWNS)
    fig = issue_heatmap(matrix, RULES)
    heat = fig.data[0]
    assert list(heat.x) == ["一·高", "二·低"] and list(heat.y) == ["甲乡", "乙镇"]
    assert [list(r) for r in heat.z] == [[0, 1], [0, 0]]  # shade relative to the rule's worst township
    assert [list(r) for r in heat.text] == [["", "3"], ["", ""]]


def test_weekly_trend_stacks_severities_with_totals():
    from components.check_charts import SEVERITY_COLOURS, weekly_trend

    frame = pl.DataFrame({"week": [dt.date(2020, 11, 9)] * 3 + [dt.date(2020, 11, 16)] * 3,
                          "severity": ["高", "中", "低"] * 2, "issues": [4, 2, 1, 3, 2, 0]})
    fig = weekly_trend(frame)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [list(b.y) for b in bars] == [[4, 3], [2, 2], [1, 0]]
    assert [b.marker.color for b in bars] == list(SEVERITY_COLOURS.values())
    assert list(fig.data[-1].text) == ["7", "5"] and list(bars[0].x) == ["11-09", "11-16"]
