-- One rule's rows shown at D (flagged_from <= D < flagged_to) for $township, from the CTE `flagged` (rule_id,
-- the rules' unified columns, flagged_from, flagged_to) of the query composing it: queries/checks_rows.sql and
-- checks_village_rows.sql (live, every interval-form rule file) and their lookups in queries/prepared/ (the
-- table prepared at publish). A rule's detail_all (its detail naming other townships' records: checks_registry.
-- COUNTY_DETAIL) is read for the whole county only; a township's view reads detail.
SELECT f.township_code, f.township_name, f.village_code, f.village_name, f.record_id, f.record_name,
       f.person_name, f.id_number, f.helper,
       CASE WHEN $township = 'ALL' THEN coalesce(f.detail_all, f.detail) ELSE f.detail END AS detail
FROM flagged f
WHERE f.rule_id = $rule_id
  AND f.flagged_from <= CAST($as_of AS DATE) AND CAST($as_of AS DATE) < f.flagged_to
  AND ($township = 'ALL' OR f.township_code = $township)
ORDER BY f.township_code, f.village_code NULLS FIRST, f.record_id, f.id_number, f.detail
