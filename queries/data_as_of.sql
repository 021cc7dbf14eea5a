-- level: county
-- 默认数据截止日期: the latest date among household events, progress reports, allocations and payments
-- (planned dates do not count); data_from: the earliest of those dates (before it every indicator is 0).
-- No parameters.
SELECT max(d) AS as_of, min(f) AS data_from FROM (
    SELECT max(date) AS d, min(date) AS f FROM household_events
    UNION ALL SELECT max(report_date), min(report_date) FROM project_progress
    UNION ALL SELECT max(date), min(date) FROM fund_allocations
    UNION ALL SELECT max(date), min(date) FROM fund_payments
)
