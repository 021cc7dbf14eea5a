-- 标题：因病、因残致贫却无患病或残疾成员
-- 简称：致贫原因与健康不符
-- 严重程度：中
-- 对象：户
-- 说明：在册户主要致贫原因为"因病"，家庭成员中却没有"长期慢性病"或"患有大病"的人；或为"因残"，却没有"残疾"
--   的人。原因与成员情况对不上，健康扶贫、残疾人帮扶措施就落不到实处。没有该户成员记录时不判断。
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
member_health AS (
    SELECT household_id,
           count(*) FILTER (WHERE health IN ('长期慢性病', '患有大病')) AS ill,
           count(*) FILTER (WHERE health = '残疾') AS disabled
    FROM household_members
    GROUP BY household_id
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       CASE WHEN h.main_cause = '因病' THEN '主要致贫原因为「因病」，家庭成员中没有长期慢性病或患有大病的人'
            ELSE '主要致贫原因为「因残」，家庭成员中没有残疾人' END AS detail
FROM registered r
JOIN households h USING (household_id)
JOIN member_health mh USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE ((h.main_cause = '因病' AND mh.ill = 0) OR (h.main_cause = '因残' AND mh.disabled = 0))
  AND ($township = 'ALL' OR v.township_code = $township)
ORDER BY v.township_code, v.village_code, h.household_id
