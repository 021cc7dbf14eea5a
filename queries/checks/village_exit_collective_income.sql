-- level: village
-- 标题：已出列贫困村集体经济收入不达标
-- 简称：出列村集体经济
-- 严重程度：中
-- 对象：村
-- 说明：出列年份不晚于截止日期所在年度的贫困村，最近一年（不晚于截止年度）的村集体经济收入低于出列标准
--   （默认 4 万元），或者根本没有集体经济收入记录。
-- 参数：$collective_income_min_wan DOUBLE（标准，万元）；全县、全部日期（页面按数据截止日期 D 取
--   flagged_from <= D < flagged_to 的行）。
-- 结果：每个问题村在“最近一年”不变的每段期间（整年）一行（统一列，见 digital_exit.sql，另加 flagged_from、
--   flagged_to）；record_id 为村代码，record_name 为村名称。
WITH exited_villages AS (  -- marked 出列 from January 1 of its exit year
    SELECT v.* FROM villages v
    WHERE v.is_poor_village AND v.exit_year IS NOT NULL
),
income_years AS (  -- a record is the latest one ≤ Y from its year until the village's next record (NULL: none)
    SELECT c.village_code, c.year, CAST(c.collective_income AS DOUBLE) AS income_wan,
           lead(c.year) OVER (PARTITION BY c.village_code ORDER BY c.year) AS next_year
    FROM village_collective_income c
),
latest_by_year AS (  -- from the exit year on: the years without any record yet, then each record's years
    SELECT ev.village_code, ev.exit_year AS from_year, min(ci.year) AS to_year,
           CAST(NULL AS SMALLINT) AS year, CAST(NULL AS DOUBLE) AS income_wan
    FROM exited_villages ev LEFT JOIN village_collective_income ci USING (village_code)
    GROUP BY ev.village_code, ev.exit_year
    HAVING coalesce(min(ci.year) > ev.exit_year, true)
    UNION ALL
    SELECT ev.village_code, greatest(iy.year, ev.exit_year), iy.next_year, iy.year, iy.income_wan
    FROM exited_villages ev JOIN income_years iy USING (village_code)
    WHERE iy.next_year IS NULL OR iy.next_year > ev.exit_year
)
SELECT ev.township_code, t.township_name, ev.village_code, ev.village_name,
       ev.village_code AS record_id, ev.village_name AS record_name,
       CAST(NULL AS VARCHAR) AS person_name, CAST(NULL AS VARCHAR) AS id_number,
       ev.first_secretary AS helper,
       CASE WHEN ly.year IS NULL THEN format('{} 年出列，但没有村集体经济收入记录', ev.exit_year)
            ELSE format('{} 年出列；{} 年集体经济收入 {:.2f} 万元，低于标准 {} 万元', ev.exit_year, ly.year,
                        ly.income_wan, $collective_income_min_wan) END AS detail,
       make_date(ly.from_year, 1, 1) AS flagged_from,
       coalesce(make_date(ly.to_year, 1, 1), DATE 'infinity') AS flagged_to
FROM exited_villages ev
JOIN latest_by_year ly USING (village_code)
JOIN townships t USING (township_code)
WHERE ly.year IS NULL OR ly.income_wan < $collective_income_min_wan
ORDER BY ev.township_code, ev.village_code, flagged_from
