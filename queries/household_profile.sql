-- level: household
-- 一户一本台账（户档案）: one household with its village, township, 联系县领导, 第一书记, status at D, date of its
-- last event on or before D, and the number of 家庭成员 recorded. No row when the 户编号 does not exist.
-- Parameters: $household_id VARCHAR (户编号), $township VARCHAR ('ALL' = any; a 乡镇 user is held to theirs), $as_of DATE (D).
WITH params AS (SELECT CAST($as_of AS DATE) AS d),
status_at_d AS (
    SELECT arg_max(e.event, (e.date - DATE '1970-01-01') * 8 + e.event_order) AS event, max(e.date) AS last_event_date
    FROM household_events e, params p
    WHERE e.household_id = $household_id AND e.date <= p.d
),
members AS (
    SELECT count(*) AS members_recorded FROM household_members WHERE household_id = $household_id
)
SELECT h.household_id, h.head_name, h.head_id_number, h.village_code, v.village_name, v.township_code,
       t.township_name, t.county_leader, v.first_secretary, v.is_poor_village, v.exit_year,
       h.size, h.attribute, h.main_cause, h.labor_count, h.helper,
       h.food_clothing, h.education, h.medical, h.housing, h.water,
       CASE s.event WHEN '纳入' THEN '未脱贫' WHEN '返贫' THEN '未脱贫' WHEN '脱贫' THEN '已脱贫'
                    WHEN '清退' THEN '已清退' ELSE '未纳入' END AS status,
       s.last_event_date, m.members_recorded
FROM households h
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
CROSS JOIN status_at_d s
CROSS JOIN members m
WHERE h.household_id = $household_id AND ($township = 'ALL' OR v.township_code = $township)
