-- level: township
-- 数据质量：每个乡镇在截止日期 D 的核查问题数（全部规则）与每百户问题数，末行为全县（ALL）。
-- 每百户问题数 = 100 × 问题数 ÷ 在册户数（未脱贫或已脱贫的户）；越低越好。综合排名可按
-- data/checks.toml [quality].ranking_weight 计入（默认 0，见 checks_registry.weigh_data_quality）。
-- flagged = the records of every rule of queries/checks/*.sql with their flagged dates ({{checks_flagged}}: their
--   union, composed when the query runs, queries/checks_registry.flagged_union); parts/checks_quality.sql counts them
--   at D. Where the version holds that union prepared at publish, the runner reads it instead (queries/prepared/).
-- 参数：$as_of DATE and the rules' parameters (queries/checks_registry.rule_params).
-- 结果：township_code, township_name, households, issues, issues_per_100_households。
WITH flagged AS (
{{checks_flagged}}
),
{{checks_quality}}
