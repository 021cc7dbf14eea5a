-- level: project
-- 项目资金明细: each project of year Y in the area with allocated and spent to D (万元), 结余率 and status at D.
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码, 'ALL' = 全县).
-- Funds and status are read from the derived tables stored by 年度 (fund_flows, project_spans): the year's rows only.
WITH params AS (SELECT CAST($as_of AS DATE) AS d, year(CAST($as_of AS DATE)) AS y),
projects_of_year AS (
    SELECT pr.* FROM projects pr, params p
    WHERE pr.year = p.y AND ($township = 'ALL' OR pr.township_code = $township)
),
{{project_funds_of_year}}
status_at_d AS (  -- project_spans: the status from each report until the next, 未开工 before the first (by 年度)
    SELECT s.project_id, s.status
    FROM project_spans s, params p
    WHERE s.year = p.y AND ($township = 'ALL' OR s.township_code = $township)
      AND s.valid_from <= p.d AND p.d < s.valid_to
)
SELECT py.project_id, py.project_name, py.category, t.township_name, coalesce(v.village_name, '全乡镇') AS village_name,
       CAST(py.planned_investment AS DOUBLE) AS planned_investment_wan,
       coalesce(f.allocated, 0) AS allocated_wan, coalesce(f.spent, 0) AS spent_wan,
       100.0 * (f.allocated - coalesce(f.spent, 0)) / nullif(f.allocated, 0) AS balance_rate_pct,
       coalesce(st.status, '未开工') AS status
FROM projects_of_year py
JOIN townships t USING (township_code)
LEFT JOIN villages v ON v.village_code = py.village_code
LEFT JOIN funds_by_project f USING (project_id)
LEFT JOIN status_at_d st USING (project_id)
ORDER BY balance_rate_pct DESC NULLS LAST, py.project_id
