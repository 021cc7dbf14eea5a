-- level: county
-- 默认数据截止日期: the latest date among household events, progress reports, allocations and payments
-- (planned dates do not count). No parameters.
SELECT max(d) AS as_of FROM (
    SELECT max(date) AS d FROM household_events
    UNION ALL SELECT max(report_date) FROM project_progress
    UNION ALL SELECT max(date) FROM fund_allocations
    UNION ALL SELECT max(date) FROM fund_payments
)
