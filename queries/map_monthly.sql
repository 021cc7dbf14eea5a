-- 按月回放: 贫困人口, 贫困发生率 and 一降 of every township at the end of each month from 2014-01 to the
-- month of D (the last month is taken at D itself: records after D never count), for the map animation.
-- Parameters: $as_of DATE (数据截止日期 D).
-- Cost grows with the number of household events, not households x months: each household contributes
-- only the months in which its poor/not-poor state changes (+size when it becomes poor, -size when it
-- stops), and a running sum per township turns the changes into month-end totals. Events before 2014
-- are folded into a 2013-12 baseline month, which 2014's 一降 (against the previous year-end) needs.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, DATE '2013-12-01' AS baseline
),
months AS (
    SELECT CAST(m AS DATE) AS month
    FROM params p, range(p.baseline, date_trunc('month', p.d) + INTERVAL 1 MONTH, INTERVAL 1 MONTH) t(m)
),
-- A household's state at the end of a month is its last event of that month (same-day order 纳入, 脱贫,
-- 返贫, 清退: sort key = day number * 8 + event_order); months without an event keep the previous state.
state_by_month AS (
    SELECT e.household_id,
           greatest(CAST(date_trunc('month', e.date) AS DATE), p.baseline) AS month,
           arg_max(e.event, (e.date - DATE '1970-01-01') * 8 + e.event_order) IN ('纳入', '返贫') AS poor
    FROM household_events e, params p
    WHERE e.date <= p.d
    GROUP BY ALL
),
state_changes AS (
    SELECT household_id, month,
           CAST(poor AS INTEGER)
             - coalesce(CAST(lag(poor) OVER (PARTITION BY household_id ORDER BY month) AS INTEGER), 0) AS change
    FROM state_by_month
),
poor_change_by_township AS (
    SELECT v.township_code, c.month, sum(c.change * h.size) AS persons_change
    FROM state_changes c
    JOIN households h USING (household_id)
    JOIN villages v USING (village_code)
    WHERE c.change <> 0
    GROUP BY ALL
),
poor_by_month AS (
    SELECT t.township_code, m.month,
           sum(coalesce(pc.persons_change, 0)) OVER (PARTITION BY t.township_code ORDER BY m.month) AS poor_persons
    FROM townships t
    CROSS JOIN months m
    LEFT JOIN poor_change_by_township pc ON pc.township_code = t.township_code AND pc.month = m.month
),
population AS (
    SELECT township_code, sum(rural_population) AS rural_population FROM villages GROUP BY township_code
),
incidence_by_month AS (
    SELECT pm.township_code, pm.month, CAST(pm.poor_persons AS BIGINT) AS poor_persons,
           100.0 * pm.poor_persons / nullif(pop.rural_population, 0) AS incidence_pct
    FROM poor_by_month pm LEFT JOIN population pop USING (township_code)
)
SELECT cur.township_code, t.township_name, strftime(cur.month, '%Y-%m') AS month,
       least(last_day(cur.month), p.d) AS month_end,
       cur.poor_persons, cur.incidence_pct,
       prev_dec.incidence_pct - cur.incidence_pct AS incidence_drop_pp
FROM incidence_by_month cur
JOIN townships t USING (township_code)
CROSS JOIN params p
LEFT JOIN incidence_by_month prev_dec
  ON prev_dec.township_code = cur.township_code AND prev_dec.month = make_date(year(cur.month) - 1, 12, 1)
WHERE cur.month > p.baseline
ORDER BY cur.month, cur.township_code
