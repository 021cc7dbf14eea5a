-- level: township
-- 周调度·资金记录数: per township, how many allocation and payment records of projects of year Y are dated
-- on or before D. A funds ratio (结余率, 产业资金占比) resting on one or two early records is not yet a
-- 督办事项 (a single early allocation shows 0% industry share or 100% balance).
-- Parameters: $as_of DATE (数据截止日期 D).
SELECT t.township_code,
       CAST(count(f.date) FILTER (WHERE f.allocated > 0) AS INTEGER) AS allocation_records,
       CAST(count(f.date) FILTER (WHERE f.spent > 0) AS INTEGER) AS payment_records
FROM townships t
LEFT JOIN fund_flows f ON f.township_code = t.township_code
    AND f.year = year(CAST($as_of AS DATE)) AND f.date <= CAST($as_of AS DATE)
GROUP BY t.township_code
ORDER BY t.township_code
