-- level: township
-- 按月回放: 贫困人口, 贫困发生率 and 一降 of every township at the end of each month from 2014-01 to the
-- month of D (the last month is taken at D itself: records after D never count), for the map animation.
-- Parameters: $as_of DATE (数据截止日期 D).
-- Cost grows with the number of status changes, not households x months: each household_spans row (ingest/
-- derived.sql: a household's status from one day's last event until its next change) that is 未脱贫 (纳入,
-- 返贫) adds its 家庭人口数 in the month of valid_from and takes it away in the month of valid_to (when that is
-- on or before D), and a running sum per township turns the changes into month-end totals (a span that starts
-- and ends within one month cancels out). Changes before 2014 are folded into a 2013-12 baseline month, which
-- 2014's 一降 (against the previous year-end) needs. 贫困发生率 and 一降 from these: queries/parts/map_monthly_rates.sql.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, DATE '2013-12-01' AS baseline
),
months AS (
    SELECT CAST(m AS DATE) AS month
    FROM params p, range(p.baseline, date_trunc('month', p.d) + INTERVAL 1 MONTH, INTERVAL 1 MONTH) t(m)
),
poor_spans AS (
    SELECT s.township_code, s.size, s.valid_from, s.valid_to
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND s.event IN ('纳入', '返贫')
),
poor_change_by_township AS (
    SELECT township_code, month, sum(persons) AS persons_change
    FROM (
        SELECT township_code, greatest(CAST(date_trunc('month', valid_from) AS DATE), DATE '2013-12-01') AS month,
               sum(size) AS persons
        FROM poor_spans GROUP BY ALL
        UNION ALL
        SELECT township_code, greatest(CAST(date_trunc('month', valid_to) AS DATE), DATE '2013-12-01'), -sum(size)
        FROM poor_spans WHERE valid_to <= $as_of::DATE GROUP BY ALL
    )
    GROUP BY ALL
),
poor_by_month AS (
    SELECT t.township_code, m.month,
           sum(coalesce(pc.persons_change, 0)) OVER (PARTITION BY t.township_code ORDER BY m.month) AS poor_persons
    FROM townships t
    CROSS JOIN months m
    LEFT JOIN poor_change_by_township pc ON pc.township_code = t.township_code AND pc.month = m.month
),
{{map_monthly_rates}}
