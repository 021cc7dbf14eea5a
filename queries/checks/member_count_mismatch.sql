-- 标题：家庭成员人数与家庭人口数不一致
-- 简称：人口数不符
-- 严重程度：低
-- 对象：户
-- 说明：在册户"家庭成员"表中登记的人数，与"农户"表的家庭人口数不一致。指标按家庭人口数计算，
--   成员表漏人或多人会让因学、因病、劳动力等核实失去依据。没有导入家庭成员表时，本规则不适用。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）。
-- 结果：每个问题户一行（统一列，见 digital_exit.sql）。
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
members_counted AS (
    SELECT household_id, count(*) AS members FROM household_members GROUP BY household_id
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       format('家庭人口数 {} 人，家庭成员表登记 {} 人', h.size, coalesce(mc.members, 0)) AS detail
FROM registered r
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
LEFT JOIN members_counted mc USING (household_id)
WHERE EXISTS (SELECT 1 FROM household_members)  -- the sheet is optional: no members at all means not imported
  AND coalesce(mc.members, 0) <> h.size
  AND ($township = 'ALL' OR v.township_code = $township)
ORDER BY v.township_code, v.village_code, h.household_id
