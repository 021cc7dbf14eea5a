-- level: township
-- 数据质量：每个乡镇的核查问题数与每百户问题数 — as prepared at publish: the rows
-- queries/checks_quality_by_township.sql gave at $as_of (ingest/prepared.sql). Read only for prepared dates.
SELECT * EXCLUDE (as_of) FROM prepared_checks_quality_by_township
WHERE as_of = CAST($as_of AS DATE)
ORDER BY township_code = 'ALL', township_code
