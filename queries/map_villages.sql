-- level: village
-- 地图上的村: the villages of a township (or of the county) at D, for the village markers of 挂图作战:
-- 贫困人口 and 贫困户 at D, 农业户籍人口, 贫困发生率, and whether the village is a poor village and has exited.
-- Parameters: $as_of DATE (数据截止日期 D), $township VARCHAR (a 乡镇代码, or 'ALL' for the whole county).
-- A poor village counts as 已出列 when its 出列年份 is the year of D or earlier.
WITH villages_of_area AS (
    SELECT v.* FROM villages v WHERE $township = 'ALL' OR v.township_code = $township
),
-- Status at D: the household_spans row covering D (ingest/derived.sql; same-day events in the order 纳入, 脱贫,
-- 返贫, 清退); it carries the household's village and 家庭人口数.
poor_by_village AS (
    SELECT s.village_code, sum(s.size) AS poor_persons, count(*) AS poor_households
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '返贫')
      AND ($township = 'ALL' OR s.township_code = $township)
    GROUP BY s.village_code
)
SELECT v.village_code, v.village_name, v.township_code, v.is_poor_village, v.exit_year,
       coalesce(v.is_poor_village AND v.exit_year <= year($as_of::DATE), false) AS exited,
       CASE WHEN NOT v.is_poor_village THEN '非贫困村'
            WHEN v.exit_year <= year($as_of::DATE) THEN '已出列贫困村'
            ELSE '未出列贫困村' END AS village_status,
       v.rural_population,
       CAST(coalesce(pv.poor_persons, 0) AS BIGINT) AS poor_persons,
       coalesce(pv.poor_households, 0) AS poor_households,
       100.0 * coalesce(pv.poor_persons, 0) / nullif(v.rural_population, 0) AS incidence_pct,
       v.first_secretary
FROM villages_of_area v
LEFT JOIN poor_by_village pv USING (village_code)
ORDER BY v.village_code
