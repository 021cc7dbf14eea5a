-- level: township
-- 贫困人口与贫困发生率月度趋势: the area's 贫困人口 and 贫困发生率 at every month end from 2014-01 up to D
-- (the last point is D itself when D is not a month end).
-- Parameters: $as_of DATE (数据截止日期 D), $township VARCHAR (乡镇代码, 'ALL' = 全县).
-- How (status spans -> changes of the poor count -> running sum over a month calendar, one pass, no per-month
-- re-scan): each household_spans row (ingest/derived.sql: a household's status from one day's last event until
-- its next change) that is 未脱贫 (纳入, 返贫) adds its 家庭人口数 at the first calendar point on or after
-- valid_from and takes it away again at the first point on or after valid_to (when that is on or before D).
-- A span that starts and ends between two points adds and removes at the same point, so it never shows.
WITH area_villages AS (
    SELECT village_code, rural_population FROM villages
    WHERE $township = 'ALL' OR township_code = $township
),
area_population AS (
    SELECT sum(rural_population) AS rural_population FROM area_villages
),
poor_spans AS (  -- the area's 未脱贫 spans that start on or before D
    SELECT s.size, s.valid_from, s.valid_to
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND s.event IN ('纳入', '返贫')
      AND ($township = 'ALL' OR s.township_code = $township)
),
poor_changes AS (  -- booked at the first calendar point on or after the change
    SELECT greatest(least(last_day(valid_from), $as_of::DATE), least(DATE '2014-01-31', $as_of::DATE)) AS point,
           sum(size) AS persons
    FROM poor_spans GROUP BY 1
    UNION ALL
    SELECT greatest(least(last_day(valid_to), $as_of::DATE), least(DATE '2014-01-31', $as_of::DATE)),
           -sum(size)
    FROM poor_spans WHERE valid_to <= $as_of::DATE GROUP BY 1
),
persons_by_point AS (
    SELECT point, sum(persons) AS delta FROM poor_changes GROUP BY point
),
calendar AS (
    SELECT DISTINCT least(last_day(CAST(m AS DATE)), $as_of::DATE) AS point
    FROM generate_series(TIMESTAMP '2014-01-01', CAST($as_of::DATE AS TIMESTAMP), INTERVAL 1 MONTH) AS g(m)
)
SELECT c.point AS as_of,
       CAST(coalesce(sum(pp.delta) OVER (ORDER BY c.point), 0) AS BIGINT) AS poor_persons,
       100.0 * coalesce(sum(pp.delta) OVER (ORDER BY c.point), 0) / nullif(ap.rural_population, 0) AS incidence_pct
FROM calendar c
LEFT JOIN persons_by_point pp USING (point)
CROSS JOIN area_population ap
ORDER BY c.point
