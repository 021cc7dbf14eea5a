-- level: township
-- 返贫户数：截止日期及以前每个月的返贫事件，按户的主要致贫原因分列（返贫原因未单独登记，以致贫原因代替）。
-- 参数：$as_of DATE；$township VARCHAR（乡镇代码，'ALL' = 全县）。
-- 结果：month（当月第一天）, main_cause, households（返贫户次）, persons（家庭人口数之和），按月份、原因排序。
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d
),
returns AS (
    SELECT e.household_id, CAST(date_trunc('month', e.date) AS DATE) AS month
    FROM household_events e, params p
    WHERE e.event = '返贫' AND e.date <= p.d
)
SELECT r.month, h.main_cause, count(*) AS households, CAST(sum(h.size) AS BIGINT) AS persons
FROM returns r
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
WHERE $township = 'ALL' OR v.township_code = $township
GROUP BY ALL
ORDER BY r.month, h.main_cause
