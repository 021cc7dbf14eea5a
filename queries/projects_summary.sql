-- level: project
-- 项目进展汇总: projects of year Y in the area counted by 乡镇 × 项目类别 × status at D, with started, completed,
-- overdue counts and the sum of 形象进度 (for averages). Pages add these rows up by status, category or township.
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码, 'ALL' = 全县).
WITH params AS (SELECT CAST($as_of AS DATE) AS d, year(CAST($as_of AS DATE)) AS y),
projects_of_year AS (
    SELECT pr.project_id, pr.township_code, pr.category, pr.planned_end FROM projects pr, params p
    WHERE pr.year = p.y AND ($township = 'ALL' OR pr.township_code = $township)
),
progress_at_d AS (
    SELECT pp.project_id, arg_max(pp.status, pp.report_date) AS status,
           arg_max(pp.progress_pct, pp.report_date) AS progress_pct
    FROM project_progress pp SEMI JOIN projects_of_year USING (project_id), params p
    WHERE pp.report_date <= p.d
    GROUP BY pp.project_id
),
project_state AS (
    SELECT py.township_code, py.category, py.planned_end, coalesce(pg.status, '未开工') AS status,
           CAST(coalesce(pg.progress_pct, 0) AS DOUBLE) AS progress_pct
    FROM projects_of_year py LEFT JOIN progress_at_d pg USING (project_id)
)
SELECT ps.township_code, t.township_name, ps.category, ps.status,
       count(*) AS projects,
       count(*) FILTER (WHERE ps.status <> '未开工') AS started,
       count(*) FILTER (WHERE ps.status IN ('已完工', '已验收')) AS completed,
       count(*) FILTER (WHERE ps.planned_end < p.d AND ps.status NOT IN ('已完工', '已验收')) AS overdue,
       sum(ps.progress_pct) AS progress_sum
FROM project_state ps JOIN townships t USING (township_code), params p
GROUP BY ALL
ORDER BY ps.township_code, ps.category, ps.status
