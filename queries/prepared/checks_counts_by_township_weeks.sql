-- level: township
-- 数据核查 逐周 — as prepared at publish: the records of prepared_checks_flagged (ingest/prepared_checks.sql) flagged
-- at each of D, D−7, … ($weeks dates), counted per date, rule and township: the rows
-- queries/checks_counts_by_township_weeks.sql gives, in one scan of the table. {{checks_per_date_each_week}}: rules
-- still of the per-date form, run at each date. Read only where the table was built with the parameters in force.
WITH weeks AS (
    SELECT CAST(CAST($as_of AS DATE) - CAST(7 * k AS INTEGER) AS DATE) AS as_of FROM range($weeks) r(k)
),
issues AS (
    SELECT weeks.as_of, f.rule_id, f.township_code
    FROM prepared_checks_flagged f JOIN weeks ON f.flagged_from <= weeks.as_of AND weeks.as_of < f.flagged_to
    UNION ALL
    SELECT weeks.as_of, answer.rule_id, answer.township_code FROM weeks, LATERAL (
{{checks_per_date_each_week}}
    ) answer
)
SELECT i.as_of, i.rule_id, i.township_code, t.township_name, count(*) AS issues
FROM issues i JOIN townships t USING (township_code)
GROUP BY ALL
ORDER BY i.as_of, i.rule_id, i.township_code
