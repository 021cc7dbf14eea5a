-- level: household
-- 数据核查 问题清单（对象为户、成员的规则）：一条规则在截止日期 D 命中的记录，全县或一个乡镇。
-- The rows of the interval-form rule files queries/checks/*.sql: {{checks_flagged_households}} is the union of the 户
--   and 成员 rules with rule_id, flagged_from and flagged_to (queries/checks_registry.flagged_union), composed when the
--   query runs, so a rule lives in its own file only; the filter on $rule_id leaves that one rule's scan. Rules about
--   villages and projects are listed by checks_village_rows.sql (village level: 只读演示 may read them).
-- 参数：$rule_id VARCHAR（规则，queries/checks/<rule_id>.sql）；$as_of DATE（数据截止日期）；
--   $township VARCHAR（乡镇代码，'ALL' = 全县）；and the rules' parameters (queries/checks_registry.rule_params).
-- 结果：每条问题记录一行，统一列 township_code, township_name, village_code, village_name, record_id, record_name,
--   person_name, id_number, helper, detail。
WITH flagged AS (
{{checks_flagged_households}}
)
{{checks_rows}}
