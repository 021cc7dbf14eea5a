-- level: township
-- 数据质量：每个乡镇在截止日期 D 的核查问题数（全部规则）与每百户问题数，末行为全县（ALL）。
-- 每百户问题数 = 100 × 问题数 ÷ 在册户数（未脱贫或已脱贫的户）；越低越好。综合排名可按
-- data/checks.toml [quality].ranking_weight 计入（默认 0，见 checks_registry.weigh_data_quality）。
-- issues = the records flagged by every rule of queries/checks/*.sql: {{checks}} is their union, composed when the
--   query runs (queries/checks_registry.issues_union). At a date prepared at publish (ingest/prepared.sql) the
--   runner reads the rows this query gave then (queries/prepared/checks_quality_by_township.sql).
-- 参数：$as_of DATE and the rules' parameters (queries/checks_registry.rule_params).
-- 结果：township_code, township_name, households, issues, issues_per_100_households。
WITH issues AS (  -- one row per flagged record of every rule
    {{checks}}
),
registered_households AS (  -- 在册 at D: the status span covering D is 纳入, 脱贫 or 返贫
{{checks_registered_households}}
),
issue_counts AS (
    SELECT township_code, count(*) AS issues FROM issues GROUP BY township_code
),
{{checks_quality_rate}}
