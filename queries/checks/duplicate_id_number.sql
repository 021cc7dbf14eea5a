-- 标题：同一身份证号出现在两个及以上户
-- 简称：身份证重号
-- 严重程度：高
-- 对象：成员
-- 说明：一个人只能在一个户里。同一身份证号（户主或家庭成员；15 位旧号按 18 位前 17 位比对）出现在两个以上
--   在册户，多为分户、迁移后没有注销，或者录错号码，会造成人口重复计算。每个涉及的户各列一行。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）。
-- 结果：每个（身份证号, 户）一行（统一列，见 digital_exit.sql）；person_name、id_number 为该户中登记的人。
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
persons AS (  -- heads and members of registered households; the head usually appears in both lists
    SELECT household_id, head_name AS name, upper(head_id_number) AS id_number, '户主' AS relation
    FROM households JOIN registered USING (household_id)
    UNION ALL
    SELECT household_id, name, upper(id_number), relation
    FROM household_members JOIN registered USING (household_id)
),
person_keys AS (  -- one row per person and household; 15-digit numbers compared as their 18-digit body
    SELECT household_id, id_number,
           CASE WHEN length(id_number) = 15 THEN id_number[1:6] || '19' || id_number[7:15]
                ELSE id_number[1:17] END AS person_key,
           min(name) AS name, min(relation) AS relation
    FROM persons
    GROUP BY ALL
),
shared_keys AS (
    SELECT person_key, count(DISTINCT household_id) AS households,
           string_agg(DISTINCT household_id, '、' ORDER BY household_id) AS household_ids
    FROM person_keys
    GROUP BY person_key
    HAVING count(DISTINCT household_id) > 1
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       pk.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       pk.name AS person_name, pk.id_number, h.helper,
       format('该户「{}」的身份证号同时登记在 {} 个户：{}', pk.relation, sk.households, sk.household_ids) AS detail
FROM person_keys pk
JOIN shared_keys sk USING (person_key)
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE ($township = 'ALL' OR v.township_code = $township)
ORDER BY pk.person_key, v.township_code, pk.household_id
