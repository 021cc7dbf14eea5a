-- level: household
-- 标题：有失学辍学儿童却填"义务教育有保障"
-- 简称：辍学与教育保障矛盾
-- 严重程度：高
-- 对象：成员
-- 说明：在册户有义务教育阶段年龄（默认 6–16 周岁，按身份证出生日期在截止日期时计算；出生日期无效的也列出）
--   的成员在校生状况为"失学辍学"，而户的"义务教育有保障"填了"是"。控辍保学是"三保障"的硬任务，两者必有一错。
-- 参数：$school_age_min、$school_age_max INTEGER（周岁，含两端）；全县、全部日期。
-- 结果：统一列（见 digital_exit.sql）和 flagged_from, flagged_to：截止日期 D 满足 flagged_from <= D < flagged_to 时
--   列出；person_name、id_number 为该成员。每个辍学成员每段（在册区间 × 一个周岁）一行（说明写明周岁）。
WITH registered AS (  -- 在册: the household_spans rows (ingest/derived.sql; same-day events in the order 纳入, 脱贫,
                      -- 返贫, 清退) of 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫), each valid from valid_from until valid_to
    SELECT s.household_id, s.valid_from, s.valid_to
    FROM household_spans s
    WHERE s.event IN ('纳入', '脱贫', '返贫')
),
dropouts AS (  -- of households that say 义务教育有保障; born parsed from the number (blank when not a valid date)
    SELECT m.household_id, m.name, m.id_number, m.relation,
           CAST(try_strptime(CASE WHEN length(m.id_number) = 18 THEN m.id_number[7:14]
                                  ELSE '19' || m.id_number[7:12] END, '%Y%m%d') AS DATE) AS born
    FROM household_members m JOIN households h USING (household_id)
    WHERE m.schooling = '失学辍学' AND h.education
),
ages AS (  -- each age k of school age: k full years (date_sub('year', born, D) = k) from born + k years until
           -- born + k + 1 years (age 0 starts the day after born − 1 year); an invalid date: at every date, no age
    SELECT d.*, a.k AS age,
           CASE WHEN d.born IS NULL THEN DATE '-infinity'
                WHEN a.k = 0 THEN CAST(d.born - to_years(1) AS DATE) + 1
                ELSE CAST(d.born + to_years(CAST(a.k AS INTEGER)) AS DATE) END AS age_from,
           CASE WHEN d.born IS NULL THEN DATE 'infinity'
                ELSE CAST(d.born + to_years(CAST(a.k + 1 AS INTEGER)) AS DATE) END AS age_to
    FROM dropouts d,
         LATERAL (SELECT unnest(CASE WHEN d.born IS NULL THEN [NULL]
                                     ELSE range(CAST($school_age_min AS BIGINT), CAST($school_age_max AS BIGINT) + 1)
                                END) AS k) a
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       a.name AS person_name, a.id_number, h.helper,
       format('{}（{}）失学辍学，但户"义务教育有保障"为"是"', a.relation,
              coalesce(CAST(a.age AS VARCHAR) || ' 岁', '出生日期无效')) AS detail,
       greatest(r.valid_from, a.age_from) AS flagged_from, least(r.valid_to, a.age_to) AS flagged_to
FROM ages a
JOIN registered r ON r.household_id = a.household_id AND r.valid_from < a.age_to AND a.age_from < r.valid_to
JOIN households h ON h.household_id = a.household_id
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
ORDER BY v.township_code, v.village_code, h.household_id, a.id_number, flagged_from
