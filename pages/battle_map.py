"""挂图作战 (placeholder until its issue lands)."""

from components.placeholder import under_construction

under_construction("挂图作战", "乡镇进度地图（离线）。")
