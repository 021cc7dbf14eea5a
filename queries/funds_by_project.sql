-- level: project
-- 项目资金明细: each project of year Y in the area with allocated and spent to D (万元), 结余率 and status at D.
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码, 'ALL' = 全县).
WITH params AS (SELECT CAST($as_of AS DATE) AS d, year(CAST($as_of AS DATE)) AS y),
projects_of_year AS (
    SELECT pr.* FROM projects pr, params p
    WHERE pr.year = p.y AND ($township = 'ALL' OR pr.township_code = $township)
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
latest_progress AS (
    SELECT pp.project_id, arg_max(pp.status, pp.report_date) AS status
    FROM project_progress pp SEMI JOIN projects_of_year USING (project_id), params p
    WHERE pp.report_date <= p.d GROUP BY pp.project_id
)
SELECT py.project_id, py.project_name, py.category, t.township_name, coalesce(v.village_name, '全乡镇') AS village_name,
       CAST(py.planned_investment AS DOUBLE) AS planned_investment_wan,
       coalesce(a.allocated, 0) AS allocated_wan, coalesce(s.spent, 0) AS spent_wan,
       100.0 * (a.allocated - coalesce(s.spent, 0)) / nullif(a.allocated, 0) AS balance_rate_pct,
       coalesce(lp.status, '未开工') AS status
FROM projects_of_year py
JOIN townships t USING (township_code)
LEFT JOIN villages v ON v.village_code = py.village_code
LEFT JOIN allocated_by_project a USING (project_id)
LEFT JOIN spent_by_project s USING (project_id)
LEFT JOIN latest_progress lp USING (project_id)
ORDER BY balance_rate_pct DESC NULLS LAST, py.project_id
