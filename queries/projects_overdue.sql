-- level: project
-- 逾期项目清单: projects of year Y in the area whose 计划完工日期 is before D and that are not completed at D,
-- most days overdue first, with the responsible township, its 联系县领导, status and 形象进度 at D.
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码, 'ALL' = 全县).
WITH params AS (SELECT CAST($as_of AS DATE) AS d, year(CAST($as_of AS DATE)) AS y),
late_projects AS (  -- past their planned end; completion is checked below
    SELECT pr.* FROM projects pr, params p
    WHERE pr.year = p.y AND pr.planned_end < p.d AND ($township = 'ALL' OR pr.township_code = $township)
),
progress_at_d AS (
    SELECT pp.project_id, arg_max(pp.status, pp.report_date) AS status,
           arg_max(pp.progress_pct, pp.report_date) AS progress_pct, max(pp.report_date) AS last_report
    FROM project_progress pp SEMI JOIN late_projects USING (project_id), params p
    WHERE pp.report_date <= p.d
    GROUP BY pp.project_id
)
SELECT lp.project_id, lp.project_name, lp.township_code, t.township_name, t.county_leader, coalesce(v.village_name, '全乡镇') AS village_name,
       lp.category, lp.planned_end, CAST(p.d - lp.planned_end AS INTEGER) AS days_overdue,
       coalesce(pg.status, '未开工') AS status, CAST(coalesce(pg.progress_pct, 0) AS DOUBLE) AS progress_pct,
       pg.last_report
FROM late_projects lp
JOIN townships t ON t.township_code = lp.township_code
LEFT JOIN villages v ON v.village_code = lp.village_code
LEFT JOIN progress_at_d pg USING (project_id)
CROSS JOIN params p
WHERE coalesce(pg.status, '未开工') NOT IN ('已完工', '已验收')
ORDER BY days_overdue DESC, lp.project_id
