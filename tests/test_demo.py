"""The demo county generator (ingest/demo.py): contract headers, determinism, internal consistency and the
story it is written to tell at its cut-off (2020-11-16)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import shapely
from shapely.geometry import shape

from ingest.demo import DEMO_CUTOFF, DEMO_STORY, POVERTY_LINES, write_demo

HEADERS = {
    "乡镇": "乡镇代码,乡镇名称,联系县领导",
    "村": "村代码,村名称,乡镇代码,是否贫困村,出列年份,农业户籍人口,第一书记",
    "农户": "户编号,户主姓名,户主身份证号,村代码,家庭人口数,贫困户属性,主要致贫原因,劳动力人数,帮扶责任人,"
            "吃穿不愁,义务教育有保障,基本医疗有保障,住房安全有保障,饮水安全有保障",
    "家庭成员": "户编号,姓名,身份证号,与户主关系,健康状况,劳动技能,在校生状况",
    "农户状态": "户编号,日期,事件",
    "收入": "户编号,年度,人均纯收入",
    "项目": "项目编号,项目名称,乡镇代码,村代码,项目类别,年度,计划投资,计划开工日期,计划完工日期,受益贫困户数",
    "项目进度": "项目编号,填报日期,形象进度,状态",
    "资金下达": "文号,项目编号,资金来源,下达日期,金额",
    "资金支出": "项目编号,支付日期,金额",
    "年度计划": "年度,乡镇代码,计划脱贫人数,计划出列村数",
    "村集体经济": "村代码,年度,集体经济收入",
}
EVENT_ORDER = {"纳入": 1, "脱贫": 2, "返贫": 3, "清退": 4}
CUTOFF = DEMO_CUTOFF
TIME_PROGRESS_2020 = 100 * CUTOFF.timetuple().tm_yday / 366


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    return write_demo(tmp_path_factory.mktemp("demo") / "county", seed=2020, households=7000, flaws=False)


def read(folder: Path, sheet: str) -> pl.DataFrame:
    return pl.read_csv(folder / f"{sheet}.csv", infer_schema=False)


def dates(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    return frame.with_columns(pl.col(column).str.to_date("%Y-%m-%d"))


def id_number_is_valid(number: str) -> bool:
    """GB 11643: 17 digits (the 7th–14th a real birth date) and the check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], weights))
    return "10X98765432"[total % 11] == number[17] and dt.date(1900, 1, 1) <= born <= CUTOFF


def status_at(county: Path, day: dt.date) -> pl.DataFrame:
    """Per household: last event on or before `day` (same-day order 纳入, 脱贫, 返贫, 清退) and the date of
    its last 脱贫 on or before `day`, with 家庭人口数 and 乡镇代码."""
    events = dates(read(county, "农户状态"), "日期").filter(pl.col("日期") <= day)
    last = (events.with_columns(order=pl.col("事件").replace_strict(EVENT_ORDER))
            .sort("户编号", "日期", "order")
            .group_by("户编号")
            .agg(pl.col("事件").last().alias("last"),
                 pl.col("日期").filter(pl.col("事件") == "脱贫").max().alias("last_exit")))
    households = read(county, "农户").select("户编号", pl.col("家庭人口数").cast(pl.Int64), "村代码")
    villages = read(county, "村").select("村代码", "乡镇代码")
    return households.join(villages, on="村代码").join(last, on="户编号", how="left")


def money(frame: pl.DataFrame, column: str = "金额") -> list[Decimal]:
    return [Decimal(v) for v in frame[column]]


# --- the contract --------------------------------------------------------------------------------------


def test_every_sheet_is_written_with_the_contract_headers(county):
    for sheet, header in HEADERS.items():
        first_line = (county / f"{sheet}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert first_line == header, sheet
    assert (county / "boundaries.geojson").exists()


def test_values_use_the_contract_forms(county):
    assert set(read(county, "村")["是否贫困村"]) == {"是", "否"}
    households = read(county, "农户")
    for column in ("吃穿不愁", "义务教育有保障", "基本医疗有保障", "住房安全有保障", "饮水安全有保障"):
        assert set(households[column]) <= {"是", "否"}
    assert set(households["贫困户属性"]) == {"一般贫困户", "低保贫困户", "特困供养户"}
    for sheet, column in (("农户状态", "日期"), ("项目", "计划开工日期"), ("项目进度", "填报日期"),
                          ("资金下达", "下达日期"), ("资金支出", "支付日期")):
        assert read(county, sheet)[column].str.contains(r"^\d{4}-\d{2}-\d{2}$").all(), sheet
    for sheet, column in (("项目", "计划投资"), ("资金下达", "金额"), ("资金支出", "金额"), ("村集体经济", "集体经济收入")):
        assert read(county, sheet)[column].str.contains(r"^\d+(\.\d{1,4})?$").all(), sheet
    assert read(county, "收入")["人均纯收入"].str.contains(r"^\d+\.\d{2}$").all()
    progress = read(county, "项目进度").with_columns(pl.col("形象进度").cast(pl.Int64))
    assert progress["形象进度"].is_between(0, 100).all()
    categories = set(read(county, "项目")["项目类别"])
    assert categories <= {"产业发展", "基础设施", "易地扶贫搬迁", "教育扶贫", "健康扶贫", "危房改造", "饮水安全",
                          "光伏扶贫", "就业扶贫", "其他"}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    a = write_demo(tmp_path / "a", seed=11, households=1500)
    b = write_demo(tmp_path / "b", seed=11, households=1500)
    c = write_demo(tmp_path / "c", seed=12, households=1500)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir()) == sorted(p.name for p in c.iterdir())
    assert len(names) == 13
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "农户.csv").read_bytes() != (c / "农户.csv").read_bytes()
    assert (a / "项目.csv").read_bytes() != (c / "项目.csv").read_bytes()


def test_the_import_accepts_the_demo_without_any_problem(county):
    from ingest.load import check

    _, problems, _ = check(county)
    assert problems.frame().height == 0, problems.frame().head(10)


# --- households and members ----------------------------------------------------------------------------


def test_members_add_up_to_household_size(county):
    households = read(county, "农户").select("户编号", pl.col("家庭人口数").cast(pl.Int64))
    counted = read(county, "家庭成员").group_by("户编号").len()
    joined = households.join(counted, on="户编号", how="left")
    assert (joined["len"] == joined["家庭人口数"]).all()
    assert joined["家庭人口数"].is_between(1, 7).all()


def test_every_id_number_has_a_valid_check_digit_and_is_unique(county):
    members = read(county, "家庭成员")
    households = read(county, "农户")
    assert all(id_number_is_valid(n) for n in members["身份证号"])
    assert all(id_number_is_valid(n) for n in households["户主身份证号"])
    assert members["身份证号"].n_unique() == members.height
    heads = members.filter(pl.col("与户主关系") == "户主")
    assert heads.height == households.height
    pairs = households.join(heads, on="户编号")
    assert (pairs["户主身份证号"] == pairs["身份证号"]).all()
    assert (pairs["户主姓名"] == pairs["姓名"]).all()


def test_members_are_consistent_with_age_and_household(county):
    members = read(county, "家庭成员").with_columns(
        born=pl.col("身份证号").str.slice(6, 8).str.to_date("%Y%m%d"))
    members = members.with_columns(age=(pl.lit(CUTOFF) - pl.col("born")).dt.total_days() // 365)
    assert set(members["与户主关系"]) <= {"户主", "配偶", "之子", "之女", "之父", "之母", "之孙子", "之孙女", "其他"}
    primary = members.filter(pl.col("age").is_between(7, 11))
    assert set(primary["在校生状况"]) <= {"小学", "失学辍学"}
    adults = members.filter(pl.col("age") >= 25)
    assert set(adults["在校生状况"]) == {"非在校生"}
    assert members.filter(pl.col("age") < 16)["劳动技能"].eq("无劳动力").all()
    labour = members.group_by("户编号").agg(
        n=pl.col("劳动技能").is_in(["普通劳动力", "技能劳动力"]).sum(),
        ill=pl.col("健康状况").is_in(["长期慢性病", "患有大病"]).any(),
    )
    households = read(county, "农户").join(labour, on="户编号")
    assert (households["劳动力人数"].cast(pl.Int64) == households["n"]).all()
    assert households.filter(pl.col("主要致贫原因") == "因病")["ill"].all()


# --- events and dates ----------------------------------------------------------------------------------


def test_event_sequences_make_sense(county):
    events = dates(read(county, "农户状态"), "日期").sort("户编号", "日期")
    allowed = {("纳入", "脱贫"), ("纳入", "清退"), ("脱贫", "返贫"), ("返贫", "脱贫")}
    seq = events.with_columns(prev=pl.col("事件").shift(1).over("户编号"),
                              prev_date=pl.col("日期").shift(1).over("户编号"))
    firsts = seq.filter(pl.col("prev").is_null())
    assert firsts.height == read(county, "农户").height  # every household has a history
    assert set(firsts["事件"]) == {"纳入"}
    later = seq.filter(pl.col("prev").is_not_null())
    assert (later["日期"] > later["prev_date"]).all()  # strictly increasing
    assert set(zip(later["prev"], later["事件"])) <= allowed


def test_event_mix_is_realistic(county):
    events = dates(read(county, "农户状态"), "日期").with_columns(y=pl.col("日期").dt.year())
    households = read(county, "农户").height
    first_in = events.filter(pl.col("事件") == "纳入")
    assert first_in.filter(pl.col("y") == 2014).height > 0.8 * households
    assert set(first_in["y"]) == {2014, 2015, 2016}
    exits = events.filter(pl.col("事件") == "脱贫")
    exit_years = exits.group_by("y").len()
    assert exit_years.filter(pl.col("y").is_between(2016, 2019))["len"].sum() > 0.6 * exits.height
    assert exits.filter(pl.col("y") == 2020).height > 0
    months = exits.filter(pl.col("y") < 2020).group_by(pl.col("日期").dt.month()).len()
    late = months.filter(pl.col("日期") >= 11)["len"].sum()
    assert late > 0.4 * months["len"].sum()  # exits peak in November and December
    returns = events.filter(pl.col("事件") == "返贫")["户编号"].n_unique()
    cleared = events.filter(pl.col("事件") == "清退")["户编号"].n_unique()
    assert 0.01 * households < returns < 0.03 * households
    assert 0.005 * households < cleared < 0.02 * households


def test_nothing_is_dated_after_the_cutoff_and_the_cutoff_is_the_latest_date(county):
    latest = []
    for sheet, column in (("农户状态", "日期"), ("项目进度", "填报日期"), ("资金下达", "下达日期"),
                          ("资金支出", "支付日期")):
        latest.append(dates(read(county, sheet), column)[column].max())
    assert max(latest) == CUTOFF
    assert all(d <= CUTOFF for d in latest)
    members = read(county, "家庭成员")["身份证号"].str.slice(6, 8).str.to_date("%Y%m%d")
    assert members.max() <= CUTOFF


# --- money ---------------------------------------------------------------------------------------------


def test_payments_never_exceed_allocations_per_project(county):
    allocated: dict[str, Decimal] = {}
    for project, amount in zip(read(county, "资金下达")["项目编号"], money(read(county, "资金下达"))):
        allocated[project] = allocated.get(project, Decimal(0)) + amount
    paid: dict[str, Decimal] = {}
    for project, amount in zip(read(county, "资金支出")["项目编号"], money(read(county, "资金支出"))):
        paid[project] = paid.get(project, Decimal(0)) + amount
    assert paid and all(paid[p] <= allocated.get(p, Decimal(0)) for p in paid)
    projects = read(county, "项目")
    planned = dict(zip(projects["项目编号"], money(projects, "计划投资")))
    assert set(allocated) == set(planned)
    assert all(Decimal("0.9") * planned[p] <= allocated[p] <= Decimal("1.06") * planned[p] for p in planned)


def test_project_progress_rises_through_the_statuses(county):
    order = {"未开工": 0, "在建": 1, "已完工": 2, "已验收": 3}
    progress = (dates(read(county, "项目进度"), "填报日期")
                .with_columns(pl.col("形象进度").cast(pl.Int64), rank=pl.col("状态").replace_strict(order))
                .sort("项目编号", "填报日期"))
    steps = progress.with_columns(
        prev_pct=pl.col("形象进度").shift(1).over("项目编号"), prev_rank=pl.col("rank").shift(1).over("项目编号"),
        prev_date=pl.col("填报日期").shift(1).over("项目编号")).filter(pl.col("prev_pct").is_not_null())
    assert (steps["形象进度"] >= steps["prev_pct"]).all()
    assert (steps["rank"] >= steps["prev_rank"]).all()
    assert (steps["填报日期"] > steps["prev_date"]).all()
    done = progress.filter(pl.col("rank") >= 2)
    assert (done["形象进度"] == 100).all()
    assert (progress.filter(pl.col("rank") == 0)["形象进度"] == 0).all()
    finished = progress.filter(pl.col("状态") == "已验收")["项目编号"].n_unique()
    assert finished > 0.6 * read(county, "项目").height  # the earlier years are finished and accepted


def test_payments_follow_allocations_in_time(county):
    first_allocation = dates(read(county, "资金下达"), "下达日期").group_by("项目编号").agg(pl.col("下达日期").min())
    first_payment = dates(read(county, "资金支出"), "支付日期").group_by("项目编号").agg(pl.col("支付日期").min())
    both = first_payment.join(first_allocation, on="项目编号")
    assert (both["支付日期"] > both["下达日期"]).all()


def test_exited_households_earn_above_the_poverty_line(county):
    incomes = read(county, "收入").with_columns(pl.col("年度").cast(pl.Int64), pl.col("人均纯收入").cast(pl.Float64))
    for year in (2016, 2018, 2020):
        day = CUTOFF if year == 2020 else dt.date(year, 12, 31)
        exited = status_at(county, day).filter(pl.col("last") == "脱贫").select("户编号")
        theirs = incomes.filter(pl.col("年度") == year).join(exited, on="户编号")
        assert theirs.height > 0
        assert (theirs["人均纯收入"] > POVERTY_LINES[year]).all(), year
    means = incomes.group_by("年度").agg(pl.col("人均纯收入").mean()).sort("年度")["人均纯收入"]
    assert means.is_sorted()  # incomes rise year on year
    per_household = incomes.group_by("户编号").len()
    missing = per_household.filter(pl.col("len") < 7).height
    assert 0.01 * per_household.height < missing < 0.06 * per_household.height


# --- the story at 2020-11-16 ---------------------------------------------------------------------------


def test_story_lagging_townships_are_behind_their_2020_target(county):
    status = status_at(county, CUTOFF)
    exited = (status.filter((pl.col("last") == "脱贫") & (pl.col("last_exit").dt.year() == 2020))
              .group_by("乡镇代码").agg(pl.col("家庭人口数").sum().alias("done")))
    plan = read(county, "年度计划").filter(pl.col("年度") == "2020").select(
        "乡镇代码", pl.col("计划脱贫人数").cast(pl.Int64).alias("target"))
    progress = (plan.join(exited, on="乡镇代码", how="left").with_columns(pl.col("done").fill_null(0))
                .filter(pl.col("target") > 0)
                .with_columns(pct=100 * pl.col("done") / pl.col("target")))
    lagging = set(progress.filter(pl.col("pct") < TIME_PROGRESS_2020 - 10)["乡镇代码"])
    assert lagging == set(DEMO_STORY["lagging"])
    assert 2 <= len(lagging) <= 3


def test_story_idle_funds_township_spent_little_of_old_2020_allocations(county):
    projects_2020 = read(county, "项目").filter(pl.col("年度") == "2020").select("项目编号", "乡镇代码")
    old = CUTOFF - dt.timedelta(days=90)
    allocations = dates(read(county, "资金下达"), "下达日期").join(projects_2020, on="项目编号")
    payments = dates(read(county, "资金支出"), "支付日期").join(projects_2020, on="项目编号")
    allocated = allocations.group_by("乡镇代码").agg(
        all=pl.col("金额").cast(pl.Float64).sum(),
        old=pl.col("金额").cast(pl.Float64).filter(pl.col("下达日期") <= old).sum())
    spent = payments.group_by("乡镇代码").agg(spent=pl.col("金额").cast(pl.Float64).sum())
    ratio = allocated.join(spent, on="乡镇代码", how="left").with_columns(
        pl.col("spent").fill_null(0.0)).with_columns(r=pl.col("spent") / pl.col("all"))
    idle = ratio.filter(pl.col("乡镇代码") == DEMO_STORY["idle_funds"]).row(0, named=True)
    assert idle["old"] == pytest.approx(idle["all"])  # all of it allocated 90+ days ago
    assert idle["r"] < 0.1
    others = ratio.filter(pl.col("乡镇代码") != DEMO_STORY["idle_funds"])
    assert (others["r"] > 0.2).all()


def test_story_overdue_township_has_most_overdue_2020_projects(county):
    latest = (dates(read(county, "项目进度"), "填报日期").sort("项目编号", "填报日期")
              .group_by("项目编号").agg(pl.col("状态").last()))
    projects = (dates(read(county, "项目"), "计划完工日期").filter(pl.col("年度") == "2020")
                .join(latest, on="项目编号", how="left")
                .with_columns(overdue=(pl.col("计划完工日期") < CUTOFF)
                              & ~pl.col("状态").fill_null("未开工").is_in(["已完工", "已验收"])))
    per_township = projects.group_by("乡镇代码").agg(n=pl.len(), overdue=pl.col("overdue").sum()).sort(
        "overdue", descending=True)
    top = per_township.row(0, named=True)
    assert top["乡镇代码"] == DEMO_STORY["overdue"]
    assert top["overdue"] >= 0.6 * top["n"]
    assert per_township["overdue"][1] < top["overdue"] / 2
    in_progress = projects.filter(pl.col("状态").is_in(["在建"])).height
    assert in_progress > 0  # 2020 projects partly still under way


def test_story_codes_are_townships(county):
    codes = set(read(county, "乡镇")["乡镇代码"])
    assert set(DEMO_STORY["lagging"]) <= codes
    assert {DEMO_STORY["idle_funds"], DEMO_STORY["overdue"]} <= codes
    assert len({*DEMO_STORY["lagging"], DEMO_STORY["idle_funds"], DEMO_STORY["overdue"]}) == 5


# --- scale ---------------------------------------------------------------------------------------------


def test_scale_at_7000_households(county):
    townships = read(county, "乡镇")
    villages = read(county, "村")
    assert 14 <= townships.height <= 18
    assert townships["联系县领导"].is_not_null().all()
    assert 200 <= villages.height <= 240
    assert villages["村代码"].str.slice(0, 9).is_in(townships["乡镇代码"].implode()).all()
    poor = villages.filter(pl.col("是否贫困村") == "是")
    assert 50 <= poor.height <= 70
    assert poor["第一书记"].is_not_null().all()
    exit_years = poor["出列年份"].drop_nulls().cast(pl.Int64)
    assert exit_years.is_between(2016, 2020).all()
    assert poor.height * 0.7 <= exit_years.len() < poor.height
    assert 250_000 <= villages["农业户籍人口"].cast(pl.Int64).sum() <= 350_000
    households = read(county, "农户")
    assert households.height == 7000
    persons = households["家庭人口数"].cast(pl.Int64)
    assert 20_000 <= persons.sum() <= 24_000
    assert 2.9 <= persons.mean() <= 3.3
    in_poor = households.filter(pl.col("村代码").is_in(poor["村代码"].implode())).height
    assert in_poor > 0.5 * households.height  # concentrated in the poor villages, present elsewhere
    projects = read(county, "项目")
    assert 500 <= projects.height <= 700
    per_year = projects.group_by("年度").len()
    assert set(per_year["年度"]) == {"2016", "2017", "2018", "2019", "2020"}
    assert per_year["len"].is_between(90, 170).all()
    industry = projects.filter(pl.col("项目类别") == "产业发展").height / projects.height
    assert 0.45 <= industry <= 0.55
    assert projects["项目编号"].str.contains(r"^XM20(1[6-9]|20)-\d{4}$").all()
    assert projects["项目编号"].n_unique() == projects.height


def test_annual_plans_cover_every_township_2016_to_2020(county):
    plans = read(county, "年度计划")
    townships = read(county, "乡镇").height
    assert plans.height == 5 * townships
    assert set(plans["年度"]) == {"2016", "2017", "2018", "2019", "2020"}
    collective = read(county, "村集体经济")
    assert collective.height == 5 * read(county, "村").height


# --- boundaries ----------------------------------------------------------------------------------------


def test_boundaries_tile_the_county_with_one_valid_polygon_per_township(county):
    collection = json.loads((county / "boundaries.geojson").read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    townships = read(county, "乡镇")
    features = collection["features"]
    assert [f["properties"]["乡镇代码"] for f in features] == townships["乡镇代码"].to_list()
    assert [f["properties"]["乡镇名称"] for f in features] == townships["乡镇名称"].to_list()
    geoms = [shape(f["geometry"]) for f in features]
    assert all(g.geom_type in ("Polygon", "MultiPolygon") and g.is_valid and g.area > 0 for g in geoms)
    for i, a in enumerate(geoms):
        for b in geoms[i + 1:]:
            assert shapely.intersection(a, b).area < 1e-9
    union = shapely.union_all(geoms)
    assert union.area == pytest.approx(sum(g.area for g in geoms), rel=1e-9)
    county_shape = union.buffer(1e-6)
    assert county_shape.geom_type == "Polygon" and not county_shape.interiors  # no gaps between townships
    minx, miny, maxx, maxy = union.bounds
    assert 109.95 <= minx and maxx <= 110.85 and 27.15 <= miny and maxy <= 27.85


def test_the_default_demo_with_planted_flaws_still_imports_with_warnings_only(tmp_path):
    """数据核查 needs true problems to show; none of them may block the import."""
    from ingest.load import check

    _, problems, _ = check(write_demo(tmp_path / "flawed", seed=2020, households=7000))
    frame = problems.frame()
    assert frame.filter(pl.col("severity") == "错误").height == 0, frame.head(10)
    assert frame.filter(pl.col("severity") == "警告").height > 0
