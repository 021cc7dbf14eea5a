-- 按月回放的比率 (composed into queries/map_monthly.sql and queries/prepared/map_monthly.sql by the runner, at a
-- line `{{map_monthly_rates}}` after their CTEs `params` (d = D, baseline = 2013-12-01) and `poor_by_month`
-- (township_code, month, poor_persons: every township's 贫困人口 at the end of every month from the baseline to D's
-- month, at D itself for D's month); ends the query): 贫困发生率 over the township's 农业户籍人口, and 一降 against
-- the previous December, for the months after the baseline. Unordered: the replay (components/map_figures.py)
-- orders the rows by month and township itself, and sorting 190,000 rows at province scale is a third of the query.
towns AS (
    SELECT t.township_code, t.township_name, sum(v.rural_population) AS rural_population
    FROM townships t LEFT JOIN villages v USING (township_code)
    GROUP BY ALL
),
incidence_by_month AS (
    SELECT pm.township_code, t.township_name, pm.month, CAST(pm.poor_persons AS BIGINT) AS poor_persons,
           100.0 * pm.poor_persons / nullif(t.rural_population, 0) AS incidence_pct
    FROM poor_by_month pm JOIN towns t USING (township_code)
),
december AS (  -- each township's 贫困发生率 at the end of each year: the next year's 一降 baseline
    SELECT township_code, year(month) + 1 AS next_year, incidence_pct
    FROM incidence_by_month WHERE month(month) = 12
)
SELECT cur.township_code, cur.township_name, strftime(cur.month, '%Y-%m') AS month,
       least(last_day(cur.month), p.d) AS month_end,
       cur.poor_persons, cur.incidence_pct,
       prev_dec.incidence_pct - cur.incidence_pct AS incidence_drop_pp
FROM incidence_by_month cur
CROSS JOIN params p
LEFT JOIN december prev_dec ON prev_dec.township_code = cur.township_code AND prev_dec.next_year = year(cur.month)
WHERE cur.month > p.baseline
