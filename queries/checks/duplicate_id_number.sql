-- level: household
-- 标题：同一身份证号出现在两个及以上户
-- 简称：身份证重号
-- 严重程度：高
-- 对象：成员
-- 说明：一个人只能在一个户里。同一身份证号（户主或家庭成员；15 位旧号按 18 位前 17 位比对）出现在两个以上
--   在册户，多为分户、迁移后没有注销，或者录错号码，会造成人口重复计算。每个涉及的户各列一行。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）。
-- 结果：每个（身份证号, 户）一行（统一列，见 digital_exit.sql）；person_name、id_number 为该户中登记的人。
WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                 -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
    SELECT s.household_id
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
),
person_keys AS (  -- household_persons (ingest/derived.sql): one row per person and household; only keys that
                  -- some two households list at all can be shared by two registered ones
    SELECT p.household_id, p.township_code AS home_township, p.id_number, p.person_key, p.name, p.relation
    FROM household_persons p SEMI JOIN registered USING (household_id)
    WHERE p.key_households > 1
),
shared_keys AS (  -- shared among the households registered at D, county-wide; only the 户编号 of $township are
                  -- named (a 乡镇 user learns that other townships hold the number, not which households)
    SELECT person_key, count(DISTINCT household_id) AS households,
           string_agg(DISTINCT household_id, '、' ORDER BY household_id)
               FILTER (WHERE $township = 'ALL' OR home_township = $township) AS household_ids,
           count(DISTINCT household_id) FILTER (WHERE NOT ($township = 'ALL' OR home_township = $township)) AS elsewhere
    FROM person_keys
    GROUP BY person_key
    HAVING count(DISTINCT household_id) > 1
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       pk.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       pk.name AS person_name, pk.id_number, h.helper,
       format('该户「{}」的身份证号同时登记在 {} 个户：{}{}', pk.relation, sk.households, sk.household_ids,
              CASE WHEN sk.elsewhere > 0 THEN format('（另有 {} 户在其他乡镇）', sk.elsewhere) ELSE '' END) AS detail
FROM person_keys pk
JOIN shared_keys sk USING (person_key)
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE ($township = 'ALL' OR v.township_code = $township)
ORDER BY pk.person_key, v.township_code, pk.household_id
