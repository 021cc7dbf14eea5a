"""数据核查 rules and 防返贫监测 settings, declared once.

A rule is one file queries/checks/<id>.sql; its header comment carries the Chinese title (标题), a short label
(简称), the severity (严重程度: 高/中/低), what it flags (对象: 户/成员/村/项目) and the explanation (说明) the page
shows. Nothing else describes a rule: add a file and the page, the heat table, the trend and the quality
indicator pick it up (the combined queries compose every rule file when they run: `flagged_union`).

A rule runs over the whole county and all time (no $as_of, no $township): each row is a flagged record with the
unified ROW_COLUMNS and flagged_from, flagged_to — it is shown at every 数据截止日期 D with flagged_from <= D <
flagged_to (DATE '-infinity' / 'infinity' where unbounded), and its detail is the same over that range (a rule
splits the range where its text would change: an age, a year). So the records of every date are one table, built at
publish (ingest/prepared_checks.sql), and any date's counts, trend and lists are filters of it.

Config comes from data/checks.toml (thresholds, risk weights) and settings.py (poverty lines, exit standards),
so a policy number lives in one place. This module never opens a database; pages run rules via app_data.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

import settings as settings_module

QUERY_DIR = Path(__file__).parent
RULE_DIR = QUERY_DIR / "checks"
CONFIG_PATH = QUERY_DIR.parent / "data" / "checks.toml"
SEVERITIES = ("高", "中", "低")
TARGETS = ("户", "成员", "村", "项目")
# Rule rows all have these columns (the drill-down table and its Excel download rely on it).
ROW_COLUMNS = ("township_code", "township_name", "village_code", "village_name", "record_id", "record_name",
               "person_name", "id_number", "helper", "detail")

_HEADER_KEYS = {"标题": "title", "简称": "short", "严重程度": "severity", "对象": "target", "说明": "explanation",
                "参数": "parameters"}
_KEY_LINE = re.compile(r"^--\s*(标题|简称|严重程度|对象|说明|参数|结果)[：:]\s*(.*)$")
_CONTINUATION = re.compile(r"^--\s{2,}(\S.*)$")
_PER_DATE = re.compile(r"\$(as_of|township)\b")  # a rule runs county-wide over all dates: neither may appear


class ChecksConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    short: str
    severity: str
    target: str
    explanation: str
    sql_stem: str  # the name for app_data.run / Database.run, e.g. "checks/digital_exit"


def parse_header(text: str, where: str) -> dict[str, str]:
    """The 标题/简称/严重程度/对象/说明 fields of a rule file's leading comment (continuations are indented)."""
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        match = _KEY_LINE.match(line)
        if match:
            key = _HEADER_KEYS.get(match.group(1))
            if key:
                fields[key] = match.group(2).strip()
            continue
        more = _CONTINUATION.match(line)
        if more and key:
            fields[key] += more.group(1).strip()
    missing = [k for k in ("title", "short", "severity", "target", "explanation") if not fields.get(k)]
    if missing:
        raise ChecksConfigError(f"{where} 的头部注释缺少：{', '.join(missing)}")
    if fields["severity"] not in SEVERITIES:
        raise ChecksConfigError(f"{where} 的严重程度应为 高/中/低 之一，当前为 {fields['severity']!r}")
    if fields["target"] not in TARGETS:
        raise ChecksConfigError(f"{where} 的对象应为 {'/'.join(TARGETS)} 之一，当前为 {fields['target']!r}")
    return fields


def load_rules(rule_dir: Path = RULE_DIR) -> tuple[Rule, ...]:
    """Every rule, ordered by what it flags (户, 成员, 村, 项目), then severity, then id."""
    rules = []
    for path in sorted(Path(rule_dir).glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        fields = parse_header(text, path.name)
        per_date = _PER_DATE.search(re.sub(r"--[^\n]*", "", text))
        if per_date:  # the form before issue 18: one date, one township
            raise ChecksConfigError(f"{path.name} 使用了 ${per_date.group(1)}：规则文件应覆盖全县、全部日期，"
                                    "每行给出 flagged_from、flagged_to（见 queries/checks_registry.py）")
        rules.append(Rule(path.stem, fields["title"], fields["short"], fields["severity"], fields["target"],
                          fields["explanation"], f"{Path(rule_dir).name}/{path.stem}"))
    return tuple(sorted(rules, key=lambda r: (TARGETS.index(r.target), SEVERITIES.index(r.severity), r.id)))


RULES = load_rules()
RULES_BY_ID = {r.id: r for r in RULES}


def rules_frame(rules=RULES) -> pl.DataFrame:
    """The rules as a frame (rule_id, title, short, severity, target, explanation), in display order."""
    return pl.DataFrame([{"rule_id": r.id, "title": r.title, "short": r.short, "severity": r.severity,
                          "target": r.target, "explanation": r.explanation, "order": i}
                         for i, r in enumerate(rules)])


# ----------------------------------------------------------------------------------------------------------
# Configuration (data/checks.toml)

@dataclass(frozen=True)
class ChecksConfig:
    income_jump_factor: float
    max_age_years: int
    school_age_min: int
    school_age_max: int
    vague_causes: tuple[str, ...]
    trend_weeks: int
    quality_ranking_weight: float
    monitoring_line_factor: float
    income_drop_pct: float
    risk_high_score: float
    risk_medium_score: float
    risk_weights: dict[str, float]


RISK_FACTORS = {  # key -> Chinese label shown with the score
    "low_income": "收入低于监测线",
    "income_drop": "收入同比骤降",
    "ill_no_labor": "因病/因残且无劳动力",
    "guarantee_gap": "两不愁三保障有缺口",
}


def _number(section: dict, key: str, where: str, minimum: float = 0.0) -> float:
    value = section.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < minimum:
        raise ChecksConfigError(f"{where}.{key} 应为不小于 {minimum:g} 的数字，当前为 {value!r}")
    return float(value)


def parse_config(raw: dict, where: str = "checks.toml") -> ChecksConfig:
    checks, quality, risk = raw.get("checks", {}), raw.get("quality", {}), raw.get("risk", {})
    weights_raw = risk.get("weights", {})
    if set(weights_raw) != set(RISK_FACTORS):
        raise ChecksConfigError(f"{where} [risk.weights] 应正好包含：{', '.join(RISK_FACTORS)}")
    weights = {k: _number(weights_raw, k, f"{where} [risk.weights]") for k in RISK_FACTORS}
    if sum(weights.values()) <= 0:
        raise ChecksConfigError(f"{where} [risk.weights] 之和必须大于 0")
    vague = checks.get("vague_causes", [])
    if not isinstance(vague, list) or not all(isinstance(v, str) for v in vague):
        raise ChecksConfigError(f"{where} [checks].vague_causes 应为文字列表")
    config = ChecksConfig(
        income_jump_factor=_number(checks, "income_jump_factor", f"{where} [checks]", minimum=1.0),
        max_age_years=int(_number(checks, "max_age_years", f"{where} [checks]", minimum=1)),
        school_age_min=int(_number(checks, "school_age_min", f"{where} [checks]")),
        school_age_max=int(_number(checks, "school_age_max", f"{where} [checks]")),
        vague_causes=tuple(vague),
        trend_weeks=int(_number(checks, "trend_weeks", f"{where} [checks]", minimum=2)),
        quality_ranking_weight=_number(quality, "ranking_weight", f"{where} [quality]"),
        monitoring_line_factor=_number(risk, "monitoring_line_factor", f"{where} [risk]", minimum=1.0),
        income_drop_pct=_number(risk, "income_drop_pct", f"{where} [risk]"),
        risk_high_score=_number(risk, "high_score", f"{where} [risk]"),
        risk_medium_score=_number(risk, "medium_score", f"{where} [risk]"),
        risk_weights=weights,
    )
    if config.school_age_min > config.school_age_max:
        raise ChecksConfigError(f"{where} [checks] school_age_min 不能大于 school_age_max")
    if config.risk_medium_score > config.risk_high_score:
        raise ChecksConfigError(f"{where} [risk] medium_score 不能大于 high_score")
    return config


@lru_cache(maxsize=4)
def load_config(path: str | None = None) -> ChecksConfig:
    path = Path(path or os.environ.get("WARROOM_CHECKS") or CONFIG_PATH)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ChecksConfigError(f"无法读取配置文件 {path}：{exc}") from exc
    return parse_config(raw, path.name)


def _poverty_lines(settings) -> dict[str, list]:
    years = sorted(settings.poverty_line)
    return {"line_years": years, "line_yuan": [float(settings.poverty_line[y]) for y in years]}


def rule_params(config: ChecksConfig | None = None, settings=None) -> dict:
    """Named parameters of every rule besides $as_of (Database.run binds only those a file uses)."""
    config = config or load_config()
    settings = settings or settings_module.load()
    return {
        **_poverty_lines(settings),
        "income_jump_factor": config.income_jump_factor,
        "max_age_years": config.max_age_years,
        "school_age_min": config.school_age_min,
        "school_age_max": config.school_age_max,
        "vague_causes": list(config.vague_causes),
        "exit_incidence_max_pct": settings.village_exit_incidence_max_pct,
        "collective_income_min_wan": settings.village_collective_income_min_wan,
    }


RISK_ROWS_PER_LEVEL = 5000  # the 防返贫 list keeps this many households per 风险等级 (highest scores first)


def risk_params(config: ChecksConfig | None = None, settings=None) -> dict:
    """Named parameters of queries/risk_households.sql besides $as_of and $township."""
    config = config or load_config()
    settings = settings or settings_module.load()
    return {
        **_poverty_lines(settings),
        "monitoring_line_factor": config.monitoring_line_factor,
        "income_drop_pct": config.income_drop_pct,
        "risk_high_score": config.risk_high_score,
        "risk_medium_score": config.risk_medium_score,
        **{f"w_{k}": v for k, v in config.risk_weights.items()},
        "per_level": RISK_ROWS_PER_LEVEL,
    }


def trend_dates(as_of, weeks: int) -> list:
    """D, D−7, D−14, ... (weeks points), oldest first."""
    import datetime as dt

    return [as_of - dt.timedelta(days=7 * k) for k in range(weeks - 1, -1, -1)]


# ----------------------------------------------------------------------------------------------------------
# Optional 数据质量 indicator in the composite score (weight 0 by default: DESIGN.md's score unchanged)

_PARTS = {"incidence_drop_pp": "s_drop", "income_growth_pct": "s_income", "target_progress_pct": "s_target",
          "completion_pct": "s_completion", "balance_rate_pct": "s_balance"}


def weigh_data_quality(indicators: pl.DataFrame, quality: pl.DataFrame, weights: dict[str, float],
                       quality_weight: float) -> pl.DataFrame:
    """township_indicators with score and rank recomputed to include 数据质量 (issues per 100 households,
    lower is better) as a sixth part, normalised like the others (DESIGN.md "Composite score").

    indicators: township_indicators (its s_* columns); quality: checks_quality_by_township at the same D;
    weights: settings.weights; quality_weight 0 returns the indicators unchanged.
    """
    if quality_weight == 0:
        return indicators
    towns = indicators.filter(pl.col("township_code") != "ALL").join(
        quality.select("township_code", "issues_per_100_households"), on="township_code", how="left")
    x = pl.col("issues_per_100_households")
    lo, hi = x.min(), x.max()
    s_quality = (pl.when(x.is_null()).then(0.0).when(hi == lo).then(1.0)
                 .otherwise(1 - (x - lo) / (hi - lo)))
    total = sum(weights[k] for k in _PARTS) + quality_weight
    weighted = pl.sum_horizontal([pl.col(part) * weights[key] for key, part in _PARTS.items()])
    towns = towns.with_columns(s_quality=s_quality).with_columns(
        score=100 * (weighted + pl.col("s_quality") * quality_weight) / total)
    scores = towns.select("township_code", "score").rows()
    ranks = {code: 1 + sum(1 for other, s in scores
                           if s > score + 1e-9 or (abs(s - score) <= 1e-9 and other < code))
             for code, score in scores}
    towns = towns.with_columns(rank=pl.col("township_code").replace_strict(ranks, return_dtype=pl.Int64))
    county = indicators.filter(pl.col("township_code") == "ALL").with_columns(
        pl.lit(None, pl.Float64).alias("issues_per_100_households"), pl.lit(None, pl.Float64).alias("s_quality"))
    return pl.concat([towns, county], how="diagonal_relaxed")


# ----------------------------------------------------------------------------------------------------------
# Every rule at once: composed from the rule files when a query asks for it (SQL cannot include a file)

FLAGGED_MARKER = "{{checks_flagged}}"  # every rule's rows with rule_id, target, flagged_from, flagged_to


def _rule_text(rule: Rule) -> str:
    """The rule's query without its header comment and trailing semicolon."""
    lines = (QUERY_DIR / f"{rule.sql_stem}.sql").read_text(encoding="utf-8").strip().rstrip(";").splitlines()
    return "\n".join(lines[next(i for i, line in enumerate(lines) if not line.startswith("--")):])


def _indented(text: str) -> str:
    return "\n".join("        " + line if line else "" for line in text.splitlines())


# A rule whose detail names records of other townships (duplicate_id_number: the households sharing a number) yields
# two texts: `detail`, what a one-township view shows (that township's records only, the others as a count: a 乡镇
# user never reads another township's 户编号), and this column, the detail as the whole county ('ALL') reads it.
# queries/parts/checks_rows.sql picks one by $township; a rule without it reads `detail` in every view.
COUNTY_DETAIL = "detail_all"


def _county_detail(rule: Rule) -> str:
    if re.search(rf"\bAS\s+{COUNTY_DETAIL}\b", re.sub(r"--[^\n]*", "", _rule_text(rule))):
        return COUNTY_DETAIL
    return f"CAST(NULL AS VARCHAR) AS {COUNTY_DETAIL}"


def flagged_union(rules=RULES) -> str:
    """SELECT rule_id, target (户/成员/村/项目), ROW_COLUMNS, flagged_from, flagged_to, detail_all (COUNTY_DETAIL): every
    rule's rows over all time, in SQL composed from queries/checks/*.sql. A filter on rule_id = $rule_id leaves one
    rule's scan (DuckDB folds the constant branches)."""
    columns = ", ".join((*ROW_COLUMNS, "flagged_from", "flagged_to"))
    parts = [f"    SELECT '{r.id}' AS rule_id, '{r.target}' AS target, {columns}, {_county_detail(r)} FROM (\n"
             f"{_indented(_rule_text(r))}\n    )"
             for r in rules]
    if not parts:  # no rule of these targets: the right columns, no rows
        typed = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in ("rule_id", "target", *ROW_COLUMNS))
        return (f"    SELECT {typed}, CAST(NULL AS DATE) AS flagged_from, CAST(NULL AS DATE) AS flagged_to, "
                f"CAST(NULL AS VARCHAR) AS {COUNTY_DETAIL} WHERE false")
    return "\n    UNION ALL\n".join(parts).strip()


# {{checks_flagged…}} lines: the rules about these targets (checks_rows.sql lists 户 and 成员 rules at household level,
# checks_village_rows.sql 村 and 项目 rules at village level, as the rule files themselves declare)
FLAGGED_TARGETS = {"checks_flagged": TARGETS, "checks_flagged_households": ("户", "成员"),
                   "checks_flagged_villages": ("村", "项目")}


def marker_sql(marker: str) -> str | None:
    """The SQL of a `{{checks_flagged…}}` line (queries/runner.py composes it), None for another marker."""
    if marker not in FLAGGED_TARGETS:
        return None
    return flagged_union(tuple(r for r in RULES if r.target in FLAGGED_TARGETS[marker]))


def rows_query(rule: Rule) -> tuple[str, dict]:
    """The query that lists `rule`'s rows at $as_of for $township, and the parameters it needs besides those:
    queries/checks_rows.sql (户, 成员) or checks_village_rows.sql (村, 项目)."""
    return ("checks_rows" if rule.target in ("户", "成员") else "checks_village_rows"), {"rule_id": rule.id}
