-- level: township
-- 数据核查 逐周：每条规则在每个乡镇的问题数，在截止日期 D 和此前每周（D, D−7, …，共 $weeks 个日期）。只列有问题的。
-- The rows of queries/checks_counts_by_township.sql at each of those dates, in one statement: {{checks_each_week}}
--   is the union of every rule of queries/checks/*.sql (queries/checks_registry.issues_union) run at each date of
--   `weeks` by a lateral join, so the rules' scans are shared by the dates (a rule lives in its own file only).
-- At the data date and the week before it the runner reads the counts prepared at publish instead
--   (queries/prepared/checks_counts_by_township_weeks.sql; ingest/prepared.py).
-- 参数：$as_of DATE, $weeks INTEGER (checks.toml trend_weeks) and the rules' parameters (checks_registry.rule_params).
-- 结果：as_of, rule_id, township_code, township_name, issues。
WITH weeks AS (
    SELECT CAST(CAST($as_of AS DATE) - CAST(7 * k AS INTEGER) AS DATE) AS as_of FROM range($weeks) r(k)
),
issues AS (  -- one row per date and flagged record of every rule
    SELECT weeks.as_of, answer.rule_id, answer.township_code FROM weeks, LATERAL (
    {{checks_each_week}}
    ) answer
)
SELECT i.as_of, i.rule_id, i.township_code, t.township_name, count(*) AS issues
FROM issues i JOIN townships t USING (township_code)
GROUP BY ALL
ORDER BY i.as_of, i.rule_id, i.township_code
