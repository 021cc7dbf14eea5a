-- level: village
-- 标题：已出列贫困村集体经济收入不达标
-- 简称：出列村集体经济
-- 严重程度：中
-- 对象：村
-- 说明：出列年份不晚于截止日期所在年度的贫困村，最近一年（不晚于截止年度）的村集体经济收入低于出列标准
--   （默认 4 万元），或者根本没有集体经济收入记录。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）；$collective_income_min_wan DOUBLE（标准，万元）。
-- 结果：每个问题村一行（统一列，见 digital_exit.sql）；record_id 为村代码，record_name 为村名称。
WITH params AS (
    SELECT year(CAST($as_of AS DATE)) AS y
),
exited_villages AS (
    SELECT v.* FROM villages v, params p
    WHERE v.is_poor_village AND v.exit_year <= p.y
),
latest_collective_income AS (
    SELECT c.village_code, max(c.year) AS year, CAST(arg_max(c.collective_income, c.year) AS DOUBLE) AS income_wan
    FROM village_collective_income c, params p
    WHERE c.year <= p.y
    GROUP BY c.village_code
)
SELECT ev.township_code, t.township_name, ev.village_code, ev.village_name,
       ev.village_code AS record_id, ev.village_name AS record_name,
       CAST(NULL AS VARCHAR) AS person_name, CAST(NULL AS VARCHAR) AS id_number,
       ev.first_secretary AS helper,
       CASE WHEN ci.year IS NULL THEN format('{} 年出列，但没有村集体经济收入记录', ev.exit_year)
            ELSE format('{} 年出列；{} 年集体经济收入 {:.2f} 万元，低于标准 {} 万元', ev.exit_year, ci.year,
                        ci.income_wan, $collective_income_min_wan) END AS detail
FROM exited_villages ev
LEFT JOIN latest_collective_income ci USING (village_code)
JOIN townships t USING (township_code)
WHERE (ci.year IS NULL OR ci.income_wan < $collective_income_min_wan)
  AND ($township = 'ALL' OR ev.township_code = $township)
ORDER BY ev.township_code, ev.village_code
