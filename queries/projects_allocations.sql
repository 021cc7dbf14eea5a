-- level: project
-- 项目资金下达记录: a project's allocations dated on or before D (万元), oldest first.
-- Parameters: $project_id VARCHAR (项目编号), $as_of DATE (D).
SELECT date, document_no, source, CAST(amount AS DOUBLE) AS amount_wan
FROM fund_allocations
WHERE project_id = $project_id AND date <= CAST($as_of AS DATE)
ORDER BY date, source
