-- level: household
-- 标题：人均纯收入同比畸高畸低
-- 简称：收入突变
-- 严重程度：中
-- 对象：户
-- 说明：在册户最近一个收入年度（不晚于截止日期所在年度）的人均纯收入，比上一年增至 N 倍以上或降到 1/N 以下
--   （N 默认 3）。真实收入很少一年变化这么大，多为多打或少打一个 0、把家庭总收入填成人均等录入错误。
-- 参数：$income_jump_factor DOUBLE（倍数 N）；全县、全部日期。
-- 结果：统一列（见 digital_exit.sql）和 flagged_from, flagged_to：截止日期 D 满足 flagged_from <= D < flagged_to
--   时列出。每个问题户每段（在册区间 × 该收入记录为最近一年的年度）一行。
WITH registered AS (  -- 在册: the household_spans rows (ingest/derived.sql; same-day events in the order 纳入, 脱贫,
                      -- 返贫, 清退) of 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫), each valid from valid_from until valid_to
    SELECT s.household_id, s.valid_from, s.valid_to
    FROM household_spans s
    WHERE s.event IN ('纳入', '脱贫', '返贫')
),
year_on_year AS (  -- a record and the year before it (income_latest); it is the latest one ≤ year(D) for D from Jan 1
                   -- of its year until Jan 1 of the household's next record's year (next_year; 9999: none)
    SELECT il.household_id, il.year,
           CAST(il.income AS DOUBLE) AS income, CAST(il.income_prev AS DOUBLE) AS income_prev,
           make_date(CAST(il.year AS INTEGER), 1, 1) AS latest_from,
           CASE WHEN il.next_year >= 9999 THEN DATE 'infinity'
                ELSE make_date(CAST(il.next_year AS INTEGER), 1, 1) END AS latest_to
    FROM income_latest il
    WHERE il.income_prev IS NOT NULL
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
       END AS detail,
       greatest(r.valid_from, y.latest_from) AS flagged_from, least(r.valid_to, y.latest_to) AS flagged_to
FROM year_on_year y
JOIN registered r ON r.household_id = y.household_id AND r.valid_from < y.latest_to AND y.latest_from < r.valid_to
JOIN households h ON h.household_id = y.household_id
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
ORDER BY v.township_code, v.village_code, h.household_id, flagged_from
