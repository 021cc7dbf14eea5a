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
-- Reports and funds are read from the derived tables (ingest/derived.sql), stored by 年度: only year Y's rows are read
-- (funds: queries/parts/project_funds_of_year.sql).
progress_at_d AS (  -- project_spans holds one row per report (valid_from = 填报日期) and one before the first report
    SELECT s.project_id,
           arg_max(s.status, s.valid_from) AS status,
           arg_max(s.progress_pct, s.valid_from) AS progress_pct,
           max(s.valid_from) AS last_report,
           min(s.valid_from) FILTER (WHERE s.status <> '未开工') AS actual_start,
           min(s.valid_from) FILTER (WHERE s.status IN ('已完工', '已验收')) AS actual_end
    FROM project_spans s, params p
    WHERE s.year = p.y AND ($township = 'ALL' OR s.township_code = $township)
      AND s.valid_from <= p.d AND s.valid_from > DATE '0001-01-01'  -- reports only, not the span before the first
    GROUP BY s.project_id
),
{{project_funds_of_year}}
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
       coalesce(f.allocated, 0) AS allocated_wan, coalesce(f.spent, 0) AS spent_wan,
       ps.beneficiary_households
FROM project_state ps
JOIN townships t ON t.township_code = ps.township_code
LEFT JOIN villages v ON v.village_code = ps.village_code
LEFT JOIN funds_by_project f USING (project_id)
CROSS JOIN params p
ORDER BY ps.township_code, ps.planned_start, ps.project_id
