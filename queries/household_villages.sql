-- level: village
-- 村名录（农户查询用）: the villages of the area, for the village filter.
-- Parameters: $township VARCHAR (乡镇代码, 'ALL' = 全县).
SELECT village_code, village_name, township_code
FROM villages
WHERE $township = 'ALL' OR township_code = $township
ORDER BY village_code
