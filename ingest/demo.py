"""The demo county generator (演示县): a fictional county written in the import format, for demos, tests
and benchmarks.

`write_demo(out_dir)` writes one UTF-8 `<sheet>.csv` per sheet of the contract (headers from
ingest/sheets.py, i.e. DESIGN.md "Import format") plus `boundaries.geojson`. Everything is fictional and
follows from the seed: the same seed gives byte-identical files. The data stop at DEMO_CUTOFF
(2020-11-16, a Monday); townships differ so that the dashboard has something true to show then
(DEMO_STORY: lagging townships, one with idle funds, one with overdue projects).

What it may not do: it never opens a database. `python -m ingest demo` loads its output through the one
import path, like any county export. Work is vectorised with numpy/polars (7,000 households in well under
a second, a million in about 15 s); Python loops run only over small things (townships, years, sources).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import shapely

from ingest.sheets import SHEETS_BY_TABLE

# ----------------------------------------------------------------------------------------------------
# Constants of the story

DEMO_CUTOFF = date(2020, 11, 16)  # 数据截止日期: the latest dated record of the demo
YEARS = tuple(range(2014, 2021))
PLAN_YEARS = tuple(range(2016, 2021))
POVERTY_LINES = {2014: 2800, 2015: 2855, 2016: 2952, 2017: 3335, 2018: 3535, 2019: 3747, 2020: 4000}

MIN_TOWNSHIPS = 16
HOUSEHOLDS_PER_TOWNSHIP = 440
HOUSEHOLDS_PER_VILLAGE = 32
HOUSEHOLDS_PER_PROJECT = 70 / 6  # ~600 projects at 7,000 households
TOWNSHIPS_PER_COUNTY_CODE = 800  # township codes are <county code><101..900>; bigger demos add counties
COUNTY_CODE = 431299  # fictional 县级行政区划代码, also the 身份证号 region prefix

# Township indices the story is written around (codes are fixed, so tests can name them).
_LAGGING = (3, 9, 13)  # 2020 exits well behind the plan at DEMO_CUTOFF
_IDLE_FUNDS = 6  # 2020 funds allocated in spring, projects not started, almost nothing paid
_OVERDUE = 11  # 2020 projects planned to finish by autumn, far behind


def _township_code(index: int | np.ndarray) -> np.ndarray:
    index = np.asarray(index, dtype=np.int64)
    county = COUNTY_CODE - index // TOWNSHIPS_PER_COUNTY_CODE
    return county * 1000 + 101 + index % TOWNSHIPS_PER_COUNTY_CODE


DEMO_STORY = {
    "lagging": [str(_township_code(i)) for i in _LAGGING],
    "idle_funds": str(_township_code(_IDLE_FUNDS)),
    "overdue": str(_township_code(_OVERDUE)),
}

# ----------------------------------------------------------------------------------------------------
# Word lists (all names fictional)

TOWNSHIP_NAMES = ("龙潭乡", "青石镇", "白沙镇", "桃花乡", "黄泥乡", "高峰镇", "杨柳乡", "石门镇",
                  "云溪乡", "马鞍镇", "清水乡", "大坪镇", "金竹乡", "长坡乡", "新田镇", "凤岭乡")
COUNTY_LEADERS = ("李建国", "王志强", "张卫东", "刘明辉", "陈国平", "杨振华", "赵红梅", "黄晓东",
                  "周建军", "吴丽华", "徐海涛", "孙志刚", "马文斌", "朱永生", "胡春燕", "郭立新")
PLACE_FIRST = tuple("石桥龙凤黄白青红高新老大小上下中东西南北马牛杨柳桃李竹松梅花金银铜田水山岩塘溪河长平团双三五七九和太"
                    "清云狮象鹤鸭鹅茶枫樟桂兰")
PLACE_SECOND = tuple("坪冲溪塘岭坡湾坳桥田山庄寨堡屋门口头家园林江洞岗源峰湖铺垭丘")
SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任"
                 "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万覃向汤")
MALE_GIVEN = tuple("建国明华军伟强志勇杰涛斌超刚平辉鹏飞鑫宇浩俊峰磊海林东文兵波春生福贵富德才荣发成永全祥金山水"
                   "光庆忠良红卫新民江河松柏清正")
FEMALE_GIVEN = tuple("秀英芳娟敏静丽艳玲萍红梅霞燕兰凤桂花琴云莲珍翠香淑慧婷雪雨玉菊满妹娥银春")

ATTRIBUTES = ("一般贫困户", "低保贫困户", "特困供养户")
CAUSES = ("因病", "因残", "因学", "缺技术", "缺劳力", "缺资金", "缺土地", "交通条件落后", "自身发展动力不足", "因灾")
CAUSE_P = (0.40, 0.10, 0.07, 0.12, 0.08, 0.11, 0.03, 0.03, 0.04, 0.02)
RELATIONS = ("户主", "配偶", "之子", "之女", "之父", "之母", "之孙子", "之孙女", "其他")
HEALTH = ("健康", "长期慢性病", "患有大病", "残疾")
SKILLS = ("普通劳动力", "技能劳动力", "丧失劳动力", "无劳动力")
SCHOOLING = ("", "学前教育", "小学", "初中", "高中", "中职", "高职", "本科及以上", "失学辍学", "非在校生")
STATUSES = ("未开工", "在建", "已完工", "已验收")
SOURCES = ("中央", "省级", "市级", "县级", "整合涉农", "社会帮扶")
SOURCE_P = (0.38, 0.18, 0.06, 0.12, 0.20, 0.06)
SOURCE_DAY = (5, 9, 13, 16, 20, 24)  # day of the month each source's documents are dated
CATEGORY_P = {"产业发展": 0.50, "基础设施": 0.16, "易地扶贫搬迁": 0.04, "教育扶贫": 0.05, "健康扶贫": 0.04,
              "危房改造": 0.06, "饮水安全": 0.06, "光伏扶贫": 0.03, "就业扶贫": 0.04, "其他": 0.02}
CATEGORY_MEDIAN_WAN = (140, 110, 200, 60, 40, 50, 70, 100, 30, 30)  # 产业发展 ≈ 60% of the money
_CROPS = ("茶叶", "油茶", "柑橘", "猕猴桃", "中药材", "黄桃", "蔬菜", "食用菌", "烤烟", "百合")
_ANIMALS = ("生猪", "肉牛", "山羊", "土鸡", "稻花鱼")
PROJECT_SUFFIXES = (  # project names: <township><village?><suffix>, one tuple per category in CATEGORY_P order
    tuple([f"{c}基地建设" for c in _CROPS] + [f"{c}产业扶贫项目" for c in _CROPS]
          + [f"{a}养殖场建设" for a in _ANIMALS] + ["产业路硬化", "农产品冷链仓储建设", "乡村旅游配套建设"]),
    ("通组公路硬化", "产业路硬化", "村级便民服务中心建设", "桥梁建设", "机耕道建设", "农田水利设施改造", "村道安保工程"),
    ("易地扶贫搬迁集中安置点建设", "易地扶贫搬迁安置点配套设施"),
    ("学校教学楼改造", "贫困学生资助", "村小学食堂建设"),
    ("村卫生室标准化建设", "家庭医生签约服务"),
    ("农村危房改造",),
    ("农村饮水安全巩固提升工程", "集中供水工程"),
    ("村级光伏电站建设",),
    ("扶贫车间建设", "劳动力技能培训"),
    ("人居环境整治", "村容村貌提升"),
)

# ----------------------------------------------------------------------------------------------------
# Dates as int days since 1970-01-01 (numpy-friendly)

_EPOCH = np.datetime64("1970-01-01", "D")


def _day(y: int, m: int = 1, d: int = 1) -> int:
    return int((np.datetime64(date(y, m, d), "D") - _EPOCH).astype(np.int64))


CUTOFF = _day(DEMO_CUTOFF.year, DEMO_CUTOFF.month, DEMO_CUTOFF.day)
NEVER = 10**6  # sentinel date: "no such event"
_MONTHS_2020_PRE = np.array([1, 1, 2, 3, 4, 5, 6, 8, 11, 15, 14, 0], float)  # Nov = 1st..16th only
_MONTHS_EXIT = np.array([1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 27, 31], float)  # exits peak in Nov/Dec


def _month_index(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01."""
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _month_start(month_index: np.ndarray) -> np.ndarray:
    return np.asarray(month_index, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    months = _month_index(days)
    return months // 12 + 1970, months % 12 + 1, np.asarray(days) - _month_start(months) + 1


def _random_dates(rng: np.random.Generator, year: np.ndarray, month_weights: np.ndarray) -> np.ndarray:
    """One date per element of `year`, the month drawn with `month_weights`, the day uniform."""
    year = np.asarray(year, dtype=np.int64)
    month = rng.choice(12, year.size, p=month_weights / month_weights.sum())
    start = _month_start((year - 1970) * 12 + month)
    length = _month_start((year - 1970) * 12 + month + 1) - start
    return start + (rng.random(year.size) * length).astype(np.int64)


def _uniform_days(rng: np.random.Generator, lo, hi, n: int) -> np.ndarray:
    """n uniform integer days in [lo, hi] (scalars or arrays of length n)."""
    lo, hi = np.asarray(lo, np.int64), np.asarray(hi, np.int64)
    return lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)


def _as_date(days: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)


# ----------------------------------------------------------------------------------------------------
# Small helpers


def _choice(rng: np.random.Generator, p, n: int) -> np.ndarray:
    """n categorical draws with probabilities p (indices into p)."""
    return np.minimum(np.searchsorted(_cum(p), rng.random(n), side="right"), len(p) - 1)


def _choice_by(rng: np.random.Generator, p_rows, group: np.ndarray) -> np.ndarray:
    """One categorical draw per element of `group`, with the probabilities of row p_rows[group]."""
    cum = _cum(p_rows)
    u = rng.random(group.size)
    out = np.empty(group.size, np.int64)
    for g in range(cum.shape[0]):  # a handful of groups
        sel = group == g
        out[sel] = np.searchsorted(cum[g], u[sel], side="right")
    return np.minimum(out, cum.shape[1] - 1)


def _normalised(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def _cum(p) -> np.ndarray:
    c = np.cumsum(np.asarray(p, float), axis=-1)
    return c / c[..., -1:]


def _names(rng: np.random.Generator, n: int, male: np.ndarray | None = None,
           surname: np.ndarray | None = None) -> pl.Series:
    """Fictional Chinese names: a surname and one or two given characters."""
    if male is None:
        male = rng.random(n) < 0.5
    if surname is None:
        surname = rng.integers(0, len(SURNAMES), n)
    given = list(MALE_GIVEN) + list(FEMALE_GIVEN) + [""]
    nm, nf = len(MALE_GIVEN), len(FEMALE_GIVEN)
    first = np.where(male, rng.integers(0, nm, n), nm + rng.integers(0, nf, n))
    second = np.where(male, rng.integers(0, nm, n), nm + rng.integers(0, nf, n))
    second = np.where(rng.random(n) < 0.78, second, len(given) - 1)
    g = pl.Series(given)
    return _concat(pl.Series(SURNAMES).gather(surname), g.gather(first), g.gather(second))


def _concat(*parts) -> pl.Series:
    """Element-wise string concatenation of equally long Series (or scalars)."""
    columns = {f"c{i}": part for i, part in enumerate(parts) if isinstance(part, pl.Series)}
    exprs = [pl.col(f"c{i}") if isinstance(part, pl.Series) else pl.lit(part) for i, part in enumerate(parts)]
    return pl.DataFrame(columns).select(pl.concat_str(exprs).alias("s")).to_series()


def _wan(yuan: str) -> pl.Expr:
    """Exact 万元 text for an integer number of 元 (at most 4 decimals, no trailing zeros)."""
    whole = (pl.col(yuan) // 10000).cast(pl.String)
    frac = (pl.col(yuan) % 10000).cast(pl.String).str.zfill(4).str.strip_chars_end("0")
    return pl.when(frac == "").then(whole).otherwise(pl.concat_str(whole, pl.lit("."), frac))


def _yes_no(flag) -> pl.Series:
    return pl.Series(["否", "是"]).gather(np.asarray(flag).astype(np.int32))


# ----------------------------------------------------------------------------------------------------
# The county, sheet by sheet


@dataclass
class _Households:
    """Per-household arrays (index = position in 农户.csv), shared by the later sheets."""

    ids: pl.Series
    village: np.ndarray  # village index
    township: np.ndarray  # township index
    size: np.ndarray
    attribute: np.ndarray
    cause: np.ndarray
    # status history (days; NEVER = no such event). Scheduled to 2020-12-31; written up to CUTOFF.
    enrolled: np.ndarray
    exited: np.ndarray
    returned: np.ndarray
    reexited: np.ndarray
    cleared: np.ndarray


def _scale(households: int) -> tuple[int, int, int]:
    townships = max(MIN_TOWNSHIPS, round(households / HOUSEHOLDS_PER_TOWNSHIP))
    villages = max(round(households / HOUSEHOLDS_PER_VILLAGE), 3 * townships)
    projects = max(round(households / HOUSEHOLDS_PER_PROJECT), 5 * townships)
    return townships, villages, projects


def _township_names(rng: np.random.Generator, n: int) -> list[str]:
    names = list(TOWNSHIP_NAMES[:n])
    if n > len(names):
        combos = [a + b + s for a in PLACE_FIRST for b in PLACE_SECOND for s in "乡镇"]
        combos = [c for c in combos if c not in TOWNSHIP_NAMES]
        order = rng.permutation(len(combos))
        extra = [combos[i] for i in order[: n - len(names)]]
        extra += [f"第{k}乡" for k in range(len(extra), n - len(names))]
        names += extra
    return names


def _townships(rng: np.random.Generator, n: int) -> pl.DataFrame:
    leaders = list(COUNTY_LEADERS[:n])
    if n > len(leaders):
        leaders += _names(rng, n - len(leaders), male=rng.random(n - len(leaders)) < 0.8).to_list()
    return pl.DataFrame({
        "township_code": pl.Series(_township_code(np.arange(n))).cast(pl.String),
        "township_name": _township_names(rng, n),
        "county_leader": leaders,
    })


def _villages(rng: np.random.Generator, n_townships: int, n: int) -> pl.DataFrame:
    """Villages with their township index, poverty flag, exit year, weight for households."""
    per_town = 3 + rng.multinomial(n - 3 * n_townships, _normalised(rng.uniform(0.6, 1.4, n_townships)))
    town = np.repeat(np.arange(n_townships), per_town)
    seq = np.arange(n) - np.repeat(np.cumsum(per_town) - per_town, per_town)
    propensity = rng.uniform(0.12, 0.42, n_townships)
    poor = rng.random(n) < propensity[town]
    exit_year = np.array([2016, 2017, 2018, 2019, 2020, 0])[_choice(rng, [.15, .22, .28, .2, .05, .1], n)]
    exit_year = np.where(poor, exit_year, 0)
    names = np.empty(n, dtype=object)
    combos = np.array([a + b + "村" for a in PLACE_FIRST for b in PLACE_SECOND], dtype=object)
    starts = np.cumsum(per_town) - per_town
    for t in range(n_townships):  # small loop: one permutation per township keeps names unique inside it
        names[starts[t]: starts[t] + per_town[t]] = combos[rng.permutation(combos.size)[: per_town[t]]]
    codes = _township_code(town) * 1000 + 200 + 1 + seq
    secretary = _names(rng, n, male=rng.random(n) < 0.75)
    has_secretary = poor | (rng.random(n) < 0.1)
    return pl.DataFrame({
        "village_code": pl.Series(codes).cast(pl.String),
        "village_name": pl.Series(names.tolist(), dtype=pl.String),
        "township": town,
        "poor": poor,
        "exit_year": exit_year,
        "first_secretary": secretary.zip_with(pl.Series(has_secretary), pl.Series([None] * n, dtype=pl.String)),
        "weight": np.where(poor, 6.0, 1.0) * rng.uniform(0.6, 1.4, n),
    })


def _households(rng: np.random.Generator, villages: pl.DataFrame, n: int) -> _Households:
    v_count = rng.multinomial(n, _normalised(villages["weight"].to_numpy()))
    village = np.repeat(np.arange(villages.height), v_count)
    township = villages["township"].to_numpy()[village]
    seq = np.arange(n) - np.repeat(np.cumsum(v_count) - v_count, v_count) + 1
    width = max(4, len(str(int(v_count.max(initial=1)))))
    ids = _concat(villages["village_code"].gather(village), pl.Series(seq).cast(pl.String).str.zfill(width))

    attribute = _choice(rng, [0.76, 0.19, 0.05], n)
    size = 1 + _choice_by(rng, [[0.12, 0.23, 0.25, 0.2, 0.12, 0.06, 0.02], [0.68, 0.32, 0, 0, 0, 0, 0]],
                          (attribute == 2).astype(int))
    cause = _choice(rng, CAUSE_P, n)
    cause = np.where((attribute == 2) & (rng.random(n) < 0.6), CAUSES.index("缺劳力"), cause)
    history = _status_history(rng, villages, village, township, n)
    return _Households(ids, village, township, size, attribute, cause, *history)


def _status_history(rng: np.random.Generator, villages: pl.DataFrame, village: np.ndarray,
                    township: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """纳入 / 脱贫 / 返贫 / 再脱贫 / 清退 dates per household, scheduled to the end of 2020."""
    n_towns = int(township.max()) + 1
    # 纳入: 建档立卡 in 2014 (Apr–Oct), 回头看 in 2015, 动态调整 in 2016.
    in_year = np.array([2014, 2015, 2016])[_choice(rng, [0.9, 0.06, 0.04], n)]
    enrolled = np.select(
        [in_year == 2014, in_year == 2015],
        [_uniform_days(rng, _day(2014, 4, 1), _day(2014, 10, 31), n),
         _uniform_days(rng, _day(2015, 6, 1), _day(2015, 9, 30), n)],
        _uniform_days(rng, _day(2016, 4, 1), _day(2016, 6, 30), n),
    )
    # Exit year: households of a poor village mostly leave by the year the village exits.
    v_poor = villages["poor"].to_numpy()[village]
    v_exit = villages["exit_year"].to_numpy()[village]
    lead = _choice(rng, [0.45, 0.3, 0.17, 0.08], n)
    by_village = np.maximum(2014, v_exit - lead)
    not_exited_village = 2016 + _choice(rng, [0.1, 0.15, 0.2, 0.2, 0.35], n)
    elsewhere = 2014 + _choice(rng, [0.06, 0.12, 0.18, 0.22, 0.22, 0.13, 0.07], n)
    exit_year = np.where(v_poor & (v_exit > 0), by_village, np.where(v_poor, not_exited_village, elsewhere))
    exit_year = np.where(v_poor & (v_exit > 0) & (rng.random(n) < 0.04), 2020, exit_year)
    exit_year = np.maximum(exit_year, np.where(in_year > 2014, in_year + 1, 2014))

    # Exit dates: late in the year; 2020 up to the cut-off, except the share each township has left for
    # the last weeks (large for the lagging townships).
    exited = _random_dates(rng, exit_year, _MONTHS_EXIT)
    exited = np.where(exit_year == 2014, _uniform_days(rng, _day(2014, 11, 1), _day(2014, 12, 31), n), exited)
    late_share = rng.uniform(0.06, 0.12, n_towns)
    late_share[list(_LAGGING)] = rng.uniform(0.42, 0.52, len(_LAGGING))
    late = rng.random(n) < late_share[township]
    pre = _random_dates(rng, np.full(n, 2020), _MONTHS_2020_PRE)
    pre = np.where(pre > CUTOFF, _uniform_days(rng, _day(2020, 11, 1), CUTOFF, n), pre)
    pre = np.where(rng.random(n) < 0.05, CUTOFF, pre)  # the county approves a batch on Monday 2020-11-16
    post = _uniform_days(rng, CUTOFF + 1, _day(2020, 12, 31), n)
    exited = np.where(exit_year == 2020, np.where(late, post, pre), exited)
    exited = np.maximum(exited, enrolled + 45)

    # 清退 (~1%): wrongly identified, removed in a later review; such a household never exits.
    cleared = np.where(rng.random(n) < 0.01, enrolled + _uniform_days(rng, 300, 700, n), NEVER)
    exited = np.where(cleared < NEVER, NEVER, exited)
    # 返贫 (~2%) after an exit before autumn 2019; about half exit again (some after the cut-off).
    eligible = exited <= _day(2019, 9, 30)
    p_return = min(1.0, 0.02 * n / max(1, int(eligible.sum())))
    returned = np.where(eligible & (rng.random(n) < p_return),
                        np.minimum(exited + _uniform_days(rng, 90, 540, n), _day(2020, 10, 31)), NEVER)
    again = (returned < NEVER) & (rng.random(n) < 0.55)
    reexited = np.where(again, returned + _uniform_days(rng, 120, 400, n), NEVER)
    reexited = np.where(reexited > _day(2020, 12, 31), NEVER, reexited)
    return enrolled, exited, returned, reexited, cleared


def _exited_at(hh: _Households, at: int) -> np.ndarray:
    """已脱贫 at day `at`: exited and not returned, or exited again after returning."""
    return (hh.reexited <= at) | ((hh.exited <= at) & ~(hh.returned <= at))


def _poor_at(hh: _Households, at: int) -> np.ndarray:
    """未脱贫 at day `at`: enrolled, not cleared and not 已脱贫."""
    return (hh.enrolled <= at) & ~(hh.cleared <= at) & ~_exited_at(hh, at)


def _exited_in_year(hh: _Households, at: int) -> np.ndarray:
    """已脱贫 at `at` with the last 脱贫 on or before `at` in the year of `at` (DESIGN.md exited_persons_ytd)."""
    year_start = _day(int(_ymd(np.array([at]))[0][0]))
    last_exit = np.where(hh.reexited <= at, hh.reexited, hh.exited)
    return _exited_at(hh, at) & (last_exit >= year_start)


def _members(rng: np.random.Generator, hh: _Households) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """家庭成员, plus per household: the labour count and flags (has a student, has a dropout)."""
    n = hh.size.size
    size = hh.size
    person_hh = np.repeat(np.arange(n), size)
    starts = np.cumsum(size) - size
    k = np.arange(person_hh.size) - starts[person_hh]
    p = person_hh.size

    head_age = np.clip(rng.normal(54, 12, n), 22, 88).astype(int)
    head_age = np.where(hh.attribute == 2, rng.integers(60, 91, n), head_age)  # 特困供养: elderly
    head_male = rng.random(n) < 0.86
    has_spouse = (size >= 2) & (rng.random(n) < np.where(hh.attribute == 2, 0.5, 0.82))

    # Relation of each non-head member, by the head's age: children, grandchildren, parents, others.
    age_group = np.where(head_age >= 62, 0, np.where(head_age >= 45, 1, 2))
    kind = _choice_by(rng, [[.45, .5, 0, .05], [.8, .12, .04, .04], [.72, 0, .22, .06]], age_group[person_hh])
    kind = np.where((kind == 2) & (k < size[person_hh] - 2), 0, kind)  # at most two parents, listed last
    h_age = head_age[person_hh]
    child_age = np.clip(h_age - rng.integers(20, 37, p), 0, None)
    grand_age = h_age - rng.integers(44, 63, p)
    kind = np.where((kind == 1) & (grand_age < 0), 0, kind)
    male = rng.random(p) < 0.52
    rel = np.select([kind == 0, kind == 1, kind == 2], [np.where(male, 2, 3), np.where(male, 6, 7),
                                                          np.where(k == size[person_hh] - 2, 4, 5)], 8)
    rel = np.where((k == 1) & has_spouse[person_hh], 1, rel)
    rel = np.where(k == 0, 0, rel)
    age = np.select(
        [rel == 0, rel == 1, np.isin(rel, (2, 3)), np.isin(rel, (6, 7)), np.isin(rel, (4, 5))],
        [h_age,
         np.clip(h_age + np.rint(rng.normal(np.where(head_male[person_hh], -2, 2), 3, p)).astype(int), 18, 95),
         child_age, np.clip(grand_age, 0, None), np.minimum(h_age + rng.integers(21, 34, p), 98)],
        rng.integers(5, 81, p),
    )
    male = np.select([rel == 0, rel == 1, np.isin(rel, (2, 4, 6)), np.isin(rel, (3, 5, 7))],
                     [head_male[person_hh], ~head_male[person_hh], True, False], male)

    # Health by age; the cause 因病 / 因残 always has an ill / disabled member.
    age_band = np.where(age < 16, 0, np.where(age < 60, 1, 2))
    health = _choice_by(rng, [[.95, .01, .01, .03], [.82, .1, .04, .04], [.55, .3, .08, .07]], age_band)
    marked = (k == (rng.random(n) * size).astype(int)[person_hh])
    cause = hh.cause[person_hh]
    health = np.where(marked & (cause == 0), np.where(rng.random(p) < 0.45, 2, 1), health)
    health = np.where(marked & (cause == 1), 3, health)

    # Schooling by age; a few school-age children of still-poor households have dropped out.
    school = np.select(
        [age < 3, age < 6, age < 12, age < 15, age < 18, age < 23],
        [0, 1, 2, 3, np.array([4, 5, 9])[_choice(rng, [.62, .3, .08], p)],
         np.array([6, 7, 9])[_choice(rng, [.15, .15, .7], p)]], 9)
    poor_now = _poor_at(hh, CUTOFF)
    dropout = poor_now[person_hh] & (age >= 7) & (age <= 15) & (rng.random(p) < 0.04)
    school = np.where(dropout, 8, school)
    student = np.isin(school, (1, 2, 3, 4, 5, 6, 7))

    # Labour skills follow age, schooling and health.
    ill = np.isin(health, (2, 3))
    skill = np.select(
        [age < 16, student, (age >= 65) & (rng.random(p) < 0.55), ill & (rng.random(p) < 0.6), age >= 65],
        [3, 3, 3, 2, 0],
        np.where(rng.random(p) < 0.22, 1, 0),
    )
    labor = np.bincount(person_hh, weights=(skill <= 1), minlength=n).astype(np.int64)

    # Names: children, grandchildren and the father of a male head carry his surname.
    head_surname = rng.integers(0, len(SURNAMES), n)
    own_surname = rng.integers(0, len(SURNAMES), p)
    inherit = (rel == 0) | (np.isin(rel, (2, 3, 4, 6, 7)) & head_male[person_hh])
    names = _names(rng, p, male=male, surname=np.where(inherit, head_surname[person_hh], own_surname))

    region = (COUNTY_CODE - hh.township // TOWNSHIPS_PER_COUNTY_CODE)[person_hh]
    birth = CUTOFF - age * 365 - (age // 4) - rng.integers(1, 365, p)
    ids = _id_numbers(region, birth, male)
    members = pl.DataFrame({
        "household_id": hh.ids.gather(person_hh),
        "name": names,
        "id_number": ids,
        "relation": pl.Series(RELATIONS).gather(rel),
        "health": pl.Series(HEALTH).gather(health),
        "labor_skill": pl.Series(SKILLS).gather(skill),
        "schooling": pl.Series(SCHOOLING).gather(school).replace("", None),
    })
    has_student = np.bincount(person_hh, weights=student, minlength=n) > 0
    has_dropout = np.bincount(person_hh, weights=dropout, minlength=n) > 0
    return members, labor, np.stack([has_student, has_dropout])


_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], np.int64)
_ID_CHECK = pl.Series(list("10X98765432"))


def _weighted_digits(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ digit × weight over the len(weights) digits of each value (most significant first)."""
    total = np.zeros(values.size, np.int64)
    for i, w in enumerate(weights):
        total += (values // 10 ** (len(weights) - 1 - i)) % 10 * w
    return total


def _id_numbers(region: np.ndarray, birth: np.ndarray, male: np.ndarray) -> pl.Series:
    """18-digit 身份证号 (GB 11643): region, birth date, a sequence unique per region+date (odd = male),
    check digit."""
    y, m, d = _ymd(birth)
    ymd = y * 10000 + m * 100 + d
    frame = pl.DataFrame({"r": region, "b": ymd, "m": male})
    rank = frame.select(pl.int_range(pl.len()).over("r", "b", "m")).to_series().to_numpy()
    if rank.max(initial=0) > 398:
        raise ValueError("too many people born on one day for the demo's 身份证号 sequence")
    offset = 1 + (birth * 37) % 100
    seq = 2 * (rank + offset) + male.astype(np.int64)
    body = region.astype(np.int64) * 10**11 + ymd * 1000 + seq
    # the weighted digit sum, part by part over the distinct values (few regions and birth dates)
    regions, r_inv = np.unique(region, return_inverse=True)
    days, d_inv = np.unique(ymd, return_inverse=True)
    total = (_weighted_digits(regions.astype(np.int64), _ID_WEIGHTS[:6])[r_inv]
             + _weighted_digits(days, _ID_WEIGHTS[6:14])[d_inv]
             + _weighted_digits(np.arange(1000), _ID_WEIGHTS[14:])[seq])
    return _concat(pl.Series(body).cast(pl.String), _ID_CHECK.gather(total % 11))


def _household_sheet(rng: np.random.Generator, hh: _Households, villages: pl.DataFrame, members: pl.DataFrame,
                     labor: np.ndarray, flags: np.ndarray) -> pl.DataFrame:
    n = hh.size.size
    has_student, has_dropout = flags
    cause = np.where((hh.cause == CAUSES.index("因学")) & ~has_student, CAUSES.index("缺资金"), hh.cause)
    cause = np.where((cause == CAUSES.index("缺劳力")) & (labor >= 3), CAUSES.index("缺技术"), cause)
    heads = members.filter(pl.col("relation") == "户主")
    # 帮扶责任人: one cadre for up to five households of a village.
    within = np.arange(n) - np.searchsorted(hh.village, hh.village)
    helper_key = hh.village.astype(np.int64) * 100_000 + within // 5
    _, helper_index = np.unique(helper_key, return_inverse=True)
    helpers = _names(rng, int(helper_index.max()) + 1, male=rng.random(int(helper_index.max()) + 1) < 0.7)
    helper = helpers.gather(helper_index).zip_with(pl.Series(rng.random(n) >= 0.03),
                                                  pl.Series([None] * n, dtype=pl.String))
    # 两不愁三保障: all met once exited; some gaps among the still poor.
    poor = _poor_at(hh, CUTOFF)
    gap = lambda p: ~(poor & (rng.random(n) < p))  # noqa: E731
    return pl.DataFrame({
        "household_id": hh.ids,
        "head_name": heads["name"],
        "head_id_number": heads["id_number"],
        "village_code": villages["village_code"].gather(hh.village),
        "size": hh.size,
        "attribute": pl.Series(ATTRIBUTES).gather(hh.attribute),
        "main_cause": pl.Series(CAUSES).gather(cause),
        "labor_count": labor,
        "helper": helper,
        "food_clothing": _yes_no(gap(0.01)),
        "education": _yes_no(gap(0.03) & ~(poor & has_dropout)),
        "medical": _yes_no(gap(0.04)),
        "housing": _yes_no(gap(0.12)),
        "water": _yes_no(gap(0.08)),
    })


def _event_sheet(hh: _Households) -> pl.DataFrame:
    parts = []
    for code, days in enumerate((hh.enrolled, hh.exited, hh.returned, hh.reexited, hh.cleared)):
        keep = days <= CUTOFF
        event = ("纳入", "脱贫", "返贫", "脱贫", "清退")[code]
        parts.append(pl.DataFrame({"i": np.flatnonzero(keep), "date": days[keep], "event": event}))
    events = pl.concat(parts).sort("i", "date", maintain_order=True)
    return events.select(
        hh.ids.gather(events["i"]).alias("household_id"),
        _as_date(events["date"].to_numpy()).alias("date"),
        "event",
    )


def _income_sheet(rng: np.random.Generator, hh: _Households) -> pl.DataFrame:
    """人均纯收入 per household and year: below the line while poor, above it from the year of exit."""
    n = hh.size.size
    n_towns = int(hh.township.max()) + 1
    first_exit_year = _ymd(np.minimum(hh.exited, CUTOFF))[0]
    growth = rng.uniform(0.02, 0.08, n) + rng.uniform(-0.02, 0.04, n_towns)[hh.township]
    start_ratio = rng.uniform(1.08, 1.45, n)
    poor_base = rng.uniform(0.5, 0.8, n)
    clear_ratio = rng.uniform(1.3, 2.0, n)
    columns = []
    for year in YEARS:  # seven vectorised passes
        at = CUTOFF if year == 2020 else _day(year, 12, 31)
        line = POVERTY_LINES[year]
        exited_now = _exited_at(hh, at)
        returned_now = (hh.returned <= at) & ~exited_now
        poor_ratio = np.clip(poor_base + 0.04 * (year - 2014) + rng.normal(0, 0.03, n), 0.45, 0.97)
        ratio = np.select(
            [hh.cleared < NEVER, exited_now, returned_now, (year == 2020) & (hh.exited < NEVER)],
            [clear_ratio * 1.06 ** (year - 2014),
             start_ratio * (1 + growth) ** np.maximum(0, year - first_exit_year),
             rng.uniform(0.7, 0.95, n),
             rng.uniform(0.93, 1.08, n)],  # due to exit in the last weeks of 2020
            poor_ratio,
        )
        columns.append(np.round(line * ratio, 2))
    income = np.stack(columns, axis=1)  # n x 7
    missing = np.where(rng.random(n) < 0.03, rng.integers(0, len(YEARS), n), -1)
    keep = np.arange(len(YEARS))[None, :] != missing[:, None]
    rows, cols = np.nonzero(keep)
    return pl.DataFrame({
        "household_id": hh.ids.gather(rows),
        "year": np.array(YEARS)[cols],
        "income_per_capita": income[rows, cols],
    })


def _project_sheet(rng: np.random.Generator, n: int, towns: pl.DataFrame, villages: pl.DataFrame,
                   hh: _Households) -> pl.DataFrame:
    """项目: planned investment in 元 (written as 万元), planned dates, beneficiaries, story flags."""
    n_towns = towns.height
    year = np.array(PLAN_YEARS)[_choice(rng, [.2, .21, .2, .21, .18], n)]
    town_hh = np.bincount(hh.township, minlength=n_towns) + 1
    township = rng.choice(n_towns, n, p=_normalised(town_hh ** 0.7))
    # the story townships have plenty of 2020 projects
    story = np.isin(township, [_IDLE_FUNDS, _OVERDUE])
    year = np.where(story & (rng.random(n) < 0.35), 2020, year)
    v_town = villages["township"].to_numpy()
    v_start = np.searchsorted(v_town, np.arange(n_towns))
    v_count = np.bincount(v_town, minlength=n_towns)
    in_village = v_start[township] + (rng.random(n) * v_count[township]).astype(int)
    village = np.where(rng.random(n) < 0.75, in_village, -1)  # a quarter are township-wide projects
    category = _choice(rng, list(CATEGORY_P.values()), n)
    suffix_pick = (rng.random(n) * np.array([len(s) for s in PROJECT_SUFFIXES])[category]).astype(int)
    flat = [s for group in PROJECT_SUFFIXES for s in group]
    offsets = np.cumsum([0] + [len(s) for s in PROJECT_SUFFIXES])[:-1]
    suffix = pl.Series(flat).gather(offsets[category] + suffix_pick)
    village_name = villages["village_name"].gather(np.maximum(village, 0))
    village_name = village_name.zip_with(pl.Series(village >= 0), pl.Series([""] * n))
    name = _concat(towns["township_name"].gather(township), village_name, suffix)

    median = np.array(CATEGORY_MEDIAN_WAN, float)[category]
    invest_wan = np.clip(median * np.exp(rng.normal(0, 0.6, n)), 10, 500)
    invest = np.rint(invest_wan * 100).astype(np.int64) * 100  # 元, whole 百元
    start = _random_dates(rng, year, np.array([0, 10, 18, 20, 18, 14, 10, 6, 4, 0, 0, 0], float))
    duration = rng.integers(45, 200, n)
    end = np.minimum(start + duration, _month_start((year - 1970) * 12 + 11) + 27)  # by Dec 28
    idle = (township == _IDLE_FUNDS) & (year == 2020)
    overdue = (township == _OVERDUE) & (year == 2020)
    start = np.where(idle, _uniform_days(rng, _day(2020, 3, 10), _day(2020, 6, 30), n), start)
    end = np.where(idle, _uniform_days(rng, _day(2020, 12, 1), _day(2020, 12, 28), n), end)
    start = np.where(overdue, _uniform_days(rng, _day(2020, 3, 1), _day(2020, 5, 31), n), start)
    end = np.where(overdue, np.minimum(start + rng.integers(60, 150, n), _day(2020, 10, 31)), end)

    v_hh = np.bincount(hh.village, minlength=villages.height)
    base = np.where(village >= 0, v_hh[np.maximum(village, 0)], town_hh[township] * 0.2)
    beneficiaries = np.maximum(1, np.rint(base * rng.uniform(0.1, 0.8, n))).astype(np.int64)
    projects = pl.DataFrame({
        "project_name": name,
        "township_code": towns["township_code"].gather(township),
        "village_code": villages["village_code"].gather(np.maximum(village, 0)).zip_with(
            pl.Series(village >= 0), pl.Series([None] * n, dtype=pl.String)),
        "category": pl.Series(list(CATEGORY_P)).gather(category),
        "year": year,
        "invest": invest,
        "planned_start": start,
        "planned_end": end,
        "beneficiary_households": pl.Series(beneficiaries).zip_with(pl.Series(rng.random(n) >= 0.1),
                                                                    pl.Series([None] * n, dtype=pl.Int64)),
        "township": township,
        "idle": idle,
        "overdue": overdue,
    }).sort("year", "planned_start", "township", maintain_order=True)
    # 项目编号 XM<year>-<seq>, numbered within the year in order of planned start
    width = max(4, len(str(int(np.bincount(year).max()))))
    seq = projects.select(pl.int_range(1, pl.len() + 1).over("year")).to_series()
    return projects.insert_column(0, _concat("XM", projects["year"].cast(pl.String), "-",
                                             seq.cast(pl.String).str.zfill(width)).alias("project_id"))


def _progress_sheet(rng: np.random.Generator, projects: pl.DataFrame) -> pl.DataFrame:
    """Monthly reports on the 25th from the planned start until acceptance (or the cut-off), plus a
    已完工 report on the day the works finish."""
    n = projects.height
    start = projects["planned_start"].to_numpy()
    end = projects["planned_end"].to_numpy()
    idle = projects["idle"].to_numpy()
    overdue = projects["overdue"].to_numpy()
    planned_days = np.maximum(end - start, 30)
    factor = np.where(overdue, rng.uniform(2.2, 3.5, n), rng.uniform(0.85, 1.2, n))
    delay = np.where(overdue, rng.integers(15, 60, n), rng.integers(0, 25, n))
    actual_start = start + delay
    # idle-funds township: most 2020 projects have not started at the cut-off; the rest began in autumn
    actual_start = np.where(idle, np.where(rng.random(n) < 0.75, CUTOFF + 30,
                                           _uniform_days(rng, _day(2020, 9, 1), _day(2020, 10, 20), n)), actual_start)
    actual_end = actual_start + np.rint(planned_days * factor).astype(np.int64)
    # overdue township: none of its 2020 projects is finished at the cut-off
    actual_end = np.where(overdue, np.maximum(actual_end, CUTOFF + rng.integers(15, 120, n)), actual_end)

    def report_month(days):  # month index of the first 25th on or after `days`
        return _month_index(days) + (_ymd(days)[2] > 25)

    first = report_month(start)
    done = report_month(actual_end)
    accepted = done + rng.integers(1, 4, n)
    last_report = report_month(np.array([CUTOFF]))[0] - (_ymd(np.array([CUTOFF]))[2][0] < 25)
    last = np.minimum(accepted, last_report)
    count = np.maximum(0, last - first + 1)
    proj = np.repeat(np.arange(n), count)
    month = first[proj] + np.arange(proj.size) - np.repeat(np.cumsum(count) - count, count)
    report = _month_start(month) + 24
    a_s, a_e = actual_start[proj], actual_end[proj]
    status = np.select([report < a_s, report < a_e, month < accepted[proj]], [0, 1, 2], 3)
    pct = np.where(status == 0, 0, np.where(status == 1, np.clip(
        np.floor(100 * (report - a_s) / np.maximum(a_e - a_s, 1)), 1, 99), 100)).astype(np.int64)
    finished = np.flatnonzero((actual_end <= CUTOFF) & (_ymd(actual_end)[2] != 25))
    return pl.concat([
        pl.DataFrame({"p": proj, "report_date": report, "progress_pct": pct, "status": status}),
        pl.DataFrame({"p": finished, "report_date": actual_end[finished], "progress_pct": 100, "status": 2}),
    ], how="vertical_relaxed").sort("p", "report_date", maintain_order=True)


def _allocation_sheet(rng: np.random.Generator, projects: pl.DataFrame) -> pl.DataFrame:
    """资金下达: one to three sources per project, together ~92–105% of the plan, dated before the start.
    Allocations of one source and date share a document (文号)."""
    n = projects.height
    start = projects["planned_start"].to_numpy()
    idle = projects["idle"].to_numpy()
    total = np.rint(projects["invest"].to_numpy() / 100 * rng.uniform(0.92, 1.05, n)).astype(np.int64)  # 百元
    k = 1 + _choice(rng, [0.45, 0.4, 0.15], n)
    keys = rng.random((n, len(SOURCES))) ** (1 / np.array(SOURCE_P))
    source = np.argsort(-keys, axis=1, kind="stable")[:, :3]
    share = rng.gamma(3.0, size=(n, 3)) * (np.arange(3)[None, :] < k[:, None])
    cum = np.cumsum(share, axis=1) / share.sum(axis=1, keepdims=True)
    cum_amount = np.floor(total[:, None] * cum).astype(np.int64)
    cum_amount[np.arange(n), k - 1] = total
    cum_amount = np.where(np.arange(3)[None, :] < k[:, None], cum_amount, total[:, None])
    piece = np.diff(np.concatenate([np.zeros((n, 1), np.int64), cum_amount], axis=1), axis=1)
    base = start[:, None] - rng.integers(10, 61, (n, 1)) - rng.integers(0, 31, (n, 3)) * (np.arange(3) > 0)
    base = np.where(idle[:, None], _uniform_days(rng, _day(2020, 3, 1), _day(2020, 5, 20), n)[:, None], base)
    dated = _month_start(_month_index(base)) + np.array(SOURCE_DAY)[source] - 1
    rows, cols = np.nonzero(piece > 0)
    frame = pl.DataFrame({
        "p": rows, "source": source[rows, cols], "date": dated[rows, cols], "amount": piece[rows, cols] * 100,
    })
    # 文号: numbered per issuing office and year, in date order
    frame = frame.with_columns(
        year=pl.Series(_ymd(frame["date"].to_numpy())[0]),
        office=pl.when(pl.col("source") == 4).then(pl.lit("演整合办")).otherwise(pl.lit("演财农")),
    )
    frame = frame.with_columns(
        number=(pl.col("date") * 10 + pl.col("source")).rank("dense").over("office", "year") + 2,
    ).with_columns(
        document_no=pl.when(pl.col("source") == 5).then(None).otherwise(
            pl.format("{}〔{}〕{}号", "office", "year", "number")),
    )
    return frame.select("document_no", "p", "source", "date", "amount")


def _payment_sheet(rng: np.random.Generator, projects: pl.DataFrame, progress: pl.DataFrame,
                   allocations: pl.DataFrame) -> pl.DataFrame:
    """资金支出 following progress: an advance at the start, then by progress; 3% 质保金 kept back, so a
    project is never paid more than it was allocated."""
    n = projects.height
    allocated = np.bincount(allocations["p"].to_numpy(), weights=allocations["amount"].to_numpy(), minlength=n)
    p = progress["p"].to_numpy()
    status = progress["status"].to_numpy()
    pct = progress["progress_pct"].to_numpy()
    frac = np.select([status == 0, status == 1, status == 2], [0.0, 0.3 + 0.5 * pct / 100, 0.85], 0.97)
    frac = frac * np.where(projects["idle"].to_numpy()[p], 0.3, 1.0)
    target = np.floor(allocated[p] * frac).astype(np.int64)
    changed = (status != np.roll(status, 1)) | (p != np.roll(p, 1))  # the advance is paid on the first 在建
    pay = (status > 0) & ((rng.random(p.size) < 0.65) | changed | (status >= 2))
    frame = pl.DataFrame({"p": p[pay], "target": target[pay],
                          "date": progress["report_date"].to_numpy()[pay] + rng.integers(3, 21, int(pay.sum()))})
    frame = frame.with_columns(amount=pl.col("target") - pl.col("target").shift(1, fill_value=0).over("p"))
    return frame.filter((pl.col("amount") > 0) & (pl.col("date") <= CUTOFF)).select("p", "date", "amount")


def _plan_sheet(rng: np.random.Generator, hh: _Households, towns: pl.DataFrame,
                villages: pl.DataFrame) -> pl.DataFrame:
    """年度计划: the exits each year had scheduled (2020: including those still due after the cut-off)."""
    n_towns = towns.height
    rows = []
    v_town = villages["township"].to_numpy()
    v_exit = villages["exit_year"].to_numpy()
    v_poor = villages["poor"].to_numpy()
    for year in PLAN_YEARS:
        scheduled = _exited_in_year(hh, _day(year, 12, 31))
        persons = np.bincount(hh.township, weights=hh.size * scheduled, minlength=n_towns)
        noise = rng.uniform(0.95, 1.06, n_towns) if year < 2020 else rng.uniform(0.98, 1.02, n_towns)
        target = np.rint(persons * noise).astype(np.int64)
        if year == 2020:
            target = _keep_story(hh, target)
            due = v_poor & ((v_exit == 2020) | (v_exit == 0))  # 2020: every poor village still to exit
            exit_villages = np.bincount(v_town, weights=due, minlength=n_towns)
        else:
            exit_villages = np.bincount(v_town, weights=v_exit == year, minlength=n_towns)
        rows.append(pl.DataFrame({"year": year, "township_code": towns["township_code"], "target_exit_persons": target,
                                  "target_exit_villages": exit_villages.astype(np.int64)}))
    return pl.concat(rows)


def _keep_story(hh: _Households, target: np.ndarray) -> np.ndarray:
    """Make sure the story holds at the cut-off whatever the sample: lagging townships below
    time progress − 20 points, the others at or above time progress − 5."""
    time_progress = (CUTOFF - _day(2020) + 1) / 366
    done = np.bincount(hh.township, weights=hh.size * _exited_in_year(hh, CUTOFF), minlength=target.size)
    lagging = np.isin(np.arange(target.size), _LAGGING)
    low = np.ceil(done / (time_progress - 0.20) + 1).astype(np.int64)
    high = np.floor(done / (time_progress - 0.05)).astype(np.int64)
    target = np.where(lagging, np.maximum(target, low), np.where(done > 0, np.minimum(target, high), 0))
    return np.maximum(target, 1 * lagging)


def _collective_sheet(rng: np.random.Generator, villages: pl.DataFrame) -> pl.DataFrame:
    """村集体经济: poor villages near zero until they exit (≥ 5 万元 from then), the rest growing."""
    n = villages.height
    poor = villages["poor"].to_numpy()
    exit_year = villages["exit_year"].to_numpy()
    base = rng.uniform(4, 30, n)
    poor_base = rng.uniform(0, 2, n)
    rows = []
    for year in PLAN_YEARS:
        wan = np.select(
            [~poor, (exit_year > 0) & (year >= exit_year), exit_year > 0],
            [base * 1.08 ** (year - 2016), rng.uniform(5, 9, n) * 1.12 ** np.maximum(0, year - exit_year),
             poor_base + 0.4 * (year - 2016) + rng.uniform(0, 0.3, n)],
            poor_base + 0.6 * (year - 2016) + rng.uniform(0, 0.5, n),
        )
        rows.append(pl.DataFrame({"village_code": villages["village_code"], "year": year,
                                  "yuan": np.rint(wan * 100).astype(np.int64) * 100}))
    frame = pl.concat(rows).sort("village_code", "year", maintain_order=True)
    return frame.select("village_code", "year", _wan("yuan").alias("collective_income"))


# ----------------------------------------------------------------------------------------------------
# Boundaries


def demo_boundaries(townships: pl.DataFrame, seed: int = 2020) -> dict:
    """GeoJSON FeatureCollection: Voronoi cells of township seed points tiling an irregular county outline
    (lon ~110.0–110.8, lat ~27.2–27.8 for 16 townships; the outline grows with more), coordinates on a
    1e-5 degree grid."""
    rng = np.random.default_rng([seed, 7])
    n = townships.height
    grow = max(1.0, (n / MIN_TOWNSHIPS) ** 0.5)
    angle = np.linspace(0, 2 * np.pi, 181)[:-1]
    radius = 1 + sum(rng.uniform(0.015, 0.05) * np.cos(j * angle + rng.uniform(0, 2 * np.pi)) for j in range(2, 7))
    ring = np.column_stack([110.4 + 0.37 * grow * radius * np.cos(angle), 27.5 + 0.27 * grow * radius * np.sin(angle)])
    outline = shapely.set_precision(shapely.Polygon(ring), 1e-5)
    minx, miny, maxx, maxy = outline.bounds
    points = np.empty((0, 2))
    while len(points) < n:  # rejection sampling inside the outline
        cand = np.column_stack([rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)])
        points = np.vstack([points, cand[shapely.contains_xy(outline, cand[:, 0], cand[:, 1])]])
    points = points[:n]
    frame = shapely.box(minx - 1, miny - 1, maxx + 1, maxy + 1)
    for _ in range(4):  # Lloyd relaxation: even-sized, compact cells
        cells = _cells(points, outline, frame)
        points = shapely.get_coordinates(shapely.centroid(cells))
    cells = shapely.orient_polygons(shapely.set_precision(_cells(points, outline, frame), 1e-5))
    features = []
    for code, name, cell in zip(townships["township_code"], townships["township_name"], cells):
        features.append({"type": "Feature", "properties": {"乡镇代码": code, "乡镇名称": name},
                         "geometry": _rounded(shapely.geometry.mapping(cell))})
    return {"type": "FeatureCollection", "features": features}


def _cells(points: np.ndarray, outline, frame) -> np.ndarray:
    diagram = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=frame, ordered=True)
    return shapely.intersection(shapely.get_parts(diagram), outline)


def _rounded(geometry: dict) -> dict:
    def walk(c):
        return [round(float(c[0]), 5), round(float(c[1]), 5)] if isinstance(c[0], float) else [walk(x) for x in c]
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


# ----------------------------------------------------------------------------------------------------
# Writing


def _write(frame: pl.DataFrame, table: str, out_dir: Path, float_precision: int | None = None) -> None:
    sheet = SHEETS_BY_TABLE[table]
    ordered = frame.select([c.name for c in sheet.columns]).rename({c.name: c.label for c in sheet.columns})
    ordered.write_csv(out_dir / f"{sheet.label}.csv", float_precision=float_precision, date_format="%Y-%m-%d")


def write_demo(out_dir: Path, *, seed: int = 2020, households: int = 7000, flaws: bool = True) -> Path:
    """Write the fictional demo county (演示县) into out_dir as one UTF-8 <sheet>.csv per sheet of the
    import format (Chinese headers exactly as in DESIGN.md), plus out_dir/boundaries.geojson. Returns out_dir.

    flaws: plant the realistic sprinkling of data problems of ingest/demo_flaws.py (all loadable, some
    warnings) so that 数据核查 has something true to show; off for a clean county.
    """
    if households < 100:
        raise ValueError("the demo county needs at least 100 households")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    streams = dict(zip(("towns", "villages", "households", "members", "sheet", "income", "projects", "progress",
                        "allocations", "payments", "plans", "collective"),
                       np.random.default_rng(seed).spawn(12)))
    n_towns, n_villages, n_projects = _scale(households)

    towns = _townships(streams["towns"], n_towns)
    villages = _villages(streams["villages"], n_towns, n_villages)
    hh = _households(streams["households"], villages, households)
    members, labor, flags = _members(streams["members"], hh)

    village_hh_persons = np.bincount(hh.village, weights=hh.size, minlength=villages.height)
    rural = np.maximum(np.rint(streams["villages"].lognormal(np.log(1300), 0.35, villages.height)),
                       np.ceil(village_hh_persons * 3)).astype(np.int64)
    _write(towns, "townships", out_dir)
    _write(villages.with_columns(
        township_code=towns["township_code"].gather(villages["township"]),
        is_poor_village=_yes_no(villages["poor"].to_numpy()),
        exit_year=pl.when(pl.col("exit_year") > 0).then(pl.col("exit_year")),
        rural_population=rural,
    ), "villages", out_dir)
    _write(_household_sheet(streams["sheet"], hh, villages, members, labor, flags), "households", out_dir)
    _write(members, "household_members", out_dir)
    _write(_event_sheet(hh), "household_events", out_dir)
    _write(_income_sheet(streams["income"], hh), "incomes", out_dir, float_precision=2)

    projects = _project_sheet(streams["projects"], n_projects, towns, villages, hh)
    progress = _progress_sheet(streams["progress"], projects)
    allocations = _allocation_sheet(streams["allocations"], projects)
    payments = _payment_sheet(streams["payments"], projects, progress, allocations)
    pid = projects["project_id"]
    _write(projects.with_columns(_wan("invest").alias("planned_investment"),
                                 _as_date(projects["planned_start"].to_numpy()).alias("planned_start"),
                                 _as_date(projects["planned_end"].to_numpy()).alias("planned_end")),
           "projects", out_dir)
    _write(progress.with_columns(project_id=pid.gather(progress["p"]),
                                 report_date=_as_date(progress["report_date"].to_numpy()),
                                 status=pl.Series(STATUSES).gather(progress["status"])), "project_progress", out_dir)
    allocations = allocations.sort("p", "date", "source", maintain_order=True)
    _write(allocations.with_columns(
        project_id=pid.gather(allocations["p"]), source=pl.col("source").replace_strict(dict(enumerate(SOURCES))),
        date=pl.col("date").cast(pl.Int32).cast(pl.Date), amount=_wan("amount")), "fund_allocations", out_dir)
    payments = payments.sort("p", "date", maintain_order=True)
    _write(payments.with_columns(
        project_id=pid.gather(payments["p"]), date=pl.col("date").cast(pl.Int32).cast(pl.Date),
        amount=_wan("amount")), "fund_payments", out_dir)
    _write(_plan_sheet(streams["plans"], hh, towns, villages), "annual_plans", out_dir)
    _write(_collective_sheet(streams["collective"], villages), "village_collective_income", out_dir)

    geojson = demo_boundaries(towns, seed)
    (out_dir / "boundaries.geojson").write_text(json.dumps(geojson, ensure_ascii=False), encoding="utf-8")
    if flaws:
        from ingest.demo_flaws import add_flaws

        add_flaws(out_dir, seed)
    return out_dir


if __name__ == "__main__":  # python -m ingest.demo OUT_DIR [SEED] [HOUSEHOLDS]
    import sys
    import time

    began = time.perf_counter()
    target = write_demo(Path(sys.argv[1]), seed=int(sys.argv[2]) if len(sys.argv) > 2 else 2020,
                        households=int(sys.argv[3]) if len(sys.argv) > 3 else 7000)
    print(f"{target}: {time.perf_counter() - began:.1f} s")
