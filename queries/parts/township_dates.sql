-- 乡镇指标的日期 (composed into queries/township_indicators.sql and queries/prepared/township_indicators.sql by
-- the runner, at a line `{{township_dates}}` right after WITH; ends with a comma): the dates a view at D = $as_of
-- looks at — D, its year Y, the end of last year (一降's baseline) — and the county's income year I.
params AS (
    SELECT CAST($as_of AS DATE) AS d,
           year(CAST($as_of AS DATE)) AS y,
           make_date(year(CAST($as_of AS DATE)) - 1, 12, 31) AS prev_year_end
),
income_year AS (  -- one I for the whole county: the latest year ≤ Y with any income record
    SELECT max(iy.year) AS i FROM income_years iy, params p WHERE iy.year <= p.y
),
