-- level: township
-- 数据质量：每个乡镇的核查问题数与每百户问题数 — as prepared at publish: the issues are the records of
-- prepared_checks_flagged (ingest/prepared_checks.sql) flagged at D ({{checks_per_date}}: rules still of the
-- per-date form, run at D); the households and the rate as in queries/checks_quality_by_township.sql.
WITH registered_households AS (  -- 在册 at D: the status span covering D is 纳入, 脱贫 or 返贫
{{checks_registered_households}}
),
issue_counts AS (
    SELECT township_code, count(*) AS issues FROM (
        SELECT township_code FROM prepared_checks_flagged
        WHERE flagged_from <= CAST($as_of AS DATE) AND CAST($as_of AS DATE) < flagged_to
        UNION ALL
        SELECT township_code FROM (
{{checks_per_date}}
        )
    )
    GROUP BY township_code
),
{{checks_quality_rate}}
