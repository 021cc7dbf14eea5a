-- level: project
-- 项目资金支付记录: a project's payments dated on or before D (万元), oldest first, with the running total.
-- Parameters: $project_id VARCHAR (项目编号), $as_of DATE (D).
SELECT date, CAST(amount AS DOUBLE) AS amount_wan,
       sum(CAST(amount AS DOUBLE)) OVER (ORDER BY date ROWS UNBOUNDED PRECEDING) AS spent_cum_wan
FROM fund_payments
WHERE project_id = $project_id AND date <= CAST($as_of AS DATE)
ORDER BY date
