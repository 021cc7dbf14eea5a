-- level: township
-- 乡镇指标总表: every indicator of DESIGN.md "Indicator definitions", one row per township plus the county
-- (township_code 'ALL', 全县), with the composite score and rank of the townships.
-- Parameters: $as_of DATE (数据截止日期 D), $lag_threshold (percentage points),
--   $w_incidence_drop_pp, $w_income_growth_pct, $w_target_progress_pct, $w_completion_pct, $w_balance_rate_pct.
-- Here: the additive measures at D, each scanned from the derived tables (ingest/derived.sql) and grouped by
--   ROLLUP(township_code), whose grand total row is the county. The runner composes `{{township_dates}}` (D, Y,
--   income year I: queries/parts/township_dates.sql) and `{{township_score}}` (the indicators from these measures,
--   score and rank: queries/parts/township_score.sql).
-- A version published with per-day change tables (ingest/prepared_days.sql) is answered at every date by
--   queries/prepared/township_indicators.sql: the same measures as sums of their changes on or before D, then the
--   same two parts (tests/test_prepared_days.py holds the two equal at every date).
WITH
{{township_dates}}
-- Status at a date: the household_spans row covering it (ingest/derived.sql applies the same-day order
-- 纳入, 脱贫, 返贫, 清退). For a household 已脱贫 at D, valid_from is its last 脱贫 date on or before D.
-- One scan serves D and the end of last year (一降).
poverty_both AS (
    SELECT coalesce(s.township_code, 'ALL') AS township_code,
           sum(s.size) FILTER (WHERE $as_of::DATE < s.valid_to AND s.event IN ('纳入', '返贫')) AS poor_persons,
           sum(s.size) FILTER (WHERE $as_of::DATE < s.valid_to AND s.event = '脱贫'
                                     AND year(s.valid_from) = year($as_of::DATE)) AS exited_persons_ytd,
           sum(s.size) FILTER (WHERE s.valid_from <= make_date(year($as_of::DATE) - 1, 12, 31)
                                     AND make_date(year($as_of::DATE) - 1, 12, 31) < s.valid_to
                                     AND s.event IN ('纳入', '返贫')) AS poor_persons_prev
    FROM household_spans s
    -- constants in the filter (not a join with params) let DuckDB push them into the scan
    WHERE s.valid_from <= $as_of::DATE
      AND ($as_of::DATE < s.valid_to OR make_date(year($as_of::DATE) - 1, 12, 31) < s.valid_to)
    GROUP BY ROLLUP (s.township_code)
),
income AS (  -- households 未脱贫 or 已脱贫 at D with income in both I and I-1
    SELECT coalesce(ip.township_code, 'ALL') AS township_code,
           sum(ip.income * ip.size) AS income_amount,
           sum(ip.income_prev * ip.size) AS income_prev_amount,
           sum(ip.size) AS income_persons
    FROM income_pairs ip
    WHERE ip.year = (SELECT i FROM income_year)
      AND ip.counted_from <= $as_of::DATE AND $as_of::DATE < ip.counted_to
    GROUP BY ROLLUP (ip.township_code)
),
funds AS (  -- funds of year Y: allocations and payments dated ≤ D to projects of 年度 Y
    SELECT coalesce(f.township_code, 'ALL') AS township_code,
           sum(f.allocated) AS allocated,
           sum(f.spent) AS spent,
           sum(f.allocated) FILTER (WHERE f.category = '产业发展') AS allocated_industry
    FROM fund_flows f
    WHERE f.year = year($as_of::DATE) AND f.date <= $as_of::DATE
    GROUP BY ROLLUP (f.township_code)
),
project_counts AS (  -- projects of year Y with their status at D (latest report ≤ D; none yet: 未开工)
    SELECT coalesce(ps.township_code, 'ALL') AS township_code,
           count(*) AS projects,
           count(*) FILTER (WHERE ps.status IN ('已完工', '已验收')) AS projects_completed,
           count(*) FILTER (WHERE ps.planned_end < $as_of::DATE
                             AND ps.status NOT IN ('已完工', '已验收')) AS overdue_projects
    FROM project_spans ps
    WHERE ps.year = year($as_of::DATE) AND ps.valid_from <= $as_of::DATE AND $as_of::DATE < ps.valid_to
    GROUP BY ROLLUP (ps.township_code)
),
{{township_score}}
