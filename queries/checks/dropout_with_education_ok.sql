-- level: household
-- 标题：有失学辍学儿童却填"义务教育有保障"
-- 简称：辍学与教育保障矛盾
-- 严重程度：高
-- 对象：成员
-- 说明：在册户有义务教育阶段年龄（默认 6–16 周岁，按身份证出生日期在截止日期时计算；出生日期无效的也列出）
--   的成员在校生状况为"失学辍学"，而户的"义务教育有保障"填了"是"。控辍保学是"三保障"的硬任务，两者必有一错。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）；$school_age_min、$school_age_max INTEGER（周岁，含两端）。
-- 结果：每个辍学成员一行（统一列，见 digital_exit.sql）；person_name、id_number 为该成员。
WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                 -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
    SELECT s.household_id
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
      AND ($township = 'ALL' OR s.township_code = $township)
),
dropouts AS (
    SELECT m.household_id, m.name, m.id_number, m.relation,
           date_sub('year', CAST(try_strptime(CASE WHEN length(m.id_number) = 18 THEN m.id_number[7:14]
                                                  ELSE '19' || m.id_number[7:12] END, '%Y%m%d') AS DATE),
                    $as_of::DATE) AS age
    FROM household_members m SEMI JOIN registered USING (household_id)
    WHERE m.schooling = '失学辍学'
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       d.name AS person_name, d.id_number, h.helper,
       format('{}（{}）失学辍学，但户"义务教育有保障"为"是"', d.relation,
              coalesce(CAST(d.age AS VARCHAR) || ' 岁', '出生日期无效')) AS detail
FROM dropouts d
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE h.education AND (d.age IS NULL OR d.age BETWEEN $school_age_min AND $school_age_max)
ORDER BY v.township_code, v.village_code, h.household_id, d.id_number
