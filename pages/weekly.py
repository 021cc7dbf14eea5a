"""周调度 (placeholder until its issue lands)."""

from components.placeholder import under_construction

under_construction("周调度", "本周与上周对比、滞后乡镇、督办事项与周报。")
