-- level: project
-- 沉淀资金清单（张榜公布）: projects of the area (any 年度) whose funds were allocated more than $idle_days days
-- before D (dated before D − $idle_days) and are still mostly unspent: spent to D < $idle_ratio × those
-- funds. Largest idle amount first.
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码, 'ALL' = 全县), $idle_days INTEGER (settings
--   idle_funds_days), $idle_ratio DOUBLE (settings idle_funds_spend_ratio, e.g. 0.2).
-- idle_wan (沉淀金额) = allocated before the cut-off − spent to D (never below 0).
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, CAST($as_of AS DATE) - CAST($idle_days AS INTEGER) AS cutoff
),
by_project AS (  -- one pass over the fund flows of the area (ingest/derived.sql: allocations and payments of
                 -- the projects, with their 乡镇) instead of two scans joined to the area's projects
    SELECT f.project_id,
           sum(CAST(f.allocated AS DOUBLE)) FILTER (WHERE f.source IS NOT NULL) AS allocated,
           sum(CAST(f.allocated AS DOUBLE)) FILTER (WHERE f.source IS NOT NULL AND f.date < p.cutoff)
               AS allocated_before_cutoff,
           min(f.date) FILTER (WHERE f.source IS NOT NULL) AS first_allocation,
           sum(CAST(f.spent AS DOUBLE)) FILTER (WHERE f.source IS NULL) AS spent
    FROM fund_flows f, params p
    WHERE f.date <= p.d AND ($township = 'ALL' OR f.township_code = $township)
    GROUP BY f.project_id
),
idle AS (  -- the few projects listed: their status is looked up for them alone, not for every project
    SELECT project_id, allocated, allocated_before_cutoff, first_allocation, coalesce(spent, 0) AS spent
    FROM by_project
    WHERE allocated_before_cutoff > 0 AND coalesce(spent, 0) < $idle_ratio * allocated_before_cutoff
),
latest_progress AS (
    SELECT pp.project_id, arg_max(pp.status, pp.report_date) AS status
    FROM project_progress pp SEMI JOIN idle USING (project_id), params p
    WHERE pp.report_date <= p.d GROUP BY pp.project_id
)
SELECT ap.project_id, ap.project_name, CAST(ap.year AS INTEGER) AS year, ap.category, ap.township_code,
       t.township_name, t.county_leader, v.village_name,
       a.first_allocation, CAST(p.d - a.first_allocation AS INTEGER) AS days_since_allocation,
       a.allocated AS allocated_wan, a.allocated_before_cutoff AS allocated_before_cutoff_wan,
       a.spent AS spent_wan,
       100.0 * a.spent / a.allocated_before_cutoff AS spend_ratio_pct,
       greatest(a.allocated_before_cutoff - a.spent, 0) AS idle_wan,
       coalesce(lp.status, '未开工') AS status
FROM idle a
JOIN projects ap USING (project_id)
JOIN townships t ON t.township_code = ap.township_code
LEFT JOIN villages v ON v.village_code = ap.village_code
LEFT JOIN latest_progress lp USING (project_id)
CROSS JOIN params p
ORDER BY idle_wan DESC, ap.project_id
