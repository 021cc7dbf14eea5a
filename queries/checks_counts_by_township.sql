-- level: township
-- 数据核查：每条规则在每个乡镇的问题数（截止日期 D）。只列有问题的（规则, 乡镇）。
-- issues = the records flagged by every rule of queries/checks/*.sql for the county: {{checks}} is replaced, when
--   the query runs, by their union (queries/checks_registry.issues_union), so a rule lives in its own file only.
-- At the dates prepared at publish (ingest/prepared.sql, the data date and the weeks before it) the runner reads
--   the rows this query gave then (queries/prepared/checks_counts_by_township.sql) instead of re-running it.
-- 参数：$as_of DATE and the rules' parameters (queries/checks_registry.rule_params).
-- 结果：rule_id, township_code, township_name, issues。
WITH issues AS (  -- one row per flagged record of every rule
    {{checks}}
)
SELECT i.rule_id, i.township_code, t.township_name, count(*) AS issues
FROM issues i JOIN townships t USING (township_code)
GROUP BY ALL
ORDER BY i.rule_id, i.township_code
