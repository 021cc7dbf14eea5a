-- level: township
-- 按月回放 — from the tables built at publish (ingest/prepared_days.sql) instead of every household's spans: the months
-- before D's month are the rows of prepared_map_months (the same at any D: made at publish by the part below), and
-- D's own month is made here by that part from two values per township — its 贫困人口 at D (the balance at the
-- start of D's month, prepared_poverty_months, plus its changes from then to D, prepared_poverty_days; the 纳入/返贫
-- spans: exit_year blank) and at the end of the December before (一降's baseline: the next month's opening balance).
-- The runner reads this for a date up to prepared_every_day.last_day of a version built with today's files
-- (queries.runner.every_day_key). Parameters: those of queries/map_monthly.sql.
WITH params AS (  -- the part's baseline: the December before D's month (none before 2013-12, as queries/map_monthly.sql)
    SELECT CAST($as_of AS DATE) AS d,
           greatest(make_date(year(CAST($as_of AS DATE)) - 1, 12, 1), DATE '2013-12-01') AS baseline
),
months AS (  -- that December and D's month (one month when D is in December 2013)
    SELECT baseline AS month FROM params
    UNION
    SELECT CAST(date_trunc('month', d) AS DATE) FROM params
),
month_end AS (  -- 贫困人口 at the end of that December, and at D
    SELECT township_code, p.baseline AS month, poor_persons
    FROM prepared_poverty_months, params p
    WHERE exit_year IS NULL AND month = CAST(p.baseline + INTERVAL 1 MONTH AS DATE)
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
UNION ALL  -- the months before D's: the part's rows made at publish
SELECT township_code, township_name, month, month_end, poor_persons, incidence_pct, incidence_drop_pp
FROM prepared_map_months
WHERE month_end < CAST(date_trunc('month', $as_of::DATE) AS DATE)
