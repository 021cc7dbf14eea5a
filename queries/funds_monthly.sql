-- level: township
-- 资金支出进度曲线: for the funds of year Y (projects of 年度 Y in the area), cumulative allocated and spent
-- (万元) at every month end of year Y up to D (the last point is D), with 支出进度 (spent ÷ allocated so far)
-- and 时间进度 at that point. Allocations dated before year Y count from the first point on.
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码, 'ALL' = 全县).
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, year(CAST($as_of AS DATE)) AS y,
           least(last_day(make_date(year(CAST($as_of AS DATE)), 1, 1)), CAST($as_of AS DATE)) AS first_point
),
projects_of_year AS (
    SELECT pr.project_id FROM projects pr, params p
    WHERE pr.year = p.y AND ($township = 'ALL' OR pr.township_code = $township)
),
flows AS (  -- money booked at the first calendar point on or after its date
    SELECT greatest(least(last_day(a.date), p.d), p.first_point) AS point,
           sum(CAST(a.amount AS DOUBLE)) AS allocated, 0.0 AS spent
    FROM fund_allocations a SEMI JOIN projects_of_year USING (project_id), params p
    WHERE a.date <= p.d GROUP BY 1
    UNION ALL
    SELECT greatest(least(last_day(x.date), p.d), p.first_point), 0.0, sum(CAST(x.amount AS DOUBLE))
    FROM fund_payments x SEMI JOIN projects_of_year USING (project_id), params p
    WHERE x.date <= p.d GROUP BY 1
),
flows_by_point AS (
    SELECT point, sum(allocated) AS allocated, sum(spent) AS spent FROM flows GROUP BY point
),
calendar AS (
    SELECT DISTINCT least(last_day(CAST(m AS DATE)), p.d) AS point
    FROM params p, generate_series(CAST(make_date(p.y, 1, 1) AS TIMESTAMP), CAST(p.d AS TIMESTAMP), INTERVAL 1 MONTH) AS g(m)
),
cumulative AS (
    SELECT c.point,
           coalesce(sum(f.allocated) OVER (ORDER BY c.point), 0) AS allocated_cum,
           coalesce(sum(f.spent) OVER (ORDER BY c.point), 0) AS spent_cum
    FROM calendar c LEFT JOIN flows_by_point f USING (point)
)
SELECT point AS as_of, allocated_cum AS allocated_wan, spent_cum AS spent_wan,
       100.0 * spent_cum / nullif(allocated_cum, 0) AS spend_progress_pct,
       100.0 * dayofyear(point) / dayofyear(make_date(year(point), 12, 31)) AS time_progress_pct
FROM cumulative
ORDER BY point
