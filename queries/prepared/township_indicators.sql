-- level: township
-- 乡镇指标总表 — from the per-day change tables built at publish (ingest/prepared_days.sql): each additive measure
-- of queries/township_indicators.sql at D is the sum of its changes dated on or before D, grouped by
-- ROLLUP(township_code) as there; then the same parts `{{township_dates}}` and `{{township_score}}`
-- (queries/parts/), so the indicators, score and rank are made by one file for both. The runner reads this at any
-- date for a version whose prepared_every_day lists it with today's files (queries.runner.every_day_key).
-- Parameters: those of queries/township_indicators.sql.
WITH
{{township_dates}}
poverty_both AS (  -- 纳入/返贫 spans covering D and at the end of last year; 脱贫 spans of year Y covering D
    SELECT coalesce(township_code, 'ALL') AS township_code,
           sum(poor_persons) AS poor_persons,
           sum(exited_persons) FILTER (WHERE exit_year = year($as_of::DATE)) AS exited_persons_ytd,
           sum(poor_persons) FILTER (WHERE day <= make_date(year($as_of::DATE) - 1, 12, 31)) AS poor_persons_prev
    FROM prepared_poverty_days
    WHERE day <= $as_of::DATE
    GROUP BY ROLLUP (township_code)
),
income AS (  -- households counted at D with income in both I and I-1
    SELECT coalesce(township_code, 'ALL') AS township_code,
           sum(income_amount) AS income_amount,
           sum(income_prev_amount) AS income_prev_amount,
           sum(income_persons) AS income_persons
    FROM prepared_income_days
    WHERE year = (SELECT i FROM income_year) AND day <= $as_of::DATE
    GROUP BY ROLLUP (township_code)
),
funds AS (  -- funds of year Y dated ≤ D
    SELECT coalesce(township_code, 'ALL') AS township_code,
           sum(allocated) AS allocated,
           sum(spent) AS spent,
           sum(allocated_industry) AS allocated_industry
    FROM prepared_fund_days
    WHERE year = year($as_of::DATE) AND day <= $as_of::DATE
    GROUP BY ROLLUP (township_code)
),
project_counts AS (  -- projects of year Y with their status at D
    SELECT coalesce(township_code, 'ALL') AS township_code,
           CAST(sum(projects) AS BIGINT) AS projects,
           CAST(sum(projects_completed) AS BIGINT) AS projects_completed,
           CAST(sum(overdue_projects) AS BIGINT) AS overdue_projects
    FROM prepared_project_days
    WHERE year = year($as_of::DATE) AND day <= $as_of::DATE
    GROUP BY ROLLUP (township_code)
),
{{township_score}}
