"""Plant the data problems a real county export has into the demo CSV folder, so 数据核查 and 防返贫监测 show
something true: a few 已脱贫 households with income below the line, missing 帮扶责任人, 三保障 gaps among exited
households, income typos, a 身份证号 in two households, an impossible birth date, a 出列 village above the
exit standard, completed projects without payment, and so on.

`add_flaws(out_dir, seed)` rewrites the <sheet>.csv files written by ingest.demo.write_demo in place and returns
what it planted. Deterministic: the same files and seed give the same flaws. Everything it plants still passes
the loader (`python -m ingest load` publishes; some flaws are warnings there, by design), since these are the
problems validation cannot refuse: they are plausible records that contradict each other. Most of them land in
a few "sloppy" townships, as in real life. It never opens a database.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

import settings

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_EVENT_ORDER = {"纳入": 1, "脱贫": 2, "返贫": 3, "清退": 4}
_GUARANTEES = ("吃穿不愁", "义务教育有保障", "基本医疗有保障", "住房安全有保障", "饮水安全有保障")
SLOPPY_TOWNSHIPS = 4


def _read(out_dir: Path, sheet: str) -> pl.DataFrame:
    return pl.read_csv(out_dir / f"{sheet}.csv", infer_schema=False)


def _write(frame: pl.DataFrame, out_dir: Path, sheet: str) -> None:
    frame.write_csv(out_dir / f"{sheet}.csv")


def _with_check_digit(body17: str) -> str:
    return body17 + _CHECK[sum(int(c) * w for c, w in zip(body17, _WEIGHTS)) % 11]


class _Picker:
    """Draws households (or villages, projects) without reuse, favouring the sloppy townships."""

    def __init__(self, rng: np.random.Generator, sloppy: set[str]):
        self.rng, self.sloppy, self.used = rng, sloppy, set()

    def pick(self, candidates: pl.DataFrame, key: str, n: int) -> list[str]:
        candidates = candidates.filter(~pl.col(key).is_in(list(self.used))).unique(key, keep="first").sort(key)
        if candidates.height == 0:
            return []
        weight = np.where(candidates["乡镇代码"].is_in(list(self.sloppy)).to_numpy(), 6.0, 1.0)
        chosen = self.rng.choice(candidates.height, size=min(n, candidates.height), replace=False,
                                 p=weight / weight.sum())
        picked = candidates[key].gather(np.sort(chosen)).to_list()
        self.used.update(picked)
        return picked


def _status(events: pl.DataFrame, cutoff: str) -> pl.DataFrame:
    """户编号, 状态 (last event on or before cutoff), 脱贫日期 (last 脱贫)."""
    return (events.filter(pl.col("日期") <= cutoff)
            .with_columns(order=pl.col("事件").replace_strict(_EVENT_ORDER, return_dtype=pl.Int8))
            .sort("户编号", "日期", "order")
            .group_by("户编号", maintain_order=True)
            .agg(状态=pl.col("事件").last(), 脱贫日期=pl.col("日期").filter(pl.col("事件") == "脱贫").last()))


def _days_before(day: str, days: int) -> str:
    return (np.datetime64(day) - np.timedelta64(days, "D")).astype(str)


def _set(frame: pl.DataFrame, key: str, ids, column: str, value) -> pl.DataFrame:
    return frame.with_columns(pl.when(pl.col(key).is_in(list(ids))).then(pl.lit(value)).otherwise(pl.col(column))
                              .alias(column))


def add_flaws(out_dir: Path, seed: int, *, member_gaps: bool = False) -> dict:
    """Rewrite the demo CSV folder with a realistic, deterministic sprinkling of data problems.

    Returns {flaw: [ids]} (household, village or project ids) so tests and demos can name them.
    member_gaps: also drop a member row of two households (家庭成员 count ≠ 家庭人口数). Off by default: the
    loader's warning for it currently crashes polars 2.1 on multi-chunk columns (see the report of issue 8).
    """
    out_dir = Path(out_dir)
    rng = np.random.default_rng([seed, 8])
    towns = _read(out_dir, "乡镇")
    villages = _read(out_dir, "村")
    households = _read(out_dir, "农户")
    members = _read(out_dir, "家庭成员")
    events = _read(out_dir, "农户状态")
    incomes = _read(out_dir, "收入")
    projects = _read(out_dir, "项目")
    progress = _read(out_dir, "项目进度")
    payments = _read(out_dir, "资金支出")
    collective = _read(out_dir, "村集体经济")

    cutoff = max(events["日期"].max(), progress["填报日期"].max(), payments["支付日期"].max())
    year = int(cutoff[:4])
    sloppy = set(rng.choice(towns["乡镇代码"].sort().to_list(), size=min(SLOPPY_TOWNSHIPS, towns.height),
                            replace=False).tolist())
    picker = _Picker(rng, sloppy)
    planted: dict[str, list[str]] = {"sloppy_townships": sorted(sloppy)}

    status = _status(events, cutoff)
    hh = households.join(villages.select("村代码", "乡镇代码"), on="村代码").join(status, on="户编号", how="left")
    exited = hh.filter(pl.col("状态") == "脱贫")
    registered = hh.filter(pl.col("状态").is_in(["纳入", "脱贫", "返贫"]))
    income_now = incomes.filter(pl.col("年度") == str(year)).select("户编号", now=pl.col("人均纯收入").cast(pl.Float64))
    income_prev = incomes.filter(pl.col("年度") == str(year - 1)).select(
        "户编号", prev=pl.col("人均纯收入").cast(pl.Float64))
    with_incomes = hh.join(income_now, on="户编号").join(income_prev, on="户编号")

    def set_income(ids: list[str], values: list[float]) -> None:
        nonlocal incomes
        new = dict(zip(ids, (f"{v:.2f}" for v in values)))
        incomes = incomes.with_columns(
            pl.when((pl.col("年度") == str(year)) & pl.col("户编号").is_in(ids))
            .then(pl.col("户编号").replace_strict(new, default=None)).otherwise(pl.col("人均纯收入")).alias("人均纯收入"))

    # An exited village where households fell back into poverty in recent weeks: still marked 出列, its
    # incidence is now above the 2% standard. The exited village closest to the line is the one that tips over.
    persons = pl.col("家庭人口数").cast(pl.Int64)
    poor_persons = hh.filter(pl.col("状态").is_in(["纳入", "返贫"])).group_by("村代码").agg(poor=persons.sum())
    exited_villages = villages.filter((pl.col("是否贫困村") == "是") & (pl.col("出列年份") < str(year))).join(
        poor_persons, on="村代码", how="left").with_columns(
        pl.col("poor").fill_null(0), rural=pl.col("农业户籍人口").cast(pl.Int64))
    village = exited_villages.sort(pl.col("poor") / pl.col("rural"), "村代码", descending=[True, False]).row(
        0, named=True)
    needed = int(village["rural"] * 0.022) + 1 - village["poor"]
    settled = exited.filter((pl.col("村代码") == village["村代码"]) & (pl.col("脱贫日期") < _days_before(cutoff, 90))
                            & ~pl.col("户编号").is_in(list(picker.used))).sort(persons, "户编号",
                                                                                 descending=[True, False])
    returning = settled.filter(persons.cum_sum() - persons < needed)["户编号"].to_list()
    picker.used.update(returning)
    days = np.sort(rng.integers(3, 50, len(returning)))[::-1]
    events = pl.concat([events, pl.DataFrame({"户编号": returning, "日期": [_days_before(cutoff, int(d)) for d in days],
                                              "事件": ["返贫"] * len(returning)})]).sort("户编号", "日期", maintain_order=True)
    planted["village_exit_incidence"] = [village["村代码"]]
    planted["returned_to_poverty"] = returning
    exited = exited.filter(~pl.col("户编号").is_in(returning))

    # 疑似数字脱贫: exited this year at the year-end rush, income recorded below the line.
    lines = settings.load().poverty_line
    line = lines.get(year) or lines[max(y for y in lines if y <= year)]
    rush = with_incomes.filter((pl.col("状态") == "脱贫") & pl.col("脱贫日期").str.starts_with(str(year)))
    ids = picker.pick(rush, "户编号", 6)
    set_income(ids, list(line * rng.uniform(0.78, 0.97, len(ids))))
    planted["digital_exit"] = ids

    # 防返贫: exited households whose income fell sharply but stays above the line.
    falling = with_incomes.filter((pl.col("状态") == "脱贫") & (pl.col("prev") >= line * 1.6))
    ids = picker.pick(falling, "户编号", 8)
    prev = dict(zip(falling["户编号"], falling["prev"]))
    set_income(ids, [max(prev[i] * f, line * 1.05) for i, f in zip(ids, rng.uniform(0.55, 0.72, len(ids)))])
    planted["income_drop"] = ids

    # 录入不准: an extra zero typed into this year's income.
    typo = with_incomes.filter(pl.col("状态").is_in(["纳入", "脱贫", "返贫"]))
    ids = picker.pick(typo, "户编号", 3)
    now = dict(zip(typo["户编号"], typo["now"]))
    set_income(ids, [now[i] * 10 for i in ids])
    planted["income_jump"] = ids

    # 三保障 gaps among exited households (housing and water, the usual ones).
    ids = picker.pick(exited, "户编号", 9)
    households = _set(households, "户编号", ids[:6], "住房安全有保障", "否")
    households = _set(households, "户编号", ids[6:], "饮水安全有保障", "否")
    planted["exit_without_guarantees"] = ids

    # 帮扶责任人 not filled in, mostly in the sloppy townships (on top of the demo's own gaps).
    ids = picker.pick(registered.filter(pl.col("帮扶责任人").is_not_null()), "户编号", 14)
    households = _set(households, "户编号", ids, "帮扶责任人", None)
    planted["missing_helper"] = ids

    # 原因不细: the cause written as 其他.
    ids = picker.pick(registered, "户编号", 3)
    households = _set(households, "户编号", ids, "主要致贫原因", "其他")
    planted["missing_cause"] = ids

    # 因病 as the cause while every member is healthy.
    healthy = members.group_by("户编号").agg(ill=(pl.col("健康状况") != "健康").sum())
    candidates = registered.filter(pl.col("主要致贫原因") != "因病").join(
        healthy.filter(pl.col("ill") == 0), on="户编号")
    ids = picker.pick(candidates, "户编号", 2)
    households = _set(households, "户编号", ids, "主要致贫原因", "因病")
    planted["cause_health_mismatch"] = ids

    # A school-age child of an exited household dropped out; 义务教育有保障 still 是.
    born = pl.col("身份证号").str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    pupils = members.filter(pl.col("在校生状况").is_in(["小学", "初中"])).with_columns(born=born).join(
        exited.filter(pl.col("义务教育有保障") == "是").select("户编号", "乡镇代码"), on="户编号")
    pupils = pupils.filter(pl.col("born").dt.year().is_between(year - 15, year - 8))
    ids = picker.pick(pupils, "户编号", 2)
    first_pupil = pupils.filter(pl.col("户编号").is_in(ids)).unique("户编号", keep="first")["身份证号"].to_list()
    members = _set(members, "身份证号", first_pupil, "在校生状况", "失学辍学")
    planted["dropout_with_education_ok"] = ids

    # One person in two households: a grown child set up a new household but is still listed with the parents.
    children = members.filter(pl.col("与户主关系").is_in(["之子", "之女"])).join(
        registered.select("户编号", "乡镇代码"), on="户编号")
    pairs = picker.pick(children, "户编号", 4)
    dup_ids = []
    for source, target in zip(pairs[::2], pairs[1::2]):
        person = children.filter(pl.col("户编号") == source).row(0, named=True)
        victim = children.filter(pl.col("户编号") == target).row(0, named=True)
        members = members.with_columns(
            pl.when(pl.col("身份证号") == victim["身份证号"]).then(pl.lit(person["姓名"])).otherwise(pl.col("姓名"))
            .alias("姓名"),
            pl.when(pl.col("身份证号") == victim["身份证号"]).then(pl.lit(person["身份证号"]))
            .otherwise(pl.col("身份证号")).alias("身份证号"))
        dup_ids += [source, target]
    planted["duplicate_id_number"] = dup_ids

    # A birth year mistyped (1946 -> 1906): 114 years old.
    elders = members.filter(pl.col("身份证号").str.slice(6, 3) == "194").join(
        registered.select("户编号", "乡镇代码"), on="户编号")
    ids = picker.pick(elders, "户编号", 1)
    if ids:
        old = elders.filter(pl.col("户编号") == ids[0])["身份证号"][0]
        new = _with_check_digit(old[:6] + "190" + old[9:17])
        members = members.with_columns(pl.col("身份证号").replace(old, new))
        households = households.with_columns(pl.col("户主身份证号").replace(old, new))
    planted["implausible_birth_date"] = ids

    # 家庭成员 list missing a person (a member row lost in the export).
    big = registered.filter(pl.col("家庭人口数").cast(pl.Int64) >= 4)
    ids = picker.pick(big, "户编号", 2) if member_gaps else []
    drop = members.with_row_index("i").filter(pl.col("户编号").is_in(ids) & (pl.col("与户主关系") != "户主")) \
        .group_by("户编号").agg(pl.col("i").last())["i"].to_list()
    members = members.with_row_index("i").filter(~pl.col("i").is_in(drop)).drop("i")
    planted["member_count_mismatch"] = ids

    # An exited village whose collective income slipped below the standard this year.
    exited_villages = villages.filter((pl.col("是否贫困村") == "是") & (pl.col("出列年份") < str(year))).join(
        collective.filter(pl.col("年度") == str(year)).select("村代码"), on="村代码")
    ids = picker.pick(exited_villages, "村代码", 1)
    collective = collective.with_columns(
        pl.when(pl.col("村代码").is_in(ids) & (pl.col("年度") == str(year))).then(pl.lit("2.85"))
        .otherwise(pl.col("集体经济收入")).alias("集体经济收入"))
    planted["village_exit_collective_income"] = ids

    # Completed projects: one reported 已完工 at 92%, two with payments never entered.
    last = progress.sort("项目编号", "填报日期").group_by("项目编号", maintain_order=True).last().join(
        projects.select("项目编号", "乡镇代码", "年度"), on="项目编号")
    done = last.filter((pl.col("状态") == "已完工") & (pl.col("年度") == str(year)))
    ids = picker.pick(done, "项目编号", 1)
    latest = dict(zip(done["项目编号"], done["填报日期"]))
    progress = progress.with_columns(
        pl.when(pl.col("项目编号").is_in(ids) & (pl.col("填报日期") == pl.col("项目编号").replace_strict(
            latest, default=None))).then(pl.lit("92")).otherwise(pl.col("形象进度")).alias("形象进度"))
    planted["completed_project_progress"] = ids
    ids = picker.pick(done.filter(pl.col("填报日期") >= f"{year}-09-01"), "项目编号", 2)
    payments = payments.filter(~pl.col("项目编号").is_in(ids))
    planted["completed_project_unpaid"] = ids

    for frame, sheet in ((villages, "村"), (households, "农户"), (events, "农户状态"), (members, "家庭成员"), (incomes, "收入"),
                         (progress, "项目进度"), (payments, "资金支出"), (collective, "村集体经济")):
        _write(frame, out_dir, sheet)
    return planted
