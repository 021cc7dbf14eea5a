"""一升一降 (placeholder until its issue lands)."""

from components.placeholder import under_construction

under_construction("一升一降", "贫困发生率与收入增幅的乡镇对比、象限图、月度趋势和钻取。")
