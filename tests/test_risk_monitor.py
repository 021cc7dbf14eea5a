"""防返贫监测: the explained risk score on a worked example (tests/checks_county.py, households R1–R4)."""

from __future__ import annotations

import datetime as dt

import pytest

from checks_county import published, write_county
from queries import checks_registry as registry
from queries.runner import Database

D = dt.date(2020, 11, 16)
# Weights 40/25/20/15, 高 ≥ 60, 中 ≥ 45; monitoring line 1.5 × 4,000 = 6,000 元; a drop means more than 20%.
RISK = {"line_years": [2019, 2020], "line_yuan": [3747.0, 4000.0], "monitoring_line_factor": 1.5,
        "income_drop_pct": 20.0, "w_low_income": 40.0, "w_income_drop": 25.0, "w_ill_no_labor": 20.0,
        "w_guarantee_gap": 15.0, "risk_high_score": 60.0, "risk_medium_score": 45.0, "per_level": 100}


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Database:
    yield from published(write_county(tmp_path_factory.mktemp("risk") / "export"))


def risk(db, township="ALL", **overrides) -> dict[str, dict]:
    rows = db.run("risk_households", as_of=D, township=township, **{**RISK, **overrides})
    return {r["household_id"]: r for r in rows.iter_rows(named=True)}


def test_household_hitting_all_four_factors_scores_the_full_100(county):
    # R1: 2020 income 5,000 < 6,000; 7,000 -> 5,000 is −28.6%; 因病 with no labour; 住房 否.
    r1 = risk(county)["R1"]
    assert (r1["f_low_income"], r1["f_income_drop"], r1["f_ill_no_labor"], r1["f_guarantee_gap"]) == (True,) * 4
    assert r1["score"] == 100 and r1["risk_level"] == "高"
    assert r1["reasons"] == ("2020 年人均纯收入 5,000 元，低于监测线 6,000 元；比上年下降 29%（7,000 → 5,000 元）；"
                             "因病致贫且家中无劳动力；住房安全未保障")


def test_drop_plus_disability_without_labour_is_medium(county):
    # R3: 7,000 ≥ 6,000 (no low income); 9,000 -> 7,000 is −22.2% (> 20); 因残 with labour 0: 25 + 20 = 45.
    r3 = risk(county)["R3"]
    assert r3["score"] == 45 and r3["risk_level"] == "中"
    assert not r3["f_low_income"] and r3["f_income_drop"] and r3["f_ill_no_labor"]


def test_low_income_alone_is_low_risk(county):
    # H02: exited, 4,000 < 6,000, +5% on 3,800: 40 points < 45.
    h02 = risk(county)["H02"]
    assert h02["score"] == 40 and h02["risk_level"] == "低"


def test_households_without_factors_or_not_exited_are_not_listed(county):
    listed = risk(county)
    assert "R2" not in listed  # 6,500 ≥ 6,000, income up
    assert "R4" not in listed  # returned to poverty in 2020-09: 未脱贫, not a 防返贫 case
    assert "H03" not in listed  # never exited


def test_list_is_sorted_by_score_and_filtered_by_township(county):
    rows = county.run("risk_households", as_of=D, township="T01", **RISK)
    assert rows["score"].to_list() == sorted(rows["score"].to_list(), reverse=True)
    assert set(rows["township_code"]) == {"T01"}
    assert rows["household_id"].to_list()[:2] == ["R1", "R3"]


def test_a_long_list_keeps_the_highest_scores_of_each_level_and_counts_them_all(county):
    full = county.run("risk_households", as_of=D, township="ALL", **RISK)
    counts = {level: full.filter(full["risk_level"] == level).height for level in ("高", "中", "低")}
    assert counts["高"] >= 1 and counts["中"] >= 1 and counts["低"] >= 1  # R1, R3, H02 above
    capped = county.run("risk_households", as_of=D, township="ALL", **{**RISK, "per_level": 1})
    assert sorted(capped["risk_level"]) == ["中", "低", "高"]  # one row per level
    assert capped["household_id"].to_list()[0] == "R1"  # 100 points: the top of 高
    first_of_each = full.group_by("risk_level", maintain_order=True).first()
    assert set(capped["household_id"]) == set(first_of_each["household_id"])
    assert dict(zip(capped["risk_level"], capped["level_households"])) == counts
    from components.check_views import risk_level_counts
    assert risk_level_counts(capped) == counts


def test_weights_come_from_parameters(county):
    # With the drop weighted 0 and the thresholds unchanged, R3 keeps only 因残 without labour: 20 -> 低.
    assert risk(county, w_income_drop=0.0)["R3"]["score"] == 20


def test_returns_by_month_counts_return_events_up_to_d(county):
    rows = county.run("risk_returns_by_month", as_of=D, township="ALL")
    assert rows.to_dicts() == [{"month": dt.date(2020, 9, 1), "main_cause": "缺资金", "households": 1, "persons": 2}]
    assert county.run("risk_returns_by_month", as_of=dt.date(2020, 9, 9), township="ALL").height == 0
    assert county.run("risk_returns_by_month", as_of=D, township="T02").height == 0


def test_risk_params_follow_the_config():
    config = registry.parse_config({
        "checks": {"income_jump_factor": 3, "max_age_years": 110, "school_age_min": 6, "school_age_max": 16,
                   "vague_causes": [], "trend_weeks": 8},
        "quality": {"ranking_weight": 0},
        "risk": {"monitoring_line_factor": 1.5, "income_drop_pct": 20, "high_score": 60, "medium_score": 45,
                 "weights": {"low_income": 40, "income_drop": 25, "ill_no_labor": 20, "guarantee_gap": 15}},
    })
    params = registry.risk_params(config)
    assert {k: params[k] for k in RISK if k.startswith("w_")} == {k: v for k, v in RISK.items() if k.startswith("w_")}
    assert params["monitoring_line_factor"] == 1.5 and params["line_years"] == sorted(params["line_years"])
