-- level: household
-- 农户状态变化: a household's events dated on or before D, in the order they apply (same-day events:
-- 纳入, 脱贫, 返贫, 清退), each with the status it leaves the household in.
-- Parameters: $household_id VARCHAR (户编号), $township VARCHAR ('ALL' = any; a 乡镇 user is held to theirs), $as_of DATE (D).
WITH in_scope AS (  -- the household, only when it belongs to $township ('ALL' = any)
    SELECT h.household_id FROM households h JOIN villages v USING (village_code)
    WHERE h.household_id = $household_id AND ($township = 'ALL' OR v.township_code = $township)
)
SELECT date, event,
       CASE event WHEN '纳入' THEN '未脱贫' WHEN '返贫' THEN '未脱贫' WHEN '脱贫' THEN '已脱贫' ELSE '已清退' END
           AS status_after
FROM household_events
WHERE household_id IN (SELECT household_id FROM in_scope) AND date <= CAST($as_of AS DATE)
ORDER BY date, event_order
