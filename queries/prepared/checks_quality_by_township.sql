-- level: township
-- 数据质量：每个乡镇的核查问题数与每百户问题数 — as prepared at publish: the records of prepared_checks_flagged
-- (ingest/prepared_checks.sql) counted at D by the same parts/checks_quality.sql as
-- queries/checks_quality_by_township.sql. Read only where the table was built with the parameters in force.
WITH flagged AS (
    SELECT * FROM prepared_checks_flagged
),
{{checks_quality}}
