-- 数据核查 counts per rule and township at each of D, D−7, … ($weeks dates), from the CTE `flagged` (every rule's
-- flagged records with flagged_from, flagged_to) of the query composing it: queries/checks_counts_by_township_weeks.sql
-- (live) and its lookup in queries/prepared/ (the table built at publish). At each date: the counts of
-- parts/checks_counts.sql. A record flagged over the whole span of the dates (most are) is counted once per (rule,
-- township) and added to every date; only the others are matched with the dates.
weeks AS (
    SELECT CAST(CAST($as_of AS DATE) - CAST(7 * k AS INTEGER) AS DATE) AS as_of FROM range($weeks) r(k)
),
span AS (
    SELECT min(as_of) AS first_day, max(as_of) AS last_day FROM weeks
),
window_rows AS (  -- the records flagged at one of the dates at least
    SELECT f.rule_id, f.township_code, f.flagged_from, f.flagged_to,
           f.flagged_from <= s.first_day AND s.last_day < f.flagged_to AS every_date
    FROM flagged f, span s
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
)
SELECT c.as_of, c.rule_id, c.township_code, t.township_name, CAST(sum(c.issues) AS BIGINT) AS issues
FROM counted c JOIN townships t USING (township_code)
GROUP BY ALL
ORDER BY c.as_of, c.rule_id, c.township_code
