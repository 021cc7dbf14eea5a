"""数据导入 (placeholder until its issue lands)."""

from components.placeholder import under_construction

under_construction("数据导入", "上传 Excel/CSV、校验结果与导入历史。")
