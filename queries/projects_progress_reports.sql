-- level: project
-- 项目进度填报记录: a project's progress reports dated on or before D, oldest first.
-- Parameters: $project_id VARCHAR (项目编号), $as_of DATE (D).
SELECT report_date, CAST(progress_pct AS DOUBLE) AS progress_pct, status
FROM project_progress
WHERE project_id = $project_id AND report_date <= CAST($as_of AS DATE)
ORDER BY report_date
