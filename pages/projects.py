"""项目 (placeholder until its issue lands)."""

from components.placeholder import under_construction

under_construction("项目", "项目进度、逾期清单与项目详情。")
