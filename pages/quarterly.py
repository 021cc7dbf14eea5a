"""季讲评 (placeholder until its issue lands)."""

from components.placeholder import under_construction

under_construction("季讲评", "演示模式与季度 PowerPoint。")
