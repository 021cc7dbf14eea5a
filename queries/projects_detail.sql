-- level: project
-- 项目详情: one project with its township, 联系县领导, village, status and 形象进度 at D, and funds to D (万元).
-- No row when the 项目编号 does not exist.
-- Parameters: $project_id VARCHAR (项目编号), $as_of DATE (D).
WITH params AS (SELECT CAST($as_of AS DATE) AS d),
progress_at_d AS (
    SELECT arg_max(status, report_date) AS status, arg_max(progress_pct, report_date) AS progress_pct
    FROM project_progress, params p WHERE project_id = $project_id AND report_date <= p.d
),
funds AS (
    SELECT (SELECT sum(CAST(amount AS DOUBLE)) FROM fund_allocations, params p
            WHERE project_id = $project_id AND date <= p.d) AS allocated,
           (SELECT sum(CAST(amount AS DOUBLE)) FROM fund_payments, params p
            WHERE project_id = $project_id AND date <= p.d) AS spent
)
SELECT pr.project_id, pr.project_name, pr.township_code, t.township_name, t.county_leader, v.village_name,
       pr.category, CAST(pr.year AS INTEGER) AS year, CAST(pr.planned_investment AS DOUBLE) AS planned_investment_wan,
       pr.planned_start, pr.planned_end, pr.beneficiary_households,
       coalesce(pg.status, '未开工') AS status, CAST(coalesce(pg.progress_pct, 0) AS DOUBLE) AS progress_pct,
       coalesce(f.allocated, 0) AS allocated_wan, coalesce(f.spent, 0) AS spent_wan
FROM projects pr
JOIN townships t USING (township_code)
LEFT JOIN villages v ON v.village_code = pr.village_code
CROSS JOIN progress_at_d pg
CROSS JOIN funds f
WHERE pr.project_id = $project_id
