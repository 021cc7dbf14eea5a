-- 地图上的村: the villages of a township (or of the county) at D, for the village markers of 挂图作战:
-- 贫困人口 and 贫困户 at D, 农业户籍人口, 贫困发生率, and whether the village is a poor village and has exited.
-- Parameters: $as_of DATE (数据截止日期 D), $township VARCHAR (a 乡镇代码, or 'ALL' for the whole county).
-- A poor village counts as 已出列 when its 出列年份 is the year of D or earlier.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, CAST($township AS VARCHAR) AS township
),
villages_of_area AS (
    SELECT v.*
    FROM villages v, params p
    WHERE p.township = 'ALL' OR v.township_code = p.township
),
-- Same-day events apply in the order 纳入, 脱贫, 返贫, 清退: sort key = day number * 8 + event_order.
status_at_d AS (
    SELECT e.household_id,
           arg_max(e.event, (e.date - DATE '1970-01-01') * 8 + e.event_order) AS event
    FROM household_events e
    JOIN households h USING (household_id)
    JOIN villages_of_area v USING (village_code)
    CROSS JOIN params p
    WHERE e.date <= p.d
    GROUP BY e.household_id
),
poor_by_village AS (
    SELECT h.village_code, sum(h.size) AS poor_persons, count(*) AS poor_households
    FROM households h JOIN status_at_d s USING (household_id)
    WHERE s.event IN ('纳入', '返贫')
    GROUP BY h.village_code
)
SELECT v.village_code, v.village_name, v.township_code, v.is_poor_village, v.exit_year,
       coalesce(v.is_poor_village AND v.exit_year <= year(p.d), false) AS exited,
       CASE WHEN NOT v.is_poor_village THEN '非贫困村'
            WHEN v.exit_year <= year(p.d) THEN '已出列贫困村'
            ELSE '未出列贫困村' END AS village_status,
       v.rural_population,
       CAST(coalesce(pv.poor_persons, 0) AS BIGINT) AS poor_persons,
       coalesce(pv.poor_households, 0) AS poor_households,
       100.0 * coalesce(pv.poor_persons, 0) / nullif(v.rural_population, 0) AS incidence_pct,
       v.first_secretary
FROM villages_of_area v
CROSS JOIN params p
LEFT JOIN poor_by_village pv USING (village_code)
ORDER BY v.village_code
