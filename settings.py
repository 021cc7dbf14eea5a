"""Indicator configuration from data/indicators.toml: read once, checked, frozen.

Weights, thresholds and poverty lines live in one file so that a policy change is an edit there, not in
code. A bad value raises SettingsError naming the key, so the app stops at start with a clear message.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

DEFAULT_PATH = Path(__file__).parent / "data" / "indicators.toml"
WEIGHT_KEYS = ("incidence_drop_pp", "income_growth_pct", "target_progress_pct", "completion_pct", "balance_rate_pct")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    weights: dict[str, float]
    lag_threshold_pp: float
    industry_share_min_pct: float
    village_exit_incidence_max_pct: float
    village_collective_income_min_wan: float
    income_growth_benchmark_pct: float
    idle_funds_days: int
    idle_funds_spend_ratio: float
    poverty_line: dict[int, float]
    keep_versions: int

    def ranking_params(self) -> dict[str, float]:
        """Named parameters of queries that compute the composite score."""
        return {"lag_threshold": self.lag_threshold_pp, **{f"w_{k}": v for k, v in self.weights.items()}}


def _number(section: dict, key: str, where: str, *, minimum: float = 0.0) -> float:
    value = section.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < minimum:
        raise SettingsError(f"{where}.{key} 应为不小于 {minimum} 的数字，当前为 {value!r}")
    return float(value)


def parse(raw: dict, where: str = "indicators.toml") -> Settings:
    ranking, policy, storage = raw.get("ranking", {}), raw.get("policy", {}), raw.get("storage", {})
    weights_raw = ranking.get("weights", {})
    unknown = set(weights_raw) - set(WEIGHT_KEYS)
    if unknown:
        raise SettingsError(f"{where} [ranking].weights 含未知指标：{', '.join(sorted(unknown))}")
    weights = {k: _number(weights_raw, k, f"{where} [ranking].weights") for k in WEIGHT_KEYS}
    if sum(weights.values()) <= 0:
        raise SettingsError(f"{where} [ranking].weights 之和必须大于 0")
    lines = raw.get("poverty_line", {})
    try:
        poverty_line = {int(year): float(v) for year, v in lines.items()}
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{where} [poverty_line] 应为 年份 = 元 的形式：{exc}") from exc
    return Settings(
        weights=weights,
        lag_threshold_pp=_number(ranking, "lag_threshold_pp", f"{where} [ranking]"),
        industry_share_min_pct=_number(policy, "industry_share_min_pct", f"{where} [policy]"),
        village_exit_incidence_max_pct=_number(policy, "village_exit_incidence_max_pct", f"{where} [policy]"),
        village_collective_income_min_wan=_number(policy, "village_collective_income_min_wan", f"{where} [policy]"),
        income_growth_benchmark_pct=_number(policy, "income_growth_benchmark_pct", f"{where} [policy]",
                                            minimum=-100),
        idle_funds_days=int(_number(policy, "idle_funds_days", f"{where} [policy]")),
        idle_funds_spend_ratio=_number(policy, "idle_funds_spend_ratio", f"{where} [policy]"),
        poverty_line=poverty_line,
        keep_versions=int(_number(storage, "keep_versions", f"{where} [storage]", minimum=1)),
    )


@lru_cache(maxsize=4)
def _policy(path: str | None) -> Settings:
    path = Path(path or os.environ.get("WARROOM_SETTINGS") or DEFAULT_PATH)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"无法读取配置文件 {path}：{exc}") from exc
    return parse(raw, path.name)


def load(path: str | None = None) -> Settings:
    """indicators.toml, with the ranking weights an authorised user saved (data/weights.toml) on top.

    The weights file is read on every call (it is tiny) so a saved change applies without a restart.
    """
    import ranking_weights

    settings = _policy(path)
    try:
        stored = ranking_weights.load()
    except ranking_weights.WeightsError as exc:
        raise SettingsError(str(exc)) from exc
    return replace(settings, weights=stored) if stored else settings
