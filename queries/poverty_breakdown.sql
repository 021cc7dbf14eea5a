-- level: township
-- 贫困户结构: households and persons 未脱贫 / 已脱贫 at D, broken down by 主要致贫原因 and by 贫困户属性.
-- Parameters: $as_of DATE (D), $township VARCHAR (乡镇代码, 'ALL' = 全县). No village filter: a township-level
-- query may be read for any township (queries/scope.py), so it never narrows to one village.
-- Output: one row per (dimension, category); dimension is 'main_cause' (主要致贫原因) or 'attribute' (贫困户属性).
WITH counted AS (  -- households on the register at D (未脱贫 or 已脱贫): the household_spans row covering D
                  -- (ingest/derived.sql; same-day events in the order 纳入, 脱贫, 返贫, 清退) is not 清退; the
                  -- span carries the household's size, 主要致贫原因 and 贫困户属性 (no join with households)
    SELECT size, main_cause, attribute, event IN ('纳入', '返贫') AS is_poor
    FROM household_spans
    WHERE valid_from <= $as_of::DATE AND $as_of::DATE < valid_to AND event <> '清退'
      AND ($township = 'ALL' OR township_code = $township)
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
