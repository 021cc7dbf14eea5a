-- level: project
-- 周调度·沉淀资金: projects whose money has sat idle — allocated more than $idle_days days before D and
-- less than $idle_ratio of it spent by D (policy in data/indicators.toml: 90 days, 20%).
-- Parameters: $as_of DATE (数据截止日期 D), $township VARCHAR (乡镇代码, 'ALL' = the county),
--   $idle_days INTEGER, $idle_ratio DOUBLE.
-- Every project counts whatever its 年度 (old idle money is the most idle). idle_wan = the part of the
-- allocation older than $idle_days days that no payment dated ≤ D has used.
-- One pass over fund_flows (ingest/derived.sql: allocations carry their 来源, payments none), the project's
-- names joined to the few projects that qualify.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, CAST($as_of AS DATE) - CAST($idle_days AS INTEGER) AS cutoff
),
idle AS (
    SELECT f.project_id,
           sum(f.allocated) FILTER (WHERE f.source IS NOT NULL AND f.date <= p.cutoff) AS allocated_old,
           min(f.date) FILTER (WHERE f.source IS NOT NULL AND f.date <= p.cutoff) AS first_allocation,
           coalesce(sum(f.spent) FILTER (WHERE f.source IS NULL), 0) AS spent
    FROM fund_flows f, params p
    WHERE f.date <= p.d AND ($township = 'ALL' OR f.township_code = $township)
    GROUP BY f.project_id
    HAVING allocated_old > 0 AND coalesce(sum(f.spent) FILTER (WHERE f.source IS NULL), 0)
                                 < CAST($idle_ratio AS DOUBLE) * allocated_old
)
SELECT pr.project_id, pr.project_name, pr.township_code, t.township_name, t.county_leader, pr.year, pr.category,
       i.first_allocation,
       CAST(i.allocated_old AS DOUBLE) AS allocated_old_wan,
       CAST(i.spent AS DOUBLE) AS spent_wan,
       CAST(i.allocated_old - i.spent AS DOUBLE) AS idle_wan
FROM idle i
JOIN projects pr USING (project_id)
JOIN townships t ON t.township_code = pr.township_code
ORDER BY idle_wan DESC, pr.project_id
