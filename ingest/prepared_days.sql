-- 逐日变化与月初余额 (issue 18): the additive measures of queries/township_indicators.sql per township, built at
-- publish from the derived tables (ingest/derived.sql), so that queries/prepared/township_indicators.sql reads a
-- measure at D as
--     its balance at the start of D's month (prepared_<x>_months: the sum of its changes dated before that day)
--   + its changes from that day to D (prepared_<x>_days: the net change per township and day)
-- — about one month of rows per township, whatever the number of households or years.
-- Every measure is a sum over spans [from, to) (<x>_changes below): it changes by +amount on `from` and −amount on
-- `to`. A measure counted in one year only — the exits of year Y, the funds and projects of 年度 Y, asked at D in Y —
-- has balances at the month starts of that year; the income of income year I (asked in any year from I on) at the
-- month starts from January of I; the poor persons from their first change. Balances run until
-- getvariable('prepared_until'), the last date the tables answer (the end of the year after the data date, set by
-- ingest/prepared_days.py; the runner runs the query itself after it), and changes after it are left out. A change
-- before a key's first month start counts in that balance, so the days tables hold only the changes from then on.
-- prepared_every_day lists the queries these tables answer, with the digest of the files they were built for
-- (queries.runner.every_day_key) and that last date: the runner reads them only while the files are the same.
--
-- A month-start balance is made without joining every month start with every balance: the changes of each month
-- are summed at the start of the next one (by_month, a few rows per key), run into balances (running), and each
-- balance is spread over the month starts it holds for — from its month until the next balance's (next_month), the
-- last one until the key's last month start — with blank balances at the month starts before the key's first
-- change: at each month start, the balance of the latest change month on or before it.

-- 贫困人口与脱贫人口: household_spans. A span of 纳入 or 返贫 counts in poor_persons while it covers D (rows with a
-- blank exit_year); a span of 脱贫 counts in the exits of the year it began (exit_year) while it covers D.
CREATE OR REPLACE TEMP VIEW poverty_changes AS
WITH counted AS (
    SELECT township_code, size, valid_from, valid_to,
           CASE WHEN event = '脱贫' THEN year(valid_from) END AS exit_year
    FROM household_spans
    WHERE event IN ('纳入', '返贫', '脱贫')
)
SELECT township_code, exit_year, valid_from AS day, size AS persons FROM counted
WHERE valid_from <= getvariable('prepared_until')
UNION ALL
SELECT township_code, exit_year, valid_to, -size FROM counted
WHERE valid_to <= getvariable('prepared_until');

CREATE OR REPLACE TABLE prepared_poverty_days AS
SELECT township_code, exit_year, day,  -- one sum per group (exit_year is a key): poor persons or exits
       CASE WHEN exit_year IS NULL THEN sum(persons) END AS poor_persons,
       CASE WHEN exit_year IS NOT NULL THEN sum(persons) END AS exited_persons
FROM poverty_changes
GROUP BY township_code, exit_year, day
ORDER BY day;

CREATE OR REPLACE TABLE prepared_poverty_months AS
WITH by_month AS (  -- the changes of each month, at the start of the next one (from the day table: it holds every day)
    SELECT township_code, exit_year, last_day(day) + 1 AS month,
           sum(poor_persons) AS poor_persons, sum(exited_persons) AS exited_persons
    FROM prepared_poverty_days
    GROUP BY ALL
),
running AS (  -- poor persons: from the month before their first change; exits: the month starts of their year
    SELECT township_code, exit_year, month,
           sum(poor_persons) OVER w AS poor_persons, sum(exited_persons) OVER w AS exited_persons,
           lead(month) OVER w AS next_month, row_number() OVER w = 1 AS first_change,
           CASE WHEN exit_year IS NULL THEN first_value(month) OVER w - INTERVAL 1 MONTH
                ELSE make_date(exit_year, 1, 1) END AS first_month,
           CASE WHEN exit_year IS NULL THEN date_trunc('month', getvariable('prepared_until'))
                ELSE make_date(exit_year, 12, 1) END AS last_month
    FROM by_month
    WINDOW w AS (PARTITION BY township_code, exit_year ORDER BY month ROWS UNBOUNDED PRECEDING)
)
SELECT township_code, exit_year,
       CAST(unnest(generate_series(greatest(month, first_month),
                                   least(coalesce(next_month - INTERVAL 1 MONTH, last_month), last_month),
                                   INTERVAL 1 MONTH)) AS DATE) AS month,
       poor_persons, exited_persons
FROM running
UNION ALL  -- the month starts before the key's first change: no balance yet
SELECT township_code, exit_year, CAST(unnest(generate_series(first_month, least(month - INTERVAL 1 MONTH, last_month),
                                           INTERVAL 1 MONTH)) AS DATE),
       NULL, NULL
FROM running
WHERE first_change
ORDER BY month;

-- 按月回放's complete months (queries/prepared/map_monthly.sql): every township's 贫困人口, 贫困发生率 and 一降 at the
-- end of every month from January 2014 to the month before getvariable('prepared_until')'s. A month before D's reads
-- the same at any D, so the lookup reads these rows and makes only D's own month. Made by the part
-- queries/map_monthly.sql composes too, from the balances above: a month's end is the next month's opening
-- balance (the 纳入/返贫 spans: exit_year blank); none poor before a township's first change. In month order, so a
-- lookup at D reads the row groups before D's month only.
CREATE OR REPLACE TABLE prepared_map_months AS
WITH params AS (  -- the part's D: the end of the last complete month
    SELECT CAST(date_trunc('month', getvariable('prepared_until')) - INTERVAL 1 DAY AS DATE) AS d,
           DATE '2013-12-01' AS baseline
),
months AS (
    SELECT CAST(m AS DATE) AS month
    FROM params p, range(p.baseline, date_trunc('month', p.d) + INTERVAL 1 MONTH, INTERVAL 1 MONTH) t(m)
),
poor_by_month AS (
    SELECT t.township_code, m.month, coalesce(b.poor_persons, 0) AS poor_persons
    FROM townships t
    CROSS JOIN months m
    LEFT JOIN prepared_poverty_months b
      ON b.township_code = t.township_code AND b.exit_year IS NULL
     AND b.month = CAST(m.month + INTERVAL 1 MONTH AS DATE)
),
{{map_monthly_rates}}
ORDER BY month_end, township_code;

-- 一升: income_pairs, per income year. A household counts from counted_from until counted_to with its income and
-- the year before's, each times its size (exact DECIMAL sums, as the query sums them).
CREATE OR REPLACE TEMP VIEW income_changes AS
SELECT year, township_code, counted_from AS day, income * size AS amount, income_prev * size AS amount_prev,
       size AS persons
FROM income_pairs
WHERE counted_from <= getvariable('prepared_until')
UNION ALL
SELECT year, township_code, counted_to, -(income * size), -(income_prev * size), -size
FROM income_pairs
WHERE counted_to <= getvariable('prepared_until');

CREATE OR REPLACE TABLE prepared_income_days AS
SELECT year, township_code, day, sum(amount) AS income_amount, sum(amount_prev) AS income_prev_amount,
       sum(persons) AS income_persons
FROM income_changes
WHERE day >= make_date(year, 1, 1)
GROUP BY year, township_code, day
ORDER BY day;

CREATE OR REPLACE TABLE prepared_income_months AS
WITH by_month AS (  -- the changes of each month at the start of the next one; those before January of I, at it
    SELECT township_code, year, greatest(last_day(day) + 1, make_date(year, 1, 1)) AS month,
           sum(amount) AS income_amount, sum(amount_prev) AS income_prev_amount, sum(persons) AS income_persons
    FROM income_changes
    GROUP BY ALL
),
running AS (  -- from January of I on
    SELECT township_code, year, month,
           sum(income_amount) OVER w AS income_amount, sum(income_prev_amount) OVER w AS income_prev_amount,
           sum(income_persons) OVER w AS income_persons,
           lead(month) OVER w AS next_month, row_number() OVER w = 1 AS first_change,
           make_date(year, 1, 1) AS first_month, date_trunc('month', getvariable('prepared_until')) AS last_month
    FROM by_month
    WINDOW w AS (PARTITION BY township_code, year ORDER BY month ROWS UNBOUNDED PRECEDING)
)
SELECT township_code, year,
       CAST(unnest(generate_series(greatest(month, first_month),
                                   least(coalesce(next_month - INTERVAL 1 MONTH, last_month), last_month),
                                   INTERVAL 1 MONTH)) AS DATE) AS month,
       income_amount, income_prev_amount, income_persons
FROM running
UNION ALL  -- the month starts before the key's first change: no balance yet
SELECT township_code, year, CAST(unnest(generate_series(first_month, least(month - INTERVAL 1 MONTH, last_month),
                                           INTERVAL 1 MONTH)) AS DATE),
       NULL, NULL, NULL
FROM running
WHERE first_change
ORDER BY month;

-- 资金: fund_flows, per project 年度. An allocation or payment adds on its date and stays. Summed per day once, for
-- both tables (the month balances need the days before January of Y too; few more rows than the days table).
CREATE OR REPLACE TEMP TABLE fund_changes AS
SELECT year, township_code, date AS day, sum(allocated) AS allocated, sum(spent) AS spent,
       sum(CASE WHEN category = '产业发展' THEN allocated END) AS allocated_industry
FROM fund_flows
WHERE date <= getvariable('prepared_until')
GROUP BY year, township_code, date;

CREATE OR REPLACE TABLE prepared_fund_days AS
SELECT year, township_code, day, allocated, spent, allocated_industry
FROM fund_changes
WHERE day >= make_date(year, 1, 1)
ORDER BY day;

CREATE OR REPLACE TABLE prepared_fund_months AS
WITH by_month AS (  -- the changes of each month at the start of the next one; those before January of Y, at it
    SELECT township_code, year, greatest(last_day(day) + 1, make_date(year, 1, 1)) AS month,
           sum(allocated) AS allocated, sum(spent) AS spent, sum(allocated_industry) AS allocated_industry
    FROM fund_changes
    GROUP BY ALL
),
running AS (  -- the month starts of Y
    SELECT township_code, year, month,
           sum(allocated) OVER w AS allocated, sum(spent) OVER w AS spent,
           sum(allocated_industry) OVER w AS allocated_industry,
           lead(month) OVER w AS next_month, row_number() OVER w = 1 AS first_change,
           make_date(year, 1, 1) AS first_month, make_date(year, 12, 1) AS last_month
    FROM by_month
    WINDOW w AS (PARTITION BY township_code, year ORDER BY month ROWS UNBOUNDED PRECEDING)
)
SELECT township_code, year,
       CAST(unnest(generate_series(greatest(month, first_month),
                                   least(coalesce(next_month - INTERVAL 1 MONTH, last_month), last_month),
                                   INTERVAL 1 MONTH)) AS DATE) AS month,
       allocated, spent, allocated_industry
FROM running
UNION ALL  -- the month starts before the key's first change: no balance yet
SELECT township_code, year, CAST(unnest(generate_series(first_month, least(month - INTERVAL 1 MONTH, last_month),
                                           INTERVAL 1 MONTH)) AS DATE),
       NULL, NULL, NULL
FROM running
WHERE first_change
ORDER BY month;

-- 项目: project_spans, per project 年度. A status span counts in projects while it covers D, and in
-- projects_completed when its status is 已完工 or 已验收; a span of another status is overdue once D passes
-- planned_end, i.e. from the later of its start and planned_end + 1 day until its end.
CREATE OR REPLACE TEMP VIEW project_changes AS
WITH spans AS (
    SELECT year, township_code, valid_from, valid_to, planned_end + 1 AS overdue_from,
           CASE WHEN status IN ('已完工', '已验收') THEN 1 ELSE 0 END AS done
    FROM project_spans
),
changes AS (
    SELECT year, township_code, valid_from AS day, 1 AS projects, done AS completed, 0 AS overdue FROM spans
    UNION ALL
    SELECT year, township_code, valid_to, -1, -done, 0 FROM spans
    UNION ALL
    SELECT year, township_code, greatest(valid_from, overdue_from), 0, 0, 1 FROM spans
    WHERE done = 0 AND overdue_from < valid_to
    UNION ALL
    SELECT year, township_code, valid_to, 0, 0, -1 FROM spans
    WHERE done = 0 AND overdue_from < valid_to
)
SELECT * FROM changes WHERE day <= getvariable('prepared_until');

CREATE OR REPLACE TEMP TABLE project_day_changes AS  -- summed per day once, for both tables (as the funds)
SELECT year, township_code, day, sum(projects) AS projects, sum(completed) AS projects_completed,
       sum(overdue) AS overdue_projects
FROM project_changes
GROUP BY year, township_code, day;

CREATE OR REPLACE TABLE prepared_project_days AS
SELECT year, township_code, day, projects, projects_completed, overdue_projects
FROM project_day_changes
WHERE day >= make_date(year, 1, 1)
ORDER BY day;

CREATE OR REPLACE TABLE prepared_project_months AS
WITH by_month AS (  -- the changes of each month at the start of the next one; those before January of Y, at it
    SELECT township_code, year, greatest(last_day(day) + 1, make_date(year, 1, 1)) AS month,
           sum(projects) AS projects, sum(projects_completed) AS projects_completed,
           sum(overdue_projects) AS overdue_projects
    FROM project_day_changes
    GROUP BY ALL
),
running AS (  -- the month starts of Y
    SELECT township_code, year, month,
           sum(projects) OVER w AS projects, sum(projects_completed) OVER w AS projects_completed,
           sum(overdue_projects) OVER w AS overdue_projects,
           lead(month) OVER w AS next_month, row_number() OVER w = 1 AS first_change,
           make_date(year, 1, 1) AS first_month, make_date(year, 12, 1) AS last_month
    FROM by_month
    WINDOW w AS (PARTITION BY township_code, year ORDER BY month ROWS UNBOUNDED PRECEDING)
)
SELECT township_code, year,
       CAST(unnest(generate_series(greatest(month, first_month),
                                   least(coalesce(next_month - INTERVAL 1 MONTH, last_month), last_month),
                                   INTERVAL 1 MONTH)) AS DATE) AS month,
       projects, projects_completed, overdue_projects
FROM running
UNION ALL  -- the month starts before the key's first change: no balance yet
SELECT township_code, year, CAST(unnest(generate_series(first_month, least(month - INTERVAL 1 MONTH, last_month),
                                           INTERVAL 1 MONTH)) AS DATE),
       NULL, NULL, NULL
FROM running
WHERE first_change
ORDER BY month;

DROP VIEW poverty_changes;
DROP VIEW income_changes;
DROP TABLE fund_changes;
DROP VIEW project_changes;
DROP TABLE project_day_changes;

CREATE OR REPLACE TABLE prepared_every_day (
    query VARCHAR NOT NULL,   -- a query answered by queries/prepared/<query>.sql from these tables
    digest VARCHAR NOT NULL,  -- of the files the tables were built for (queries.runner.every_day_key)
    last_day DATE NOT NULL    -- the last 数据截止日期 they answer (getvariable('prepared_until'))
);
