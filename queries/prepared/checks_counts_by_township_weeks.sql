-- level: township
-- 数据核查 逐周 — as prepared at publish: the data-check counts of queries/checks_counts_by_township.sql stored at
-- each week's date (ingest/prepared.sql), read at D, D−7, … ($weeks dates). The runner reads this only where
-- ingest/prepared.py recorded that every one of those dates is prepared (the data date and the week before).
SELECT as_of, rule_id, township_code, township_name, issues
FROM prepared_checks_counts_by_township
WHERE as_of IN (SELECT CAST(CAST($as_of AS DATE) - CAST(7 * k AS INTEGER) AS DATE) FROM range($weeks) r(k))
ORDER BY as_of, rule_id, township_code
