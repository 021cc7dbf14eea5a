-- level: village
-- 村级一升一降: per village of the area, 贫困人口 and 贫困发生率 at D and at the previous year end (the drop in
-- percentage points), households 未脱贫/已脱贫 at D, persons exited this year, 是否贫困村, 出列年份, 第一书记.
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码; 'ALL' lists every village of the county).
WITH area_villages AS (
    SELECT v.*, t.township_name FROM villages v JOIN townships t USING (township_code)
    WHERE $township = 'ALL' OR v.township_code = $township
),
-- Household status at D and at the previous year end: the household_spans rows covering them (ingest/derived.sql;
-- same-day events in the order 纳入, 脱贫, 返贫, 清退). For a household 已脱贫 at D, valid_from is its last 脱贫
-- date on or before D. One scan serves both dates; the spans carry village and 家庭人口数.
village_poverty AS (
    SELECT s.village_code,
           count(*) FILTER (WHERE $as_of::DATE < s.valid_to AND s.event IN ('纳入', '返贫')) AS poor_households,
           CAST(coalesce(sum(s.size) FILTER (WHERE $as_of::DATE < s.valid_to AND s.event IN ('纳入', '返贫')), 0)
                AS BIGINT) AS poor_persons,
           CAST(coalesce(sum(s.size) FILTER (WHERE s.valid_from <= make_date(year($as_of::DATE) - 1, 12, 31)
                                                  AND make_date(year($as_of::DATE) - 1, 12, 31) < s.valid_to
                                                  AND s.event IN ('纳入', '返贫')), 0) AS BIGINT) AS poor_persons_prev,
           count(*) FILTER (WHERE $as_of::DATE < s.valid_to AND s.event = '脱贫') AS exited_households,
           CAST(coalesce(sum(s.size) FILTER (WHERE $as_of::DATE < s.valid_to AND s.event = '脱贫'
                                                  AND year(s.valid_from) = year($as_of::DATE)), 0) AS BIGINT)
               AS exited_persons_ytd
    FROM household_spans s
    -- constants in the filter (not a join with params) let DuckDB push them into the scan
    WHERE s.valid_from <= $as_of::DATE
      AND ($as_of::DATE < s.valid_to OR make_date(year($as_of::DATE) - 1, 12, 31) < s.valid_to)
      AND ($township = 'ALL' OR s.township_code = $township)
    GROUP BY s.village_code
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
