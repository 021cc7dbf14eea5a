-- 本年度项目的资金 (composed into queries/projects_of_year.sql and queries/funds_by_project.sql by the runner, at a
-- line `{{project_funds_of_year}}` inside their WITH, after `params` (d = D, y = its year); ends with a comma):
-- allocated and spent to D per project of year Y in the area, from fund_flows (ingest/derived.sql: stored by 年度, so
-- only the year's rows are read; a project's funds count in its 年度, an allocation dated the year before included).
-- Summed exactly (DECIMAL), then to DOUBLE: the same figure in any order of rows.
funds_by_project AS (
    SELECT f.project_id,
           CAST(sum(f.allocated) FILTER (WHERE f.source IS NOT NULL) AS DOUBLE) AS allocated,
           CAST(sum(f.spent) FILTER (WHERE f.source IS NULL) AS DOUBLE) AS spent
    FROM fund_flows f, params p
    WHERE f.year = p.y AND ($township = 'ALL' OR f.township_code = $township) AND f.date <= p.d
    GROUP BY f.project_id
),
