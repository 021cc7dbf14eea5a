-- level: township
-- 数据核查 逐周：每条规则在每个乡镇的问题数，在截止日期 D 和此前每周（D, D−7, …，共 $weeks 个日期）。只列有问题的。
-- The rows of queries/checks_counts_by_township.sql at each of those dates, in one statement over flagged = the
--   records of every rule of queries/checks/*.sql with their flagged dates ({{checks_flagged}}: their union,
--   queries/checks_registry.flagged_union); parts/checks_counts_weeks.sql counts them. Where the version holds that
--   union prepared at publish with the parameters in force, the runner reads it instead (queries/prepared/).
-- 参数：$as_of DATE, $weeks INTEGER (checks.toml trend_weeks) and the rules' parameters (checks_registry.rule_params).
-- 结果：as_of, rule_id, township_code, township_name, issues。
WITH flagged AS (
{{checks_flagged}}
),
{{checks_counts_weeks}}
