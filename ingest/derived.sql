-- Derived tables, built once when a version is published (never by the dashboard, which reads only).
-- They hold nothing new: each is a re-shaping of the contract tables so that an as-of question becomes a
-- range filter instead of a re-scan of every household's history. Rebuilt from scratch on every publish.

-- 农户状态区间: one row per day on which a household's status changed, valid until its next such day.
-- Same-day events apply in the order 纳入, 脱贫, 返贫, 清退 (DESIGN.md), so the day's last event is the
-- status at the end of that day. Status at D = the row with valid_from <= D < valid_to; a household with
-- no row covering D has no event yet. When that row's event is 脱贫, valid_from is its last 脱贫 date ≤ D.
CREATE OR REPLACE TABLE household_spans AS
WITH day_end AS (
    SELECT household_id, date, arg_max(event, event_order) AS event
    FROM household_events
    GROUP BY household_id, date
)
SELECT d.household_id, v.township_code, h.village_code, h.size, d.event,
       d.date AS valid_from,
       coalesce(lead(d.date) OVER (PARTITION BY d.household_id ORDER BY d.date), DATE '9999-12-31') AS valid_to
FROM day_end d
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
ORDER BY valid_from, township_code;

-- 收入年度对: a household's per-capita income in a year next to the year before, where both exist (一升
-- compares only households with records in both years), repeated for each period in which the household
-- counts (status 未脱贫 or 已脱贫: from its first 纳入 until a 清退, again after a re-enrolment). The income
-- of the households counted at D for year I is then one filtered scan, without a join on household_id.
CREATE OR REPLACE TABLE income_pairs AS
WITH marked AS (
    SELECT household_id, township_code, size, valid_from, valid_to, event <> '清退' AS counted,
           lag(event <> '清退') OVER (PARTITION BY household_id ORDER BY valid_from) AS counted_before
    FROM household_spans
),
islands AS (
    SELECT *, sum(CASE WHEN counted_before IS NULL OR counted <> counted_before THEN 1 ELSE 0 END)
                  OVER (PARTITION BY household_id ORDER BY valid_from ROWS UNBOUNDED PRECEDING) AS island
    FROM marked
),
counted_periods AS (
    SELECT household_id, any_value(township_code) AS township_code, any_value(size) AS size,
           min(valid_from) AS counted_from, max(valid_to) AS counted_to
    FROM islands WHERE counted
    GROUP BY household_id, island
)
SELECT cur.year, cur.household_id, cp.township_code, cp.size,
       cur.income_per_capita AS income, prev.income_per_capita AS income_prev,
       cp.counted_from, cp.counted_to
FROM incomes cur
JOIN incomes prev ON prev.household_id = cur.household_id AND prev.year = cur.year - 1
JOIN counted_periods cp ON cp.household_id = cur.household_id
ORDER BY cur.year, cp.township_code;

-- 收入年度: the years that have any income record (一升's year I is the latest of them ≤ Y).
CREATE OR REPLACE TABLE income_years AS
SELECT DISTINCT year FROM incomes ORDER BY year;

-- 项目状态区间: a project's status from each progress report until its next one; before its first report
-- (or with none) it is 未开工. Status at D = the row with valid_from <= D < valid_to.
CREATE OR REPLACE TABLE project_spans AS
WITH reports AS (
    SELECT project_id, report_date AS valid_from, status, progress_pct,
           coalesce(lead(report_date) OVER (PARTITION BY project_id ORDER BY report_date),
                    DATE '9999-12-31') AS valid_to
    FROM project_progress
),
before_first AS (
    SELECT p.project_id, DATE '0001-01-01' AS valid_from, '未开工' AS status, CAST(0 AS DECIMAL(6, 2)) AS progress_pct,
           coalesce(min(r.report_date), DATE '9999-12-31') AS valid_to
    FROM projects p LEFT JOIN project_progress r USING (project_id)
    GROUP BY p.project_id
)
SELECT p.year, p.township_code, p.village_code, p.category, p.planned_start, p.planned_end, s.project_id,
       s.status, s.progress_pct, s.valid_from, s.valid_to
FROM (SELECT * FROM reports UNION ALL SELECT * FROM before_first WHERE valid_from < valid_to) s
JOIN projects p USING (project_id)
ORDER BY p.year, p.township_code;

-- 资金流水: allocations and payments with their project's 年度, 乡镇 and 类别 (a project's funds count in its
-- 年度), so the funds of year Y up to D are one filtered scan.
CREATE OR REPLACE TABLE fund_flows AS
SELECT p.year, p.township_code, p.category, a.project_id, a.source, a.date,
       a.amount AS allocated, CAST(0 AS DECIMAL(18, 4)) AS spent
FROM fund_allocations a JOIN projects p USING (project_id)
UNION ALL
SELECT p.year, p.township_code, p.category, x.project_id, NULL, x.date,
       CAST(0 AS DECIMAL(18, 4)), x.amount
FROM fund_payments x JOIN projects p USING (project_id)
ORDER BY year, date;
