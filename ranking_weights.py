"""综合排名权重: the edited weights in data/weights.toml, and the score arithmetic that applies them.

An authorised user (县领导 / 数据管理员) edits the weights on 综合排名; they are stored apart from
data/indicators.toml so that a weight change is a small file with who changed it and when, and the policy
file stays hand-edited. Absent file = the weights of indicators.toml (DESIGN.md defaults 25/20/20/20/15).

The score is recomputed here from the normalised parts s_i that township_indicators.sql returns
(score = 100 × Σ wᵢsᵢ / Σ wᵢ, ties within 1e-9 go to the smaller 乡镇代码), so the page can show the
effect of edited weights and each indicator's contribution without another query. Pure: no Streamlit.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import polars as pl

DEFAULT_PATH = Path(__file__).parent / "data" / "weights.toml"
# weight key (settings.WEIGHT_KEYS, in DESIGN.md order) -> normalised part column of township_indicators
PARTS: dict[str, str] = {
    "incidence_drop_pp": "s_drop",
    "income_growth_pct": "s_income",
    "target_progress_pct": "s_target",
    "completion_pct": "s_completion",
    "balance_rate_pct": "s_balance",
}
LABELS: dict[str, str] = {
    "incidence_drop_pp": "一降（发生率下降）",
    "income_growth_pct": "一升（收入增幅）",
    "target_progress_pct": "年度目标进度",
    "completion_pct": "项目完工率",
    "balance_rate_pct": "资金结余率（越低越好）",
}
MAX_WEIGHT = 100.0
TIE = 1e-9


class WeightsError(ValueError):
    pass


def path() -> Path:
    """Where the edited weights live (WARROOM_WEIGHTS overrides, e.g. in tests)."""
    return Path(os.environ.get("WARROOM_WEIGHTS") or DEFAULT_PATH)


def validate(raw: Mapping) -> dict[str, float]:
    """Five known keys, each a number in 0..100, summing to more than 0; message in Chinese."""
    unknown = set(raw) - set(PARTS)
    if unknown:
        raise WeightsError(f"权重含未知指标：{', '.join(sorted(unknown))}")
    weights = {}
    for key in PARTS:
        value = raw.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= MAX_WEIGHT:
            raise WeightsError(f"{LABELS[key]} 的权重应为 0 到 {MAX_WEIGHT:g} 之间的数字，当前为 {value!r}")
        weights[key] = float(value)
    if sum(weights.values()) <= 0:
        raise WeightsError("权重之和必须大于 0")
    return weights


def load(file: Path | None = None) -> dict[str, float] | None:
    """The stored weights, or None when no file has been saved (then settings' weights apply)."""
    file = file or path()
    if not file.exists():
        return None
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise WeightsError(f"无法读取权重文件 {file}：{exc}") from exc
    return validate(raw.get("weights", {}))


def effective(defaults: Mapping[str, float], file: Path | None = None) -> dict[str, float]:
    """Stored weights if any, else the defaults (settings.load().weights)."""
    return load(file) or dict(defaults)


def save(weights: Mapping[str, float], user: str, file: Path | None = None,
         now: dt.datetime | None = None) -> Path:
    """Validate and write atomically (a reader never sees half a file)."""
    clean = validate(weights)
    file = file or path()
    now = now or dt.datetime.now()
    lines = [
        "# 综合排名权重 — written by the 综合排名 page; overrides [ranking].weights of indicators.toml.",
        "# Delete this file to return to indicators.toml. Each weight 0..100; the score divides by their sum.",
        f'updated_by = "{_toml_string(user)}"',
        f'updated_at = "{now:%Y-%m-%d %H:%M:%S}"',
        "",
        "[weights]",
        *[f"{key} = {clean[key]:g}" for key in PARTS],
        "",
    ]
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".weights-", suffix=".toml", dir=file.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    os.replace(tmp, file)
    return file


def metadata(file: Path | None = None) -> dict[str, str]:
    """updated_by / updated_at of the stored file (empty when absent)."""
    file = file or path()
    if not file.exists():
        return {}
    raw = tomllib.loads(file.read_text(encoding="utf-8"))
    return {k: str(raw[k]) for k in ("updated_by", "updated_at") if k in raw}


def describe_change(before: Mapping[str, float], after: Mapping[str, float]) -> str:
    """'一降（发生率下降） 25→30；…' for the weights that changed (the audit trail's history of weights)."""
    changed = [f"{LABELS[k]} {before.get(k, 0):g}→{after[k]:g}" for k in PARTS if before.get(k) != after.get(k)]
    return "；".join(changed) or "未改变（重新保存）"


def _toml_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def rescore(frame: pl.DataFrame, weights: Mapping[str, float]) -> pl.DataFrame:
    """Township rows with score and rank recomputed from s_* under these weights (the ALL row dropped)."""
    weights = validate(weights)
    total = sum(weights.values())
    rows = frame.filter(pl.col("township_code") != "ALL")
    score = sum(pl.lit(weights[k]) * pl.col(part).fill_null(0) for k, part in PARTS.items())
    rows = rows.with_columns(score=100.0 * score / total)
    return rows.with_columns(rank=_ranks(rows["township_code"].to_list(), rows["score"].to_list()))


def _ranks(codes: list[str], scores: list[float]) -> pl.Series:
    """Rank 1 = highest; scores within 1e-9 tie and the tie goes to the smaller code (DESIGN.md).

    rank = 1 + the townships clearly ahead (score > s + TIE) + the tied ones (|score − s| ≤ TIE) with a smaller
    code; both counted by bisecting the sorted scores (numpy, all at once), so a province's 2,000 townships cost
    n log n, not n²; only townships with a tie look at their tied neighbours' codes one by one."""
    values = np.asarray(scores, dtype=np.float64)
    ordered = np.sort(values)
    ahead = len(ordered) - np.searchsorted(ordered, values + TIE, side="right")
    low = np.searchsorted(ordered, values - TIE, side="left")
    high = np.searchsorted(ordered, values + TIE, side="right")
    ranks = 1 + ahead
    tied = np.flatnonzero(high - low > 1)  # a township is always within TIE of itself
    if tied.size:
        by_score = sorted(zip(scores, codes))
        for i in tied:
            score, code = scores[i], codes[i]
            ranks[i] += sum(1 for s, c in by_score[low[i]:high[i]] if abs(s - score) <= TIE and c < code)
    return pl.Series("rank", ranks, dtype=pl.Int64)


def contributions(frame: pl.DataFrame, weights: Mapping[str, float]) -> pl.DataFrame:
    """Long frame: township × indicator -> points = wᵢsᵢ/Σw × 100 (they add up to the score), and
    lost = the points the township misses on that indicator (wᵢ(1−sᵢ)/Σw × 100) — what pulls it down."""
    weights = validate(weights)
    total = sum(weights.values())
    rows = frame.filter(pl.col("township_code") != "ALL")
    parts = []
    for order, (key, part) in enumerate(PARTS.items()):
        share = 100.0 * weights[key] / total
        parts.append(rows.select(
            "township_code", "township_name",
            indicator=pl.lit(key), label=pl.lit(LABELS[key]), order=pl.lit(order),
            s=pl.col(part).fill_null(0),
            points=share * pl.col(part).fill_null(0),
            lost=share * (1 - pl.col(part).fill_null(0)),
        ))
    return pl.concat(parts)


def weakest_indicator(contrib: pl.DataFrame) -> pl.DataFrame:
    """Per township, the indicator with the most points lost (ties: the earlier in DESIGN.md order)."""
    return (contrib.sort(["township_code", "lost", "order"], descending=[False, True, False])
            .group_by("township_code", maintain_order=True).first()
            .select("township_code", weakest=pl.col("label"), weakest_lost=pl.col("lost")))
