"""The indicators, declared once: Chinese label, unit, direction, display precision, policy line, definition.

Pages, charts, the map, rankings and exports read labels, units and good/bad colours from here, so a
term means the same everywhere. Keys are the column names of township_indicators.sql.
"""

from __future__ import annotations

from dataclasses import dataclass

GOOD, BAD, NEUTRAL = "#2e7d32", "#c62828", "#455a64"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # %, 个百分点, 万元, 人, 户, 个, 元, 分
    higher_is_better: bool | None  # None: neither (a size, not a performance)
    precision: int
    definition: str
    policy_line: float | None = None

    def format(self, value) -> str:
        if value is None:
            return "—"
        if self.unit in ("人", "户", "个"):
            return f"{value:,.0f} {self.unit}"
        if self.unit == "%":
            return f"{value:.{self.precision}f}%"
        return f"{value:,.{self.precision}f} {self.unit}"

    def colour(self, delta: float | None) -> str:
        """Colour of a change: green when it goes the good way, red when the bad way."""
        if delta is None or self.higher_is_better is None or delta == 0:
            return NEUTRAL
        return GOOD if (delta > 0) == self.higher_is_better else BAD


METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("poor_persons", "贫困人口", "人", False, 0, "截止日期时未脱贫（纳入或返贫）户的家庭人口数之和"),
    Metric("incidence_pct", "贫困发生率", "%", False, 2, "贫困人口 ÷ 农业户籍人口 × 100", policy_line=2.0),
    Metric("incidence_drop_pp", "一降（发生率下降）", "个百分点", True, 2, "上年末贫困发生率 − 当前贫困发生率"),
    Metric("income_growth_pct", "一升（收入增幅）", "%", True, 1,
           "建档立卡户人均纯收入（按人口加权）最近一年比上年的增幅，只计两年都有收入记录的户"),
    Metric("income_pc", "人均纯收入", "元", True, 0, "最近收入年度，建档立卡户按人口加权的人均纯收入"),
    Metric("allocated_wan", "资金下达", "万元", None, 1, "本年度项目截至当日累计下达资金"),
    Metric("spent_wan", "资金支出", "万元", None, 1, "本年度项目截至当日累计支出资金"),
    Metric("balance_rate_pct", "资金结余率", "%", False, 1, "（下达 − 支出）÷ 下达 × 100"),
    Metric("spend_progress_pct", "支出进度", "%", True, 1, "100 − 资金结余率"),
    Metric("industry_share_pct", "产业资金占比", "%", True, 1, "产业发展类项目下达资金 ÷ 全部下达资金 × 100（政策要求 ≥ 60%）",
           policy_line=60.0),
    Metric("completion_pct", "项目完工率", "%", True, 1, "本年度项目中已完工或已验收的比例"),
    Metric("overdue_projects", "逾期项目", "个", False, 0, "计划完工日期已过而未完工的本年度项目"),
    Metric("target_progress_pct", "年度目标进度", "%", True, 1, "本年已脱贫人数 ÷ 计划脱贫人数 × 100"),
    Metric("time_progress_pct", "时间进度", "%", None, 1, "截止日期是本年第几天 ÷ 全年天数 × 100"),
    Metric("score", "综合得分", "分", True, 1, "五项指标极差标准化后按权重加权（满分 100）"),
)}
