-- level: township
-- 资金按项目类别: funds of year Y by 项目类别 — projects, allocated and spent to D (万元), 结余率, 支出进度, and the
-- category's share of all allocated funds of the area. Only categories with projects of year Y.
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码, 'ALL' = 全县).
WITH params AS (SELECT CAST($as_of AS DATE) AS d, year(CAST($as_of AS DATE)) AS y),
projects_of_year AS (
    SELECT pr.project_id, pr.category FROM projects pr, params p
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
by_category AS (
    SELECT py.category, count(*) AS projects,
           coalesce(sum(a.allocated), 0) AS allocated, coalesce(sum(s.spent), 0) AS spent
    FROM projects_of_year py
    LEFT JOIN allocated_by_project a USING (project_id)
    LEFT JOIN spent_by_project s USING (project_id)
    GROUP BY py.category
)
SELECT category, projects, allocated AS allocated_wan, spent AS spent_wan,
       100.0 * (allocated - spent) / nullif(allocated, 0) AS balance_rate_pct,
       100.0 * spent / nullif(allocated, 0) AS spend_progress_pct,
       100.0 * allocated / nullif(sum(allocated) OVER (), 0) AS share_pct
FROM by_category
ORDER BY allocated DESC, category
