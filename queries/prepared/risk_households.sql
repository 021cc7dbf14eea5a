-- level: household
-- 防返贫监测（全县）— as prepared at publish: the rows queries/risk_households.sql gave at $as_of for the whole
-- county (ingest/prepared.sql). Read only for a prepared date with township ALL and the prepared parameters.
SELECT * EXCLUDE (as_of) FROM prepared_risk_households
WHERE as_of = CAST($as_of AS DATE)
ORDER BY score DESC, income NULLS LAST, household_id
