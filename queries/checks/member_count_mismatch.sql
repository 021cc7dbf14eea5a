-- level: household
-- 标题：家庭成员人数与家庭人口数不一致
-- 简称：人口数不符
-- 严重程度：低
-- 对象：户
-- 说明：在册户"家庭成员"表中登记的人数，与"农户"表的家庭人口数不一致。指标按家庭人口数计算，
--   成员表漏人或多人会让因学、因病、劳动力等核实失去依据。没有导入家庭成员表时，本规则不适用。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）。
-- 结果：每个问题户一行（统一列，见 digital_exit.sql）。
WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                 -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
    SELECT s.household_id
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
      AND ($township = 'ALL' OR s.township_code = $township)
),
mismatched AS (  -- household_member_counts (ingest/derived.sql): members listed vs 家庭人口数
    SELECT household_id, members FROM household_member_counts
    WHERE members <> size AND ($township = 'ALL' OR township_code = $township)
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       format('家庭人口数 {} 人，家庭成员表登记 {} 人', h.size, mc.members) AS detail
FROM mismatched mc
SEMI JOIN registered USING (household_id)
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE EXISTS (SELECT 1 FROM household_members)  -- the sheet is optional: no members at all means not imported
ORDER BY v.township_code, v.village_code, h.household_id
