-- level: project
-- 周调度·沉淀资金: projects whose money has sat idle — allocated more than $idle_days days before D and
-- less than $idle_ratio of it spent by D (policy in data/indicators.toml: 90 days, 20%).
-- Parameters: $as_of DATE (数据截止日期 D), $township VARCHAR (乡镇代码, 'ALL' = the county),
--   $idle_days INTEGER, $idle_ratio DOUBLE.
-- Every project counts whatever its 年度 (old idle money is the most idle). idle_wan = the part of the
-- allocation older than $idle_days days that no payment dated ≤ D has used.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, CAST($as_of AS DATE) - CAST($idle_days AS INTEGER) AS cutoff
),
projects_in_scope AS (
    SELECT pr.project_id, pr.project_name, pr.township_code, t.township_name, t.county_leader, pr.year, pr.category
    FROM projects pr JOIN townships t USING (township_code)
    WHERE $township = 'ALL' OR pr.township_code = $township
),
allocated_long_ago AS (
    SELECT a.project_id, sum(a.amount) AS allocated_old, min(a.date) AS first_allocation
    FROM fund_allocations a JOIN projects_in_scope USING (project_id), params p
    WHERE a.date <= p.cutoff GROUP BY a.project_id
),
spent_by_d AS (
    SELECT x.project_id, sum(x.amount) AS spent
    FROM fund_payments x JOIN projects_in_scope USING (project_id), params p
    WHERE x.date <= p.d GROUP BY x.project_id
)
SELECT pr.project_id, pr.project_name, pr.township_code, pr.township_name, pr.county_leader, pr.year, pr.category,
       a.first_allocation,
       CAST(a.allocated_old AS DOUBLE) AS allocated_old_wan,
       CAST(coalesce(s.spent, 0) AS DOUBLE) AS spent_wan,
       CAST(a.allocated_old - coalesce(s.spent, 0) AS DOUBLE) AS idle_wan
FROM projects_in_scope pr
JOIN allocated_long_ago a USING (project_id)
LEFT JOIN spent_by_d s USING (project_id)
WHERE a.allocated_old > 0 AND coalesce(s.spent, 0) < CAST($idle_ratio AS DOUBLE) * a.allocated_old
ORDER BY idle_wan DESC, pr.project_id
