-- level: project
-- 周调度·逾期项目: projects of year Y (Y = year of D) overdue at D, how long, and whether they were already
-- overdue a week earlier (D−7) — a project that was not is 本周新增逾期.
-- Parameters: $as_of DATE (数据截止日期 D), $township VARCHAR (乡镇代码, 'ALL' = the county).
-- Overdue (DESIGN.md): 计划完工日期 < D and the latest 项目进度 report dated ≤ D is not 已完工/已验收
-- (no report yet: 未开工, 0%). The same rule at D−7 decides overdue_last_week.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, CAST($as_of AS DATE) - 7 AS d_week_ago, year(CAST($as_of AS DATE)) AS y
),
projects_of_year AS (
    SELECT pr.project_id, pr.project_name, pr.township_code, t.township_name, t.county_leader, pr.village_code,
           pr.category, pr.planned_end, pr.planned_investment
    FROM projects pr JOIN townships t USING (township_code), params p
    WHERE pr.year = p.y AND ($township = 'ALL' OR pr.township_code = $township)
),
progress_at_d AS (
    SELECT pp.project_id, arg_max(pp.status, pp.report_date) AS status, arg_max(pp.progress_pct, pp.report_date) AS progress_pct
    FROM project_progress pp JOIN projects_of_year USING (project_id), params p
    WHERE pp.report_date <= p.d GROUP BY pp.project_id
),
progress_week_ago AS (
    SELECT pp.project_id, arg_max(pp.status, pp.report_date) AS status
    FROM project_progress pp JOIN projects_of_year USING (project_id), params p
    WHERE pp.report_date <= p.d_week_ago GROUP BY pp.project_id
)
SELECT py.project_id, py.project_name, py.township_code, py.township_name, py.county_leader, py.village_code,
       py.category, py.planned_end, CAST(py.planned_investment AS DOUBLE) AS planned_investment_wan,
       coalesce(now.status, '未开工') AS status,
       CAST(coalesce(now.progress_pct, 0) AS DOUBLE) AS progress_pct,
       p.d - py.planned_end AS days_overdue,
       (py.planned_end < p.d_week_ago AND coalesce(wk.status, '未开工') NOT IN ('已完工', '已验收')) AS overdue_last_week
FROM projects_of_year py
LEFT JOIN progress_at_d now USING (project_id)
LEFT JOIN progress_week_ago wk USING (project_id)
CROSS JOIN params p
WHERE py.planned_end < p.d AND coalesce(now.status, '未开工') NOT IN ('已完工', '已验收')
ORDER BY days_overdue DESC, py.project_id
