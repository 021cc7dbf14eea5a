-- level: township
-- 数据核查 逐周 — as prepared at publish: the records of prepared_checks_flagged (ingest/prepared_checks.sql) flagged
-- at each of D, D−7, … ($weeks dates), counted per date, rule and township: the rows
-- queries/checks_counts_by_township_weeks.sql gives, in one scan of the table. A record flagged over the whole span of
-- the dates (most are) is counted once per (rule, township) and added to every date; only the others are matched
-- with the dates. {{checks_per_date_each_week}}: rules still of the per-date form, run at each date. Read only where
-- the table was built with the parameters in force.
WITH weeks AS (
    SELECT CAST(CAST($as_of AS DATE) - CAST(7 * k AS INTEGER) AS DATE) AS as_of FROM range($weeks) r(k)
),
span AS (
    SELECT min(as_of) AS first_day, max(as_of) AS last_day FROM weeks
),
window_rows AS (  -- the records flagged at one of the dates at least
    SELECT f.rule_id, f.township_code, f.flagged_from, f.flagged_to,
           f.flagged_from <= s.first_day AND s.last_day < f.flagged_to AS every_date
    FROM prepared_checks_flagged f, span s
    WHERE f.flagged_from <= s.last_day AND s.first_day < f.flagged_to
),
counted AS (
    SELECT w.as_of, r.rule_id, r.township_code, count(*) AS issues
    FROM (SELECT rule_id, township_code FROM window_rows WHERE every_date) r, weeks w
    GROUP BY ALL
    UNION ALL
    SELECT w.as_of, r.rule_id, r.township_code, count(*) AS issues
    FROM window_rows r JOIN weeks w ON r.flagged_from <= w.as_of AND w.as_of < r.flagged_to
    WHERE NOT r.every_date
    GROUP BY ALL
    UNION ALL
    SELECT weeks.as_of, answer.rule_id, answer.township_code, count(*) AS issues FROM weeks, LATERAL (
{{checks_per_date_each_week}}
    ) answer
    GROUP BY ALL
)
SELECT c.as_of, c.rule_id, c.township_code, t.township_name, CAST(sum(c.issues) AS BIGINT) AS issues
FROM counted c JOIN townships t USING (township_code)
GROUP BY ALL
ORDER BY c.as_of, c.rule_id, c.township_code
