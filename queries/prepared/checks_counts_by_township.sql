-- level: township
-- 数据核查：每条规则在每个乡镇的问题数 — as prepared at publish: the rows queries/checks_counts_by_township.sql
-- gave at $as_of (ingest/prepared.sql). The runner reads this only for a date and parameters that were prepared.
SELECT * EXCLUDE (as_of) FROM prepared_checks_counts_by_township
WHERE as_of = CAST($as_of AS DATE)
ORDER BY rule_id, township_code
