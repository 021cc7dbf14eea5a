-- 数据核查 counts per rule and township at D, from the CTE `flagged` (rule_id, township_code, flagged_from,
-- flagged_to, …: every rule's flagged records) of the query composing it: queries/checks_counts_by_township.sql
-- (live, the rule files) and its lookup queries/prepared/checks_counts_by_township.sql (the table built at publish).
SELECT f.rule_id, f.township_code, t.township_name, count(*) AS issues
FROM flagged f JOIN townships t USING (township_code)
WHERE f.flagged_from <= CAST($as_of AS DATE) AND CAST($as_of AS DATE) < f.flagged_to
GROUP BY ALL
ORDER BY f.rule_id, f.township_code
