-- level: township
-- 数据核查：每条规则在每个乡镇的问题数 — as prepared at publish: the records of prepared_checks_flagged
-- (ingest/prepared_checks.sql: every rule's records with their flagged dates) counted at D by the same
-- parts/checks_counts.sql as queries/checks_counts_by_township.sql. The runner reads this only where the table was
-- built with the parameters and rule files in force.
WITH flagged AS (
    SELECT * FROM prepared_checks_flagged
)
{{checks_counts}}
