-- 标题：身份证出生日期异常
-- 简称：出生日期异常
-- 严重程度：中
-- 对象：成员
-- 说明：按身份证号第 7–14 位（15 位旧号第 7–12 位）算出的出生日期，在截止日期时年龄超过上限（默认 110 岁），
--   或晚于今天，或根本不是有效日期。多为录入时位数错位，会让因学、因老等判断全部失真。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）；$max_age_years INTEGER（年龄上限）。
-- 结果：每个问题人一行（统一列，见 digital_exit.sql）。
-- scope: township
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d
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
persons AS (  -- heads and members of registered households, each (household, number) once
    SELECT household_id, upper(id_number) AS id_number, min(name) AS name, min(relation) AS relation
    FROM (
        SELECT household_id, head_name AS name, head_id_number AS id_number, '户主' AS relation FROM households
        UNION ALL
        SELECT household_id, name, id_number, relation FROM household_members
    ) JOIN registered USING (household_id)
    GROUP BY ALL
),
births AS (
    SELECT *,
           CAST(try_strptime(CASE WHEN length(id_number) = 18 THEN id_number[7:14]
                                  ELSE '19' || id_number[7:12] END, '%Y%m%d') AS DATE) AS born
    FROM persons
),
judged AS (
    SELECT b.*, date_sub('year', b.born, p.d) AS age,
           CASE WHEN b.born IS NULL THEN '身份证号中的出生日期不是有效日期'
                WHEN b.born > current_date THEN format('出生日期 {} 晚于今天', strftime(b.born, '%Y-%m-%d'))
                WHEN date_sub('year', b.born, p.d) > $max_age_years
                    THEN format('出生日期 {}，截止日期时 {} 岁，超过 {} 岁', strftime(b.born, '%Y-%m-%d'),
                                date_sub('year', b.born, p.d), $max_age_years)
           END AS problem
    FROM births b, params p
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       j.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       j.name AS person_name, j.id_number, h.helper,
       format('{}：{}', j.relation, j.problem) AS detail
FROM judged j
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE j.problem IS NOT NULL
  AND ($township = 'ALL' OR v.township_code = $township)
ORDER BY v.township_code, v.village_code, j.household_id, j.id_number
