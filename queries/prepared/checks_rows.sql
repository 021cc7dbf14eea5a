-- level: household
-- 数据核查 问题清单（户、成员）— as prepared at publish: one rule's records of prepared_checks_flagged
-- (ingest/prepared_checks.sql) flagged at D for $township, the rows queries/checks_rows.sql gives.
WITH flagged AS (
    SELECT * FROM prepared_checks_flagged WHERE target IN ('户', '成员')  -- the rules this level may list
)
{{checks_rows}}
