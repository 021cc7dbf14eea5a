"""资金 (placeholder until its issue lands)."""

from components.placeholder import under_construction

under_construction("资金", "资金下达、支出、结余率与沉淀资金清单。")
