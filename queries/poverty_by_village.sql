-- 村级一升一降: per village of the area, 贫困人口 and 贫困发生率 at D and at the previous year end (the drop in
-- percentage points), households 未脱贫/已脱贫 at D, persons exited this year, 是否贫困村, 出列年份, 第一书记.
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码; 'ALL' lists every village of the county).
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, year(CAST($as_of AS DATE)) AS y,
           make_date(year(CAST($as_of AS DATE)) - 1, 12, 31) AS prev_year_end
),
area_villages AS (
    SELECT v.*, t.township_name FROM villages v JOIN townships t USING (township_code)
    WHERE $township = 'ALL' OR v.township_code = $township
),
area_households AS (
    SELECT h.household_id, h.size, h.village_code FROM households h JOIN area_villages USING (village_code)
),
-- Household status at D and at the previous year end: the last event by (date, event_order).
status AS (
    SELECT e.household_id,
           arg_max(e.event, (e.date - DATE '1970-01-01') * 8 + e.event_order) FILTER (WHERE e.date <= p.d) AS event_now,
           arg_max(e.event, (e.date - DATE '1970-01-01') * 8 + e.event_order) FILTER (WHERE e.date <= p.prev_year_end) AS event_prev,
           max(e.date) FILTER (WHERE e.event = '脱贫' AND e.date <= p.d) AS last_exit
    FROM household_events e JOIN area_households USING (household_id), params p
    WHERE e.date <= p.d
    GROUP BY e.household_id
),
village_poverty AS (
    SELECT ah.village_code,
           count(*) FILTER (WHERE s.event_now IN ('纳入', '返贫')) AS poor_households,
           CAST(coalesce(sum(ah.size) FILTER (WHERE s.event_now IN ('纳入', '返贫')), 0) AS BIGINT) AS poor_persons,
           CAST(coalesce(sum(ah.size) FILTER (WHERE s.event_prev IN ('纳入', '返贫')), 0) AS BIGINT) AS poor_persons_prev,
           count(*) FILTER (WHERE s.event_now = '脱贫') AS exited_households,
           CAST(coalesce(sum(ah.size) FILTER (WHERE s.event_now = '脱贫' AND year(s.last_exit) = p.y), 0) AS BIGINT)
               AS exited_persons_ytd
    FROM area_households ah JOIN status s USING (household_id), params p
    GROUP BY ah.village_code
)
SELECT v.village_code, v.village_name, v.township_code, v.township_name, v.is_poor_village, v.exit_year,
       v.first_secretary, v.rural_population,
       coalesce(vp.poor_households, 0) AS poor_households,
       coalesce(vp.poor_persons, 0) AS poor_persons,
       coalesce(vp.exited_households, 0) AS exited_households,
       coalesce(vp.exited_persons_ytd, 0) AS exited_persons_ytd,
       100.0 * coalesce(vp.poor_persons, 0) / nullif(v.rural_population, 0) AS incidence_pct,
       100.0 * coalesce(vp.poor_persons_prev, 0) / nullif(v.rural_population, 0) AS incidence_prev_pct,
       100.0 * (coalesce(vp.poor_persons_prev, 0) - coalesce(vp.poor_persons, 0)) / nullif(v.rural_population, 0)
           AS incidence_drop_pp
FROM area_villages v LEFT JOIN village_poverty vp USING (village_code)
ORDER BY incidence_pct DESC NULLS LAST, v.village_code
