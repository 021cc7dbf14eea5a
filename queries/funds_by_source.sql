-- level: township
-- 资金来源: funds of year Y (projects of 年度 Y in the area) by 资金来源 — allocated and spent to D (万元), 结余率,
-- 支出进度. Every source is listed, in the order 中央, 省级, 市级, 县级, 整合涉农, 社会帮扶 (0 when none).
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码, 'ALL' = 全县).
-- Payments carry no source: a project's spending is shared among its sources in proportion to what each
-- allocated to it (按下达比例分摊), so the sources add up to the project's spending.
WITH params AS (SELECT CAST($as_of AS DATE) AS d, year(CAST($as_of AS DATE)) AS y),
sources AS (
    SELECT * FROM (VALUES (1, '中央'), (2, '省级'), (3, '市级'), (4, '县级'), (5, '整合涉农'), (6, '社会帮扶'))
        AS s(source_order, source)
),
projects_of_year AS (
    SELECT pr.project_id FROM projects pr, params p
    WHERE pr.year = p.y AND ($township = 'ALL' OR pr.township_code = $township)
),
allocated_by_project_source AS (
    SELECT a.project_id, a.source, sum(CAST(a.amount AS DOUBLE)) AS allocated
    FROM fund_allocations a SEMI JOIN projects_of_year USING (project_id), params p
    WHERE a.date <= p.d
    GROUP BY ALL
),
project_shares AS (
    SELECT project_id, source, allocated, allocated / nullif(sum(allocated) OVER (PARTITION BY project_id), 0) AS share
    FROM allocated_by_project_source
),
spent_by_project AS (
    SELECT x.project_id, sum(CAST(x.amount AS DOUBLE)) AS spent
    FROM fund_payments x SEMI JOIN projects_of_year USING (project_id), params p
    WHERE x.date <= p.d
    GROUP BY x.project_id
),
by_source AS (
    SELECT ps.source, sum(ps.allocated) AS allocated, sum(coalesce(sp.spent, 0) * coalesce(ps.share, 0)) AS spent
    FROM project_shares ps LEFT JOIN spent_by_project sp USING (project_id)
    GROUP BY ps.source
)
SELECT s.source, coalesce(b.allocated, 0) AS allocated_wan, coalesce(b.spent, 0) AS spent_wan,
       100.0 * (b.allocated - b.spent) / nullif(b.allocated, 0) AS balance_rate_pct,
       100.0 * b.spent / nullif(b.allocated, 0) AS spend_progress_pct
FROM sources s LEFT JOIN by_source b USING (source)
ORDER BY s.source_order
