-- level: household
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
WITH exited AS (  -- 已脱贫 at D: the household_spans row covering D is 脱贫; its valid_from is the last 脱贫 ≤ D
    SELECT s.household_id, s.valid_from AS last_exit
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event = '脱贫'
      AND ($township = 'ALL' OR s.township_code = $township)
),
poverty_lines AS (
    SELECT unnest($line_years) AS year, unnest($line_yuan) AS line_yuan
),
latest_income AS (  -- the household's latest income year ≤ Y: the income_latest row with year <= Y < next_year
    SELECT il.household_id, il.year, CAST(il.income AS DOUBLE) AS income
    FROM income_latest il
    WHERE il.year <= year($as_of::DATE) AND year($as_of::DATE) < il.next_year
      AND ($township = 'ALL' OR il.township_code = $township)
),
below_line AS (
    SELECT li.household_id, li.year, li.income, pl.line_yuan
    FROM latest_income li ASOF JOIN poverty_lines pl ON li.year >= pl.year
    WHERE li.income < pl.line_yuan
),
flagged AS MATERIALIZED (  -- few rows: found before the join with households on 户编号
    SELECT b.*, e.last_exit FROM below_line b JOIN exited e USING (household_id)
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       format('{} 脱贫；{}{} 年人均纯收入 {:,.0f} 元，低于当年扶贫标准 {:,.0f} 元',
              strftime(b.last_exit, '%Y-%m-%d'),
              CASE WHEN b.year < year($as_of::DATE) THEN format('{} 年无收入记录，', year($as_of::DATE)) ELSE '' END,
              b.year, b.income, b.line_yuan) AS detail
FROM flagged b
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
ORDER BY v.township_code, v.village_code, h.household_id
