-- level: township
-- 数据核查：每条规则在每个乡镇的问题数（截止日期 D）。只列有问题的（规则, 乡镇）。
-- flagged = the records of every rule of queries/checks/*.sql with the dates they are flagged: {{checks_flagged}} is
--   replaced, when the query runs, by their union (queries/checks_registry.flagged_union), so a rule lives in its own
--   file only; the counts are parts/checks_counts.sql. Where the version holds that union prepared at publish with the
--   parameters in force (ingest/prepared_checks.sql), the runner reads it instead (queries/prepared/).
-- 参数：$as_of DATE and the rules' parameters (queries/checks_registry.rule_params).
-- 结果：rule_id, township_code, township_name, issues。
WITH flagged AS (
{{checks_flagged}}
)
{{checks_counts}}
