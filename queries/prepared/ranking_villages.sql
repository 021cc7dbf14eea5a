-- level: village
-- 村级排名（全县）— as prepared at publish: the rows queries/ranking_villages.sql gave at $as_of for every village of
-- the county (ingest/prepared.py). Read only for a prepared date with township ALL.
SELECT * EXCLUDE (as_of) FROM prepared_ranking_villages
WHERE as_of = CAST($as_of AS DATE)
ORDER BY rank NULLS LAST, village_code
