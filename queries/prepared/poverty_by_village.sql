-- level: village
-- 村级一升一降（全县）— as prepared at publish: the rows queries/poverty_by_village.sql gave at $as_of for every
-- village of the county (ingest/prepared.py). Read only for a prepared date with township ALL.
SELECT * EXCLUDE (as_of) FROM prepared_poverty_by_village
WHERE as_of = CAST($as_of AS DATE)
ORDER BY incidence_pct DESC NULLS LAST, village_code
