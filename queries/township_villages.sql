-- level: village
-- 乡镇所辖村: the villages of one township (or all) with their poverty status at D.
-- Parameters: $as_of DATE, $township VARCHAR ('ALL' = whole county).
-- Status at D: the household_spans row covering D (ingest/derived.sql; same-day events in the order 纳入, 脱贫,
-- 返贫, 清退), which carries the household's village and 家庭人口数 — no join on 户编号 needed.
WITH village_poverty AS (
    SELECT s.village_code,
           count(*) FILTER (WHERE s.event IN ('纳入', '返贫')) AS poor_households,
           coalesce(sum(s.size) FILTER (WHERE s.event IN ('纳入', '返贫')), 0) AS poor_persons,
           count(*) FILTER (WHERE s.event = '脱贫') AS exited_households
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to
      AND ($township = 'ALL' OR s.township_code = $township)
    GROUP BY s.village_code
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
