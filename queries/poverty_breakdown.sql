-- 贫困户结构: households and persons 未脱贫 / 已脱贫 at D, broken down by 主要致贫原因 and by 贫困户属性.
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码, 'ALL' = 全县), $village VARCHAR (村代码, 'ALL' = all
-- villages of the area).
-- Output: one row per (dimension, category); dimension is 'main_cause' (主要致贫原因) or 'attribute' (贫困户属性).
WITH params AS (SELECT CAST($as_of AS DATE) AS d),
area_households AS (
    SELECT h.household_id, h.size, h.main_cause, h.attribute
    FROM households h JOIN villages v USING (village_code)
    WHERE ($township = 'ALL' OR v.township_code = $township) AND ($village = 'ALL' OR h.village_code = $village)
),
status_at_d AS (
    SELECT e.household_id, arg_max(e.event, (e.date - DATE '1970-01-01') * 8 + e.event_order) AS event
    FROM household_events e JOIN area_households USING (household_id), params p
    WHERE e.date <= p.d
    GROUP BY e.household_id
),
counted AS (  -- households on the register at D (未脱贫 or 已脱贫)
    SELECT ah.*, s.event IN ('纳入', '返贫') AS is_poor
    FROM area_households ah JOIN status_at_d s USING (household_id)
    WHERE s.event <> '清退'
)
SELECT CASE WHEN grouping(main_cause) = 0 THEN 'main_cause' ELSE 'attribute' END AS dimension,
       coalesce(main_cause, attribute) AS category,
       count(*) FILTER (WHERE is_poor) AS poor_households,
       CAST(coalesce(sum(size) FILTER (WHERE is_poor), 0) AS BIGINT) AS poor_persons,
       count(*) FILTER (WHERE NOT is_poor) AS exited_households,
       CAST(coalesce(sum(size) FILTER (WHERE NOT is_poor), 0) AS BIGINT) AS exited_persons,
       count(*) AS registered_households
FROM counted
GROUP BY GROUPING SETS ((main_cause), (attribute))
ORDER BY dimension DESC, registered_households DESC, category
