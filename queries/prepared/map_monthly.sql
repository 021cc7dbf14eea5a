-- level: township
-- 按月回放 — from the tables built at publish (ingest/prepared_days.sql) instead of every household's spans: the
-- 贫困人口 of a township at the end of a month is its balance at the start of the next month (prepared_poverty_months,
-- the 纳入/返贫 spans: exit_year blank), and in D's own month its balance at that month's start plus its changes from
-- then to D (prepared_poverty_days). 贫困发生率 and 一降 from these by the part queries/map_monthly.sql composes too
-- (queries/parts/map_monthly_rates.sql).
-- The runner reads this for a date up to prepared_every_day.last_day of a version built with today's files
-- (queries.runner.every_day_key). Parameters: those of queries/map_monthly.sql.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, DATE '2013-12-01' AS baseline
),
months AS (
    SELECT CAST(m AS DATE) AS month
    FROM params p, range(p.baseline, date_trunc('month', p.d) + INTERVAL 1 MONTH, INTERVAL 1 MONTH) t(m)
),
month_end AS (  -- 贫困人口 at the end of each month before D's (the next month's opening balance), and at D
    SELECT township_code, CAST(month - INTERVAL 1 MONTH AS DATE) AS month, poor_persons
    FROM prepared_poverty_months
    WHERE exit_year IS NULL AND month > DATE '2013-12-01' AND month <= CAST(date_trunc('month', $as_of::DATE) AS DATE)
    UNION ALL
    SELECT township_code, CAST(date_trunc('month', $as_of::DATE) AS DATE), sum(poor_persons)
    FROM (
        SELECT township_code, poor_persons FROM prepared_poverty_months
        WHERE exit_year IS NULL AND month = CAST(date_trunc('month', $as_of::DATE) AS DATE)
        UNION ALL
        SELECT township_code, poor_persons FROM prepared_poverty_days
        WHERE exit_year IS NULL AND day >= CAST(date_trunc('month', $as_of::DATE) AS DATE) AND day <= $as_of::DATE
    )
    GROUP BY township_code
),
poor_by_month AS (  -- before a township's first change it has no balance row: none poor then
    SELECT t.township_code, m.month, coalesce(e.poor_persons, 0) AS poor_persons
    FROM townships t
    CROSS JOIN months m
    LEFT JOIN month_end e ON e.township_code = t.township_code AND e.month = m.month
),
{{map_monthly_rates}}
