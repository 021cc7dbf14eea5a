-- level: township
-- 数据核查：每条规则在每个乡镇的问题数 — as prepared at publish: the records of prepared_checks_flagged
-- (ingest/prepared_checks.sql: every interval-form rule's records with their flagged dates) flagged at D, the same
-- rows queries/checks_counts_by_township.sql gives. {{checks_per_date}}: rules still of the per-date form, run at D.
-- The runner reads this only where the table was built with the parameters and rule files in force.
WITH issues AS (
    SELECT rule_id, township_code FROM prepared_checks_flagged
    WHERE flagged_from <= CAST($as_of AS DATE) AND CAST($as_of AS DATE) < flagged_to
    UNION ALL
{{checks_per_date}}
)
SELECT i.rule_id, i.township_code, t.township_name, count(*) AS issues
FROM issues i JOIN townships t USING (township_code)
GROUP BY ALL
ORDER BY i.rule_id, i.township_code
