-- level: household
-- 标题：家庭成员人数与家庭人口数不一致
-- 简称：人口数不符
-- 严重程度：低
-- 对象：户
-- 说明：在册户"家庭成员"表中登记的人数，与"农户"表的家庭人口数不一致。指标按家庭人口数计算，
--   成员表漏人或多人会让因学、因病、劳动力等核实失去依据。没有导入家庭成员表时，本规则不适用。
-- 参数：无（全县、全部日期）。
-- 结果：每个问题户在册的每个状态区间一行（统一列，见 digital_exit.sql），flagged_from, flagged_to：
--   截止日期 D 满足 flagged_from <= D < flagged_to 时列出。
WITH registered AS (  -- 在册: the household_spans rows (ingest/derived.sql; same-day events in the order 纳入, 脱贫,
                      -- 返贫, 清退) of 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫), each valid from valid_from until valid_to
    SELECT s.household_id, s.valid_from, s.valid_to
    FROM household_spans s
    WHERE s.event IN ('纳入', '脱贫', '返贫')
),
mismatched AS (  -- household_member_counts (ingest/derived.sql): members listed vs 家庭人口数
    SELECT household_id, members FROM household_member_counts
    WHERE members <> size
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       format('家庭人口数 {} 人，家庭成员表登记 {} 人', h.size, mc.members) AS detail,
       r.valid_from AS flagged_from, r.valid_to AS flagged_to
FROM mismatched mc
JOIN registered r USING (household_id)
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE EXISTS (SELECT 1 FROM household_members)  -- the sheet is optional: no members at all means not imported
ORDER BY v.township_code, v.village_code, h.household_id, r.valid_from
