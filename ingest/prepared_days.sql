-- 逐日变化 (issue 18): per township and day, the net change of every additive measure of
-- queries/township_indicators.sql, built at publish from the derived tables (ingest/derived.sql). A measure at D is
-- the sum of its changes dated on or before D — a span [from, to) adds on `from` and takes back on `to` — so
-- queries/prepared/township_indicators.sql reads a few rows per township and day instead of every household, and
-- its cost does not grow with the number of households (rows: townships × days on which anything changes).
-- A span still open ends on 9999-12-31: that change is kept, it never falls on or before a real D.
-- prepared_every_day lists the queries these tables answer, with the digest of the files they were built for
-- (queries.runner.every_day_key): the runner reads them only while the files are the same.

-- 贫困人口与脱贫人口: household_spans. A span of 纳入 or 返贫 counts in poor_persons while it covers D; a span of
-- 脱贫 counts in the exits of the year it began (exit_year) while it covers D. Rows with exit_year blank carry
-- poor_persons, rows with an exit_year carry exited_persons.
CREATE OR REPLACE TABLE prepared_poverty_days AS
WITH counted AS (
    SELECT township_code, size, valid_from, valid_to,
           CASE WHEN event = '脱贫' THEN year(valid_from) END AS exit_year
    FROM household_spans
    WHERE event IN ('纳入', '返贫', '脱贫')
),
changes AS (
    SELECT township_code, exit_year, valid_from AS day, size AS persons FROM counted
    UNION ALL
    SELECT township_code, exit_year, valid_to, -size FROM counted
)
SELECT township_code, day, exit_year,
       sum(persons) FILTER (WHERE exit_year IS NULL) AS poor_persons,
       sum(persons) FILTER (WHERE exit_year IS NOT NULL) AS exited_persons
FROM changes
GROUP BY township_code, day, exit_year
ORDER BY day, township_code;

-- 一升: income_pairs, per income year. A household counts from counted_from until counted_to with its income and
-- the year before's, each times its size (exact DECIMAL sums, as the query sums them).
CREATE OR REPLACE TABLE prepared_income_days AS
WITH changes AS (
    SELECT year, township_code, counted_from AS day, income * size AS amount, income_prev * size AS amount_prev,
           size AS persons
    FROM income_pairs
    UNION ALL
    SELECT year, township_code, counted_to, -(income * size), -(income_prev * size), -size
    FROM income_pairs
)
SELECT year, township_code, day, sum(amount) AS income_amount, sum(amount_prev) AS income_prev_amount,
       sum(persons) AS income_persons
FROM changes
GROUP BY year, township_code, day
ORDER BY year, day, township_code;

-- 资金: fund_flows, per project 年度. An allocation or payment adds on its date and stays.
CREATE OR REPLACE TABLE prepared_fund_days AS
SELECT year, township_code, date AS day, sum(allocated) AS allocated, sum(spent) AS spent,
       sum(allocated) FILTER (WHERE category = '产业发展') AS allocated_industry
FROM fund_flows
GROUP BY year, township_code, date
ORDER BY year, day, township_code;

-- 项目: project_spans, per project 年度. A status span counts in projects while it covers D, and in
-- projects_completed when its status is 已完工 or 已验收; a span of another status is overdue once D passes
-- planned_end, i.e. from the later of its start and planned_end + 1 day until its end.
CREATE OR REPLACE TABLE prepared_project_days AS
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
SELECT year, township_code, day, sum(projects) AS projects, sum(completed) AS projects_completed,
       sum(overdue) AS overdue_projects
FROM changes
GROUP BY year, township_code, day
ORDER BY year, day, township_code;

CREATE OR REPLACE TABLE prepared_every_day (
    query VARCHAR NOT NULL,   -- a query answered at any date by queries/prepared/<query>.sql from these tables
    digest VARCHAR NOT NULL   -- of the files the tables were built for (queries.runner.every_day_key)
);
