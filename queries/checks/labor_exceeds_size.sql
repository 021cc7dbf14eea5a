-- level: household
-- 标题：劳动力人数超过家庭人口数
-- 简称：劳动力超人口
-- 严重程度：中
-- 对象：户
-- 说明：在册户的劳动力人数大于家庭人口数，必有一项录错。现行导入会把它当作错误拒收，
--   此规则用于核查更早导入、未经该项校验的数据。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）。
-- 结果：每个问题户一行（统一列，见 digital_exit.sql）。
WITH suspects AS (
    SELECT h.* FROM households h WHERE h.labor_count > h.size
),
status_at_d AS (  -- the last event on or before D; same-day events apply in the order 纳入, 脱贫, 返贫, 清退
    SELECT e.household_id, arg_max(e.event, (e.date, e.event_order)) AS event
    FROM household_events e SEMI JOIN suspects USING (household_id)
    WHERE e.date <= $as_of::DATE
    GROUP BY e.household_id
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       format('劳动力 {} 人，家庭人口仅 {} 人', h.labor_count, h.size) AS detail
FROM suspects h
JOIN status_at_d s USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE s.event IN ('纳入', '脱贫', '返贫')  -- 在册: 未脱贫 (纳入, 返贫) or 已脱贫 (脱贫) at D
  AND ($township = 'ALL' OR v.township_code = $township)
ORDER BY v.township_code, v.village_code, h.household_id
