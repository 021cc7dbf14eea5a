-- level: household
-- 标题：人均纯收入同比畸高畸低
-- 简称：收入突变
-- 严重程度：中
-- 对象：户
-- 说明：在册户最近一个收入年度（不晚于截止日期所在年度）的人均纯收入，比上一年增至 N 倍以上或降到 1/N 以下
--   （N 默认 3）。真实收入很少一年变化这么大，多为多打或少打一个 0、把家庭总收入填成人均等录入错误。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）；$income_jump_factor DOUBLE（倍数 N）。
-- 结果：每个问题户一行（统一列，见 digital_exit.sql）。
WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                 -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
    SELECT s.household_id
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
      AND ($township = 'ALL' OR s.township_code = $township)
),
year_on_year AS (  -- the latest income year ≤ Y (income_latest: year <= Y < next_year) and the year before it
    SELECT il.household_id, il.year,
           CAST(il.income AS DOUBLE) AS income, CAST(il.income_prev AS DOUBLE) AS income_prev
    FROM income_latest il
    WHERE il.year <= year($as_of::DATE) AND year($as_of::DATE) < il.next_year AND il.income_prev IS NOT NULL
      AND ($township = 'ALL' OR il.township_code = $township)
      AND (CAST(il.income AS DOUBLE) > $income_jump_factor * CAST(il.income_prev AS DOUBLE)
           OR CAST(il.income AS DOUBLE) * $income_jump_factor < CAST(il.income_prev AS DOUBLE))
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       CASE WHEN y.income_prev = 0 THEN format('{} 年人均纯收入为 0 元，{} 年为 {:,.0f} 元', y.year - 1, y.year, y.income)
            ELSE format('人均纯收入 {} 年 {:,.0f} 元 → {} 年 {:,.0f} 元（{}）', y.year - 1, y.income_prev, y.year,
                        y.income, CASE WHEN y.income > y.income_prev
                                       THEN format('增至 {:.1f} 倍', y.income / y.income_prev)
                                       ELSE format('降至 {:.0f}%', 100 * y.income / y.income_prev) END)
       END AS detail
FROM year_on_year y
SEMI JOIN registered USING (household_id)
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
ORDER BY v.township_code, v.village_code, h.household_id
