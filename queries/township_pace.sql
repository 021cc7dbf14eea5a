-- level: township
-- 年底进度: per township (and 'ALL'), the persons who exited in the last $window_days days up to D and are
-- still 已脱贫 at D — the recent pace behind "按当前进度预计 X 月 X 日完成 / 年底差 N 人".
-- Parameters: $as_of DATE (数据截止日期 D), $window_days INTEGER (28 = four weeks).
-- The window never reaches into the year before D (a year's exits count towards that year's target only):
-- window_start = the later of D − $window_days and the last day of the year before; window_days says how
-- many days the window really spans (in the first week of January: fewer than seven).
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d,
           greatest(CAST($as_of AS DATE) - CAST($window_days AS INTEGER),
                    make_date(year(CAST($as_of AS DATE)) - 1, 12, 31)) AS window_start
),
exits AS (
    SELECT coalesce(s.township_code, 'ALL') AS township_code, sum(s.size) AS exited_window
    FROM household_spans s, params p
    WHERE s.event = '脱贫' AND s.valid_from > p.window_start AND s.valid_from <= p.d AND p.d < s.valid_to
    GROUP BY ROLLUP (s.township_code)
),
areas AS (
    SELECT township_code FROM townships UNION ALL SELECT 'ALL'
)
SELECT a.township_code, p.window_start, CAST(p.d - p.window_start AS INTEGER) AS window_days,
       CAST(coalesce(e.exited_window, 0) AS BIGINT) AS exited_window
FROM areas a CROSS JOIN params p LEFT JOIN exits e USING (township_code)
ORDER BY a.township_code = 'ALL', a.township_code
