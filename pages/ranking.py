"""综合排名 (placeholder until its issue lands)."""

from components.placeholder import under_construction

under_construction("综合排名", "乡镇综合得分、指标贡献与红黑榜。")
