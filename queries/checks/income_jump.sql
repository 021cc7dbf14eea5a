-- 标题：人均纯收入同比畸高畸低
-- 简称：收入突变
-- 严重程度：中
-- 对象：户
-- 说明：在册户最近一个收入年度（不晚于截止日期所在年度）的人均纯收入，比上一年增至 N 倍以上或降到 1/N 以下
--   （N 默认 3）。真实收入很少一年变化这么大，多为多打或少打一个 0、把家庭总收入填成人均等录入错误。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）；$income_jump_factor DOUBLE（倍数 N）。
-- 结果：每个问题户一行（统一列，见 digital_exit.sql）。
-- scope: township
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, year(CAST($as_of AS DATE)) AS y
),
status_at_d AS (  -- the last event on or before D; same-day events apply in the order 纳入, 脱贫, 返贫, 清退
    SELECT e.household_id, arg_max(e.event, (e.date, e.event_order)) AS event
    FROM household_events e, params p
    WHERE e.date <= p.d
    GROUP BY e.household_id
),
registered AS (  -- 在册: 未脱贫 (纳入, 返贫) or 已脱贫 (脱贫) at D
    SELECT household_id FROM status_at_d WHERE event IN ('纳入', '脱贫', '返贫')
),
latest_year AS (
    SELECT i.household_id, max(i.year) AS year
    FROM incomes i, params p
    WHERE i.year <= p.y
    GROUP BY i.household_id
),
year_on_year AS (
    SELECT ly.household_id, ly.year,
           CAST(cur.income_per_capita AS DOUBLE) AS income, CAST(prev.income_per_capita AS DOUBLE) AS income_prev
    FROM latest_year ly
    JOIN incomes cur ON cur.household_id = ly.household_id AND cur.year = ly.year
    JOIN incomes prev ON prev.household_id = ly.household_id AND prev.year = ly.year - 1
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
JOIN registered USING (household_id)
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE (y.income > $income_jump_factor * y.income_prev OR y.income * $income_jump_factor < y.income_prev)
  AND ($township = 'ALL' OR v.township_code = $township)
ORDER BY v.township_code, v.village_code, h.household_id
