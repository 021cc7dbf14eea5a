-- level: project
-- 本年度项目一览: every project of year Y in the area with its status and 形象进度 at D (latest report dated ≤ D;
-- none yet: 未开工, 0), actual start (first report ≤ D not 未开工) and finish (first report ≤ D 已完工/已验收),
-- days overdue (计划完工日期 < D and not completed), funds to D (万元), township and 联系县领导.
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码, 'ALL' = 全县).
WITH params AS (SELECT CAST($as_of AS DATE) AS d, year(CAST($as_of AS DATE)) AS y),
projects_of_year AS (
    SELECT pr.* FROM projects pr, params p
    WHERE pr.year = p.y AND ($township = 'ALL' OR pr.township_code = $township)
),
progress_at_d AS (
    SELECT pp.project_id,
           arg_max(pp.status, pp.report_date) AS status,
           arg_max(pp.progress_pct, pp.report_date) AS progress_pct,
           max(pp.report_date) AS last_report,
           min(pp.report_date) FILTER (WHERE pp.status <> '未开工') AS actual_start,
           min(pp.report_date) FILTER (WHERE pp.status IN ('已完工', '已验收')) AS actual_end
    FROM project_progress pp SEMI JOIN projects_of_year USING (project_id), params p
    WHERE pp.report_date <= p.d
    GROUP BY pp.project_id
),
allocated_by_project AS (
    SELECT a.project_id, sum(CAST(a.amount AS DOUBLE)) AS allocated
    FROM fund_allocations a SEMI JOIN projects_of_year USING (project_id), params p
    WHERE a.date <= p.d GROUP BY a.project_id
),
spent_by_project AS (
    SELECT x.project_id, sum(CAST(x.amount AS DOUBLE)) AS spent
    FROM fund_payments x SEMI JOIN projects_of_year USING (project_id), params p
    WHERE x.date <= p.d GROUP BY x.project_id
),
project_state AS (
    SELECT py.*, coalesce(pg.status, '未开工') AS status,
           CAST(coalesce(pg.progress_pct, 0) AS DOUBLE) AS progress_pct,
           pg.last_report, pg.actual_start, pg.actual_end,
           coalesce(pg.status IN ('已完工', '已验收'), false) AS completed
    FROM projects_of_year py LEFT JOIN progress_at_d pg USING (project_id)
)
SELECT ps.project_id, ps.project_name, ps.township_code, t.township_name, t.county_leader,
       ps.village_code, coalesce(v.village_name, '全乡镇') AS village_name, ps.category, CAST(ps.planned_investment AS DOUBLE) AS planned_investment_wan,
       ps.planned_start, ps.planned_end, ps.actual_start, ps.actual_end, ps.last_report,
       ps.status, ps.progress_pct, ps.completed,
       ps.status <> '未开工' AS started,
       ps.planned_end < p.d AND NOT ps.completed AS overdue,
       CASE WHEN ps.planned_end < p.d AND NOT ps.completed THEN CAST(p.d - ps.planned_end AS INTEGER) END AS days_overdue,
       coalesce(a.allocated, 0) AS allocated_wan, coalesce(s.spent, 0) AS spent_wan,
       ps.beneficiary_households
FROM project_state ps
JOIN townships t ON t.township_code = ps.township_code
LEFT JOIN villages v ON v.village_code = ps.village_code
LEFT JOIN allocated_by_project a USING (project_id)
LEFT JOIN spent_by_project s USING (project_id)
CROSS JOIN params p
ORDER BY ps.township_code, ps.planned_start, ps.project_id
