-- level: household
-- 标题：身份证出生日期异常
-- 简称：出生日期异常
-- 严重程度：中
-- 对象：成员
-- 说明：按身份证号第 7–14 位（15 位旧号第 7–12 位）算出的出生日期，在截止日期时年龄超过上限（默认 110 岁），
--   或晚于今天，或根本不是有效日期。多为录入时位数错位，会让因学、因老等判断全部失真。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）；$max_age_years INTEGER（年龄上限）。
-- 结果：每个问题人一行（统一列，见 digital_exit.sql）。
WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                 -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
    SELECT s.household_id
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
      AND ($township = 'ALL' OR s.township_code = $township)
),
judged AS (  -- household_persons (ingest/derived.sql): heads and members, each (household, number) once, born
             -- parsed from the number (blank when it is not a valid date)
    SELECT p.household_id, p.id_number, p.name, p.relation, p.born,
           CASE WHEN p.born IS NULL THEN '身份证号中的出生日期不是有效日期'
                WHEN p.born > current_date THEN format('出生日期 {} 晚于今天', strftime(p.born, '%Y-%m-%d'))
                WHEN date_sub('year', p.born, $as_of::DATE) > $max_age_years
                    THEN format('出生日期 {}，截止日期时 {} 岁，超过 {} 岁', strftime(p.born, '%Y-%m-%d'),
                                date_sub('year', p.born, $as_of::DATE), $max_age_years)
           END AS problem
    FROM household_persons p
    WHERE ($township = 'ALL' OR p.township_code = $township)
      AND (p.born IS NULL OR p.born > current_date OR date_sub('year', p.born, $as_of::DATE) > $max_age_years)
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       j.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       j.name AS person_name, j.id_number, h.helper,
       format('{}：{}', j.relation, j.problem) AS detail
FROM judged j
SEMI JOIN registered USING (household_id)
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
ORDER BY v.township_code, v.village_code, j.household_id, j.id_number
