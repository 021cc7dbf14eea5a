-- level: project
-- 周调度·逾期项目: projects of year Y (Y = year of D) overdue at D, how long, and whether they were already
-- overdue a week earlier (D−7) — a project that was not is 本周新增逾期.
-- Parameters: $as_of DATE (数据截止日期 D), $township VARCHAR (乡镇代码, 'ALL' = the county).
-- Overdue (DESIGN.md): 计划完工日期 < D and the latest 项目进度 report dated ≤ D is not 已完工/已验收
-- (no report yet: 未开工, 0%). The same rule at D−7 decides overdue_last_week.
-- The status at a date is the project_spans row covering it (ingest/derived.sql: each report holds from its date
-- to the next one, 未开工 before the first), so D and D−7 are two filtered reads, not a ranking of every report.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, CAST($as_of AS DATE) - 7 AS d_week_ago, year(CAST($as_of AS DATE)) AS y
),
late AS (  -- overdue at D
    SELECT ps.project_id, ps.status, ps.progress_pct, ps.planned_end
    FROM project_spans ps, params p
    WHERE ps.year = p.y AND ps.valid_from <= p.d AND p.d < ps.valid_to AND ps.planned_end < p.d
      AND ps.status NOT IN ('已完工', '已验收')
      AND ($township = 'ALL' OR ps.township_code = $township)
),
status_week_ago AS (
    SELECT ps.project_id, ps.status
    FROM project_spans ps SEMI JOIN late USING (project_id), params p
    WHERE ps.valid_from <= p.d_week_ago AND p.d_week_ago < ps.valid_to
)
SELECT pr.project_id, pr.project_name, pr.township_code, t.township_name, t.county_leader, pr.village_code,
       pr.category, pr.planned_end, CAST(pr.planned_investment AS DOUBLE) AS planned_investment_wan,
       l.status,
       CAST(l.progress_pct AS DOUBLE) AS progress_pct,
       p.d - pr.planned_end AS days_overdue,
       (pr.planned_end < p.d_week_ago AND wk.status NOT IN ('已完工', '已验收')) AS overdue_last_week
FROM late l
JOIN projects pr USING (project_id)
JOIN townships t ON t.township_code = pr.township_code
LEFT JOIN status_week_ago wk USING (project_id)
CROSS JOIN params p
ORDER BY days_overdue DESC, pr.project_id
