-- Derived tables, built once when a version is published (never by the dashboard, which reads only).
-- They hold nothing new: each is a re-shaping of the contract tables so that an as-of question becomes a
-- range filter instead of a re-scan of every household's history. Rebuilt from scratch on every publish.

-- 农户位次 (a temp table, dropped at the end of this file): every household with its place in the order the
-- derived tables are stored in (township, village, household number) as an integer (hh), its 乡镇 and 村. The
-- statements below window and sort by that integer instead of a 16-character household number, and none of them
-- joins households to villages again.
CREATE OR REPLACE TEMP TABLE homes AS
SELECT h.household_id, row_number() OVER (ORDER BY v.township_code, v.village_code, h.household_id) AS hh,
       v.township_code, h.village_code
FROM households h JOIN villages v USING (village_code);

-- 农户状态区间: one row per day on which a household's status changed, valid until its next such day.
-- Same-day events apply in the order 纳入, 脱贫, 返贫, 清退 (DESIGN.md), so the day's last event is the
-- status at the end of that day. Status at D = the row with valid_from <= D < valid_to; a household with
-- no row covering D has no event yet. When that row's event is 脱贫, valid_from is its last 脱贫 date ≤ D.
-- Stored by township and village, so that one township's rows are a few blocks of the file (zonemaps skip
-- the rest) and a county-wide count per village reads its keys in runs. The household's 主要致贫原因 and 贫困户属性
-- ride along (dictionary-compressed): 贫困户结构 (queries/poverty_breakdown.sql) is then one scan, not a join
-- of a million spans with a million households.
-- One window over the events in the order they apply: an event followed by one of another day (or by none) is its
-- day's last, and that next day ends its span; no grouping by household and day first (a household has at most
-- one event of each kind a day, and event_order follows the kind: the order within a day is total).
CREATE OR REPLACE TABLE household_spans AS
WITH applied AS (
    SELECT household_id, date, event,
           lead(date) OVER (PARTITION BY household_id ORDER BY date, event_order) AS next_date
    FROM household_events
)
SELECT a.household_id, m.township_code, m.village_code, h.size, h.main_cause, h.attribute, a.event,
       a.date AS valid_from, coalesce(a.next_date, DATE '9999-12-31') AS valid_to
FROM applied a
JOIN households h USING (household_id)
JOIN homes m USING (household_id)
WHERE a.next_date IS DISTINCT FROM a.date  -- the day's last event
ORDER BY m.hh, valid_from;

-- 最近收入年度: each income record of a household, valid from its 年度 until the household's next record
-- (next_year; 9999 for its last), with the record of the year before (income_prev, blank when there is none).
-- A household's latest income year ≤ Y is then the row with year <= Y < next_year: one filtered scan instead
-- of a max() over every household's history. Stored by next_year, so for the current year the rows needed are
-- the last block of the file; within it by township and village. The year before is the previous record when
-- it is exactly year − 1 (one window over the household's records, not a second pass over every income).
CREATE OR REPLACE TABLE income_latest AS
WITH ordered AS (  -- the window over integers only (hh, year, income): the 乡镇, 村 and number join after it
    SELECT m.hh, i.year, i.income_per_capita AS income,
           lead(i.year) OVER by_year AS following_year,
           lag(i.year) OVER by_year AS previous_year,
           lag(i.income_per_capita) OVER by_year AS previous_income
    FROM incomes i JOIN homes m USING (household_id)
    WINDOW by_year AS (PARTITION BY m.hh ORDER BY i.year)
)
SELECT m.household_id, m.township_code, m.village_code, o.year,
       coalesce(o.following_year, 9999) AS next_year,
       o.income, CASE WHEN o.previous_year = o.year - 1 THEN o.previous_income END AS income_prev
FROM ordered o JOIN homes m USING (hh)
ORDER BY next_year, o.hh;

-- 收入年度对: a household's per-capita income in a year next to the year before, where both exist (一升
-- compares only households with records in both years), repeated for each period in which the household
-- counts (status 未脱贫 or 已脱贫: from its first 纳入 until a 清退, again after a re-enrolment). The income
-- of the households counted at D for year I is then one filtered scan, without a join on household_id; it
-- carries the household's village too, for the per-village 一升 of the village ranking. A household never 清退
-- has one counted period, its whole history (one grouping); only the others' periods need the window over spans.
CREATE OR REPLACE TABLE income_pairs AS
WITH households_counted AS (  -- most households were never 清退: their one counted period is their whole history
    SELECT household_id, any_value(township_code) AS township_code, any_value(village_code) AS village_code,
           any_value(size) AS size, min(valid_from) AS counted_from, max(valid_to) AS counted_to,
           bool_and(event <> '清退') AS always_counted
    FROM household_spans
    GROUP BY household_id
),
marked AS (
    SELECT household_id, township_code, village_code, size, valid_from, valid_to, event <> '清退' AS counted,
           lag(event <> '清退') OVER (PARTITION BY household_id ORDER BY valid_from) AS counted_before
    FROM household_spans
    WHERE household_id IN (SELECT household_id FROM households_counted WHERE NOT always_counted)
),
islands AS (
    SELECT *, sum(CASE WHEN counted_before IS NULL OR counted <> counted_before THEN 1 ELSE 0 END)
                  OVER (PARTITION BY household_id ORDER BY valid_from ROWS UNBOUNDED PRECEDING) AS island
    FROM marked
),
counted_periods AS (
    SELECT household_id, township_code, village_code, size, counted_from, counted_to
    FROM households_counted WHERE always_counted
    UNION ALL
    SELECT household_id, any_value(township_code) AS township_code, any_value(village_code) AS village_code,
           any_value(size) AS size,
           min(valid_from) AS counted_from, max(valid_to) AS counted_to
    FROM islands WHERE counted
    GROUP BY household_id, island
),
places AS (SELECT village_code, row_number() OVER (ORDER BY township_code, village_code) AS place FROM villages)
SELECT cur.year, cur.household_id, cp.township_code, cp.size,
       cur.income, cur.income_prev,
       cp.counted_from, cp.counted_to, cp.village_code
FROM income_latest cur  -- the records with one of the year before (built above)
JOIN counted_periods cp ON cp.household_id = cur.household_id
JOIN places p ON p.village_code = cp.village_code
WHERE cur.income_prev IS NOT NULL
ORDER BY cur.year, p.place;

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

-- 户内人员: the heads (relation 户主) and members of every household, one row per household and 身份证号
-- (upper case; name and relation the smallest where one number is listed twice in a household), with the
-- comparison key of a number (a 15-digit number as its 18-digit body), its date of birth (blank when the
-- number holds no valid date) and how many households list that key overall (key_households). Checks on
-- people (重号, 出生日期) then read a few flagged rows instead of re-parsing and re-grouping every number.
-- Shaped for a million households without grouping every row by its number: a head is almost always listed on
-- the 家庭成员 sheet too, so the head's name and 户主 fold into that member row (the smaller of each), and only a
-- head the sheet does not list adds a row. Nearly every key is then held by one row: the rows whose key's hash
-- occurs more than once (a key held twice, or a rare collision of hashes) are grouped and their households
-- counted (count DISTINCT); every other row is already one per household and number, and has 1.
CREATE OR REPLACE TABLE household_persons AS
WITH heads AS (
    SELECT h.household_id, m.hh, m.township_code, m.village_code, upper(h.head_id_number) AS head_id, h.head_name
    FROM households h JOIN homes m USING (household_id)
),
listed AS (  -- the members, the head's own row carrying the smaller name and relation of the two sheets
    SELECT p.household_id, h.hh, h.township_code, h.village_code, upper(p.id_number) AS id_number,
           upper(p.id_number) = h.head_id AS is_head,
           CASE WHEN upper(p.id_number) = h.head_id THEN least(p.name, h.head_name) ELSE p.name END AS name,
           CASE WHEN upper(p.id_number) = h.head_id THEN least(p.relation, '户主') ELSE p.relation END AS relation
    FROM household_members p JOIN heads h USING (household_id)
),
keyed AS MATERIALIZED (
    SELECT *, CASE WHEN length(id_number) = 15 THEN id_number[1:6] || '19' || id_number[7:15]
                   ELSE id_number[1:17] END AS person_key
    FROM (
        SELECT household_id, hh, township_code, village_code, id_number, name, relation FROM listed
        UNION ALL  -- a head the 家庭成员 sheet does not list
        SELECT household_id, hh, township_code, village_code, head_id, head_name, '户主' FROM heads
        WHERE hh NOT IN (SELECT hh FROM listed WHERE is_head)
    )
),
repeated AS (  -- the hashes of keys more than one row holds
    SELECT hash(person_key) AS key_hash FROM keyed GROUP BY ALL HAVING count(*) > 1
),
grouped AS (  -- those rows, one per household and number
    SELECT household_id, hh, township_code, village_code, id_number, min(name) AS name, min(relation) AS relation,
           person_key
    FROM keyed WHERE hash(person_key) IN (SELECT key_hash FROM repeated)
    GROUP BY ALL
),
persons AS (
    SELECT household_id, hh, township_code, village_code, id_number, name, relation, person_key,
           1 AS key_households
    FROM keyed WHERE hash(person_key) NOT IN (SELECT key_hash FROM repeated)
    UNION ALL
    SELECT household_id, hh, township_code, village_code, id_number, name, relation, person_key,
           count(DISTINCT household_id) OVER (PARTITION BY person_key) AS key_households
    FROM grouped
)
SELECT household_id, township_code, village_code, id_number, name, relation, person_key,
       CAST(try_strptime(CASE WHEN length(id_number) = 18 THEN id_number[7:14]
                              ELSE '19' || id_number[7:12] END, '%Y%m%d') AS DATE) AS born,
       key_households
FROM persons
ORDER BY hh;

-- 户成员统计: per household, how many members the 家庭成员 sheet lists and how many of them are ill (长期慢性病,
-- 患有大病) or disabled (残疾), next to its 家庭人口数 and 主要致贫原因 (0 members when the sheet lists none).
CREATE OR REPLACE TABLE household_member_counts AS
SELECT h.household_id, v.township_code, h.village_code, h.size, h.main_cause,
       coalesce(m.members, 0) AS members, coalesce(m.ill, 0) AS ill, coalesce(m.disabled, 0) AS disabled
FROM households h
JOIN (SELECT village_code, township_code, row_number() OVER (ORDER BY township_code, village_code) AS place
      FROM villages) v USING (village_code)
LEFT JOIN (
    SELECT household_id, count(*) AS members,
           -- 健康状况 may list several (长期慢性病、残疾): a substring test each, not a regular expression per member
           count(*) FILTER (WHERE contains(health, '长期慢性病') OR contains(health, '患有大病')) AS ill,
           count(*) FILTER (WHERE contains(health, '残疾')) AS disabled
    FROM household_members
    GROUP BY household_id
) m USING (household_id)
ORDER BY v.place;

DROP TABLE homes;
