-- level: household
-- 标题：劳动力人数超过家庭人口数
-- 简称：劳动力超人口
-- 严重程度：中
-- 对象：户
-- 说明：在册户的劳动力人数大于家庭人口数，必有一项录错。现行导入会把它当作错误拒收，
--   此规则用于核查更早导入、未经该项校验的数据。
-- 参数：无（全县、全部日期）。
-- 结果：每个问题户在册的每个状态区间一行（统一列，见 digital_exit.sql），flagged_from, flagged_to：
--   截止日期 D 满足 flagged_from <= D < flagged_to 时列出。
WITH suspects AS (
    SELECT h.* FROM households h WHERE h.labor_count > h.size
),
day_end AS (  -- the status at the end of each day with events: same-day events apply in the order 纳入, 脱贫, 返贫,
             -- 清退 (read from household_events itself: versions loaded before validation lack the derived tables)
    SELECT e.household_id, e.date, arg_max(e.event, e.event_order) AS event
    FROM household_events e SEMI JOIN suspects USING (household_id)
    GROUP BY e.household_id, e.date
),
status AS (  -- each status from its day until the household's next day with events
    SELECT household_id, event, date AS valid_from,
           coalesce(lead(date) OVER (PARTITION BY household_id ORDER BY date), DATE 'infinity') AS valid_to
    FROM day_end
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       format('劳动力 {} 人，家庭人口仅 {} 人', h.labor_count, h.size) AS detail,
       s.valid_from AS flagged_from, s.valid_to AS flagged_to
FROM suspects h
JOIN status s USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE s.event IN ('纳入', '脱贫', '返贫')  -- 在册: 未脱贫 (纳入, 返贫) or 已脱贫 (脱贫)
ORDER BY v.township_code, v.village_code, h.household_id, s.valid_from
