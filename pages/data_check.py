"""数据核查 (placeholder until its issue lands)."""

from components.placeholder import under_construction

under_construction("数据核查", "数据质量规则与防返贫监测。")
