-- level: village
-- 数据核查 问题清单（村、项目）— as prepared at publish: one rule's records of prepared_checks_flagged
-- (ingest/prepared_checks.sql) flagged at D for $township, the rows queries/checks_village_rows.sql gives.
WITH flagged AS (
    SELECT * FROM prepared_checks_flagged WHERE target IN ('村', '项目')  -- the rules this level may list
)
{{checks_rows}}
