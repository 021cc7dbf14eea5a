"""户情 (placeholder until its issue lands)."""

from components.placeholder import under_construction

under_construction("户情", "农户查询与一户一本台账。")
