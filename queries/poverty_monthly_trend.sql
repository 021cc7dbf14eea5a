-- 贫困人口与贫困发生率月度趋势: the area's 贫困人口 and 贫困发生率 at every month end from 2014-01 up to D
-- (the last point is D itself when D is not a month end).
-- Parameters: $as_of DATE (数据截止日期 D), $township VARCHAR (乡镇代码, 'ALL' = 全县).
-- How (events -> changes of the poor count -> running sum over a month calendar, one pass, no per-month
-- re-scan): every event changes its household's poor state, and the persons that enter or leave
-- poverty are booked at the first calendar point on or after the event. Imports are validated
-- (ingest/validate.py: 纳入 only when not on the register, 脱贫 only when poor, 返贫 only after 脱贫), so
-- 纳入/返贫 always add the household and 脱贫 always removes it; only 清退 depends on the state before it
-- (poor -> removed, already 脱贫 -> no change), and that is looked up for the few 清退 events alone.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d,
           least(DATE '2014-01-31', CAST($as_of AS DATE)) AS first_point
),
area_villages AS (
    SELECT village_code, rural_population FROM villages
    WHERE $township = 'ALL' OR township_code = $township
),
area_population AS (
    SELECT sum(rural_population) AS rural_population FROM area_villages
),
area_households AS (
    SELECT h.household_id, h.size FROM households h JOIN area_villages USING (village_code)
),
area_events AS (  -- the area's events dated on or before D, with the household's 家庭人口数
    SELECT e.household_id, e.date, e.event, e.event_order, ah.size
    FROM household_events e JOIN area_households ah USING (household_id), params p
    WHERE e.date <= p.d
),
removal_changes AS (  -- a 清退 removes the household's persons only when it was poor just before
    SELECT date, -size * CAST(prev_event IN ('纳入', '返贫') AS INTEGER) AS persons
    FROM (
        SELECT household_id, date, event, size,
               lag(event) OVER (PARTITION BY household_id ORDER BY date, event_order) AS prev_event
        FROM area_events
        WHERE household_id IN (SELECT household_id FROM area_events WHERE event = '清退')
    )
    WHERE event = '清退'
),
poor_changes AS (
    SELECT date, CASE event WHEN '脱贫' THEN -size ELSE size END AS persons
    FROM area_events WHERE event <> '清退'
    UNION ALL
    SELECT date, persons FROM removal_changes
),
persons_by_point AS (
    SELECT greatest(least(last_day(pc.date), p.d), p.first_point) AS point, sum(pc.persons) AS delta
    FROM poor_changes pc, params p
    GROUP BY 1
),
calendar AS (
    SELECT DISTINCT least(last_day(CAST(m AS DATE)), p.d) AS point
    FROM params p, generate_series(TIMESTAMP '2014-01-01', CAST(p.d AS TIMESTAMP), INTERVAL 1 MONTH) AS g(m)
)
SELECT c.point AS as_of,
       CAST(coalesce(sum(pp.delta) OVER (ORDER BY c.point), 0) AS BIGINT) AS poor_persons,
       100.0 * coalesce(sum(pp.delta) OVER (ORDER BY c.point), 0) / nullif(ap.rural_population, 0) AS incidence_pct
FROM calendar c
LEFT JOIN persons_by_point pp USING (point)
CROSS JOIN area_population ap
ORDER BY c.point
