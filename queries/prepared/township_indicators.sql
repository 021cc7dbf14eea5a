-- level: township
-- 乡镇指标总表 — from the tables built at publish (ingest/prepared_days.sql): each additive measure of
-- queries/township_indicators.sql at D is its balance at the start of D's month (prepared_<x>_months) plus its
-- changes from then to D (prepared_<x>_days), grouped by ROLLUP(township_code) as there; the poor persons at the
-- end of last year are the balance at the start of January. Then the same parts `{{township_dates}}` and
-- `{{township_score}}` (queries/parts/), so the indicators, score and rank are made by one file for both paths.
-- The runner reads this for a date up to prepared_every_day.last_day of a version built with today's files
-- (queries.runner.every_day_key). Parameters: those of queries/township_indicators.sql.
WITH
{{township_dates}}
poverty_both AS (  -- 纳入/返贫 spans covering D and the end of last year; 脱贫 spans of year Y covering D
    SELECT coalesce(township_code, 'ALL') AS township_code,
           sum(poor_persons) FILTER (WHERE at_d) AS poor_persons,
           sum(exited_persons) FILTER (WHERE at_d AND exit_year = year($as_of::DATE)) AS exited_persons_ytd,
           sum(poor_persons) FILTER (WHERE NOT at_d) AS poor_persons_prev
    FROM (
        SELECT township_code, exit_year, poor_persons, exited_persons, true AS at_d
        FROM prepared_poverty_months WHERE month = CAST(date_trunc('month', $as_of::DATE) AS DATE)
        UNION ALL
        SELECT township_code, exit_year, poor_persons, exited_persons, true
        FROM prepared_poverty_days
        WHERE day >= CAST(date_trunc('month', $as_of::DATE) AS DATE) AND day <= $as_of::DATE
        UNION ALL
        SELECT township_code, exit_year, poor_persons, exited_persons, false
        FROM prepared_poverty_months WHERE month = make_date(year($as_of::DATE), 1, 1)
    )
    GROUP BY ROLLUP (township_code)
),
income AS (  -- households counted at D with income in both I and I-1
    SELECT coalesce(township_code, 'ALL') AS township_code,
           sum(income_amount) AS income_amount,
           sum(income_prev_amount) AS income_prev_amount,
           sum(income_persons) AS income_persons
    FROM (
        SELECT township_code, income_amount, income_prev_amount, income_persons
        FROM prepared_income_months
        WHERE year = (SELECT i FROM income_year) AND month = CAST(date_trunc('month', $as_of::DATE) AS DATE)
        UNION ALL
        SELECT township_code, income_amount, income_prev_amount, income_persons
        FROM prepared_income_days
        WHERE year = (SELECT i FROM income_year)
          AND day >= CAST(date_trunc('month', $as_of::DATE) AS DATE) AND day <= $as_of::DATE
    )
    GROUP BY ROLLUP (township_code)
),
funds AS (  -- funds of year Y dated ≤ D
    SELECT coalesce(township_code, 'ALL') AS township_code,
           sum(allocated) AS allocated,
           sum(spent) AS spent,
           sum(allocated_industry) AS allocated_industry
    FROM (
        SELECT township_code, allocated, spent, allocated_industry
        FROM prepared_fund_months
        WHERE year = year($as_of::DATE) AND month = CAST(date_trunc('month', $as_of::DATE) AS DATE)
        UNION ALL
        SELECT township_code, allocated, spent, allocated_industry
        FROM prepared_fund_days
        WHERE year = year($as_of::DATE)
          AND day >= CAST(date_trunc('month', $as_of::DATE) AS DATE) AND day <= $as_of::DATE
    )
    GROUP BY ROLLUP (township_code)
),
project_counts AS (  -- projects of year Y with their status at D
    SELECT coalesce(township_code, 'ALL') AS township_code,
           CAST(sum(projects) AS BIGINT) AS projects,
           CAST(sum(projects_completed) AS BIGINT) AS projects_completed,
           CAST(sum(overdue_projects) AS BIGINT) AS overdue_projects
    FROM (
        SELECT township_code, projects, projects_completed, overdue_projects
        FROM prepared_project_months
        WHERE year = year($as_of::DATE) AND month = CAST(date_trunc('month', $as_of::DATE) AS DATE)
        UNION ALL
        SELECT township_code, projects, projects_completed, overdue_projects
        FROM prepared_project_days
        WHERE year = year($as_of::DATE)
          AND day >= CAST(date_trunc('month', $as_of::DATE) AS DATE) AND day <= $as_of::DATE
    )
    GROUP BY ROLLUP (township_code)
),
{{township_score}}
