-- 标题：疑似数字脱贫
-- 简称：数字脱贫
-- 严重程度：高
-- 对象：户
-- 说明：截止日期时已脱贫，但最近一个收入年度（不晚于截止日期所在年度）的人均纯收入低于该年国家扶贫标准。
--   收入是脱贫的硬杠杠：要么收入漏录、错录，要么是"数字脱贫"，须入户核实收入台账。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）；
--   $line_years INTEGER[]、$line_yuan DOUBLE[]（各年扶贫标准，元/人·年，配置缺某年时用此前最近一年的标准）。
-- 结果：每个问题户一行，统一列 township_code, township_name, village_code, village_name, record_id（户编号）,
--   record_name, person_name（户主）, id_number（户主身份证号）, helper, detail。
-- scope: township
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, year(CAST($as_of AS DATE)) AS y
),
status_at_d AS (  -- the last event on or before D; same-day events apply in the order 纳入, 脱贫, 返贫, 清退
    SELECT e.household_id, arg_max(e.event, (e.date, e.event_order)) AS event,
           max(e.date) FILTER (WHERE e.event = '脱贫') AS last_exit
    FROM household_events e, params p
    WHERE e.date <= p.d
    GROUP BY e.household_id
),
poverty_lines AS (
    SELECT unnest($line_years) AS year, unnest($line_yuan) AS line_yuan
),
latest_income AS (
    SELECT i.household_id, max(i.year) AS year, CAST(arg_max(i.income_per_capita, i.year) AS DOUBLE) AS income
    FROM incomes i, params p
    WHERE i.year <= p.y
    GROUP BY i.household_id
),
income_vs_line AS (
    SELECT li.household_id, li.year, li.income, pl.line_yuan
    FROM latest_income li ASOF JOIN poverty_lines pl ON li.year >= pl.year
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       format('{} 脱贫；{}{} 年人均纯收入 {:,.0f} 元，低于当年扶贫标准 {:,.0f} 元',
              strftime(s.last_exit, '%Y-%m-%d'),
              CASE WHEN iv.year < p.y THEN format('{} 年无收入记录，', p.y) ELSE '' END,
              iv.year, iv.income, iv.line_yuan) AS detail
FROM params p, status_at_d s
JOIN income_vs_line iv USING (household_id)
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE s.event = '脱贫' AND iv.income < iv.line_yuan
  AND ($township = 'ALL' OR v.township_code = $township)
ORDER BY v.township_code, v.village_code, h.household_id
