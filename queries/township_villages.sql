-- 乡镇所辖村: the villages of one township (or all) with their poverty status at D.
-- scope: township
-- Parameters: $as_of DATE, $township VARCHAR ('ALL' = whole county).
WITH status_at_d AS (
    SELECT household_id,
           arg_max(event, (date - DATE '1970-01-01') * 8 + event_order) AS event
    FROM household_events
    WHERE date <= CAST($as_of AS DATE)
    GROUP BY household_id
),
village_poverty AS (
    SELECT h.village_code,
           count(*) FILTER (WHERE s.event IN ('纳入', '返贫')) AS poor_households,
           coalesce(sum(h.size) FILTER (WHERE s.event IN ('纳入', '返贫')), 0) AS poor_persons,
           count(*) FILTER (WHERE s.event = '脱贫') AS exited_households
    FROM households h JOIN status_at_d s USING (household_id)
    GROUP BY h.village_code
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name, v.is_poor_village, v.exit_year,
       v.first_secretary, v.rural_population,
       coalesce(vp.poor_households, 0) AS poor_households,
       coalesce(vp.poor_persons, 0) AS poor_persons,
       coalesce(vp.exited_households, 0) AS exited_households,
       100.0 * coalesce(vp.poor_persons, 0) / nullif(v.rural_population, 0) AS incidence_pct
FROM villages v
JOIN townships t USING (township_code)
LEFT JOIN village_poverty vp USING (village_code)
WHERE $township = 'ALL' OR v.township_code = $township
ORDER BY v.township_code, v.village_code
