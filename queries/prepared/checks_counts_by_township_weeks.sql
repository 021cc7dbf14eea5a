-- level: township
-- 数据核查 逐周 — as prepared at publish: the records of prepared_checks_flagged (ingest/prepared_checks.sql) counted
-- at each of D, D−7, … ($weeks dates) by the same parts/checks_counts_weeks.sql as
-- queries/checks_counts_by_township_weeks.sql. Read only where the table was built with the parameters in force.
WITH flagged AS (
    SELECT * FROM prepared_checks_flagged
),
{{checks_counts_weeks}}
