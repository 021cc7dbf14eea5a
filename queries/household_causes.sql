-- level: county
-- 致贫原因名录: the distinct 主要致贫原因 of the county's households, for the search filter. No parameters.
SELECT DISTINCT main_cause FROM households ORDER BY main_cause
