-- level: township
-- 乡镇指标总表: every indicator of DESIGN.md "Indicator definitions", one row per township plus the county
-- (township_code 'ALL', 全县), with the composite score and rank of the townships.
-- Parameters: $as_of DATE (数据截止日期 D), $lag_threshold (percentage points),
--   $w_incidence_drop_pp, $w_income_growth_pct, $w_target_progress_pct, $w_completion_pct, $w_balance_rate_pct.
-- Areas: each aggregate is grouped by ROLLUP(township_code), whose grand total row is the county.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d,
           year(CAST($as_of AS DATE)) AS y,
           make_date(year(CAST($as_of AS DATE)) - 1, 12, 31) AS prev_year_end
),
areas AS (
    SELECT township_code, township_name, 0 AS is_county FROM townships
    UNION ALL
    SELECT 'ALL', '全县', 1
),
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
population AS (
    SELECT coalesce(township_code, 'ALL') AS township_code, sum(rural_population) AS rural_population
    FROM villages GROUP BY ROLLUP (township_code)
),
income_year AS (  -- one I for the whole county: the latest year ≤ Y with any income record
    SELECT max(iy.year) AS i FROM income_years iy, params p WHERE iy.year <= p.y
),
income AS (  -- households 未脱贫 or 已脱贫 at D with income in both I and I-1, per person
    SELECT coalesce(ip.township_code, 'ALL') AS township_code,
           sum(CAST(ip.income AS DOUBLE) * ip.size) / sum(ip.size) AS income_pc,
           sum(CAST(ip.income_prev AS DOUBLE) * ip.size) / sum(ip.size) AS income_pc_prev
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
targets AS (
    SELECT coalesce(ap.township_code, 'ALL') AS township_code, sum(ap.target_exit_persons) AS target_exit_persons
    FROM annual_plans ap, params p WHERE ap.year = p.y
    GROUP BY ROLLUP (ap.township_code)
),
indicators AS (
    SELECT
        a.township_code, a.township_name, a.is_county,
        coalesce(pop.rural_population, 0) AS rural_population,
        coalesce(pov.poor_persons, 0) AS poor_persons,
        coalesce(pov.poor_persons_prev, 0) AS poor_persons_prev,
        100.0 * coalesce(pov.poor_persons, 0) / nullif(pop.rural_population, 0) AS incidence_pct,
        100.0 * coalesce(pov.poor_persons_prev, 0) / nullif(pop.rural_population, 0) AS incidence_prev_pct,
        iy.i AS income_year,
        inc.income_pc,
        inc.income_pc_prev,
        100.0 * (inc.income_pc / nullif(inc.income_pc_prev, 0) - 1) AS income_growth_pct,
        CAST(coalesce(f.allocated, 0) AS DOUBLE) AS allocated_wan,
        CAST(coalesce(f.spent, 0) AS DOUBLE) AS spent_wan,
        100.0 * CAST(f.allocated - coalesce(f.spent, 0) AS DOUBLE) / nullif(CAST(f.allocated AS DOUBLE), 0) AS balance_rate_pct,
        100.0 * CAST(coalesce(f.allocated_industry, 0) AS DOUBLE) / nullif(CAST(f.allocated AS DOUBLE), 0) AS industry_share_pct,
        coalesce(pc.projects, 0) AS projects,
        coalesce(pc.projects_completed, 0) AS projects_completed,
        100.0 * pc.projects_completed / nullif(pc.projects, 0) AS completion_pct,
        coalesce(pc.overdue_projects, 0) AS overdue_projects,
        coalesce(t.target_exit_persons, 0) AS target_exit_persons,
        coalesce(pov.exited_persons_ytd, 0) AS exited_persons_ytd,
        100.0 * coalesce(pov.exited_persons_ytd, 0) / nullif(t.target_exit_persons, 0) AS target_progress_pct,
        100.0 * dayofyear(p.d) / dayofyear(make_date(p.y, 12, 31)) AS time_progress_pct
    FROM areas a
    CROSS JOIN params p
    CROSS JOIN income_year iy
    LEFT JOIN population pop USING (township_code)
    LEFT JOIN poverty_both pov USING (township_code)
    LEFT JOIN income inc USING (township_code)
    LEFT JOIN funds f USING (township_code)
    LEFT JOIN project_counts pc USING (township_code)
    LEFT JOIN targets t USING (township_code)
),
with_drop AS (
    SELECT *, incidence_prev_pct - incidence_pct AS incidence_drop_pp,
           coalesce(target_progress_pct < time_progress_pct - $lag_threshold, false) AS lagging
    FROM indicators
),
-- Composite score: min-max normalised over the townships with a value; a blank scores 0; max = min scores 1.
normalised AS (
    SELECT township_code,
           CASE WHEN incidence_drop_pp IS NULL THEN 0
                WHEN max(incidence_drop_pp) OVER () = min(incidence_drop_pp) OVER () THEN 1
                ELSE (incidence_drop_pp - min(incidence_drop_pp) OVER ())
                     / (max(incidence_drop_pp) OVER () - min(incidence_drop_pp) OVER ()) END AS s_drop,
           CASE WHEN income_growth_pct IS NULL THEN 0
                WHEN max(income_growth_pct) OVER () = min(income_growth_pct) OVER () THEN 1
                ELSE (income_growth_pct - min(income_growth_pct) OVER ())
                     / (max(income_growth_pct) OVER () - min(income_growth_pct) OVER ()) END AS s_income,
           CASE WHEN target_progress_pct IS NULL THEN 0
                WHEN max(target_progress_pct) OVER () = min(target_progress_pct) OVER () THEN 1
                ELSE (target_progress_pct - min(target_progress_pct) OVER ())
                     / (max(target_progress_pct) OVER () - min(target_progress_pct) OVER ()) END AS s_target,
           CASE WHEN completion_pct IS NULL THEN 0
                WHEN max(completion_pct) OVER () = min(completion_pct) OVER () THEN 1
                ELSE (completion_pct - min(completion_pct) OVER ())
                     / (max(completion_pct) OVER () - min(completion_pct) OVER ()) END AS s_completion,
           CASE WHEN balance_rate_pct IS NULL THEN 0
                WHEN max(balance_rate_pct) OVER () = min(balance_rate_pct) OVER () THEN 1
                ELSE 1 - (balance_rate_pct - min(balance_rate_pct) OVER ())
                         / (max(balance_rate_pct) OVER () - min(balance_rate_pct) OVER ()) END AS s_balance
    FROM with_drop WHERE is_county = 0
),
scored AS (
    SELECT *,
           100.0 * ($w_incidence_drop_pp * s_drop + $w_income_growth_pct * s_income
                    + $w_target_progress_pct * s_target + $w_completion_pct * s_completion
                    + $w_balance_rate_pct * s_balance)
           / ($w_incidence_drop_pp + $w_income_growth_pct + $w_target_progress_pct + $w_completion_pct
              + $w_balance_rate_pct) AS score
    FROM normalised
),
-- Rank 1 = highest score; scores within 1e-9 of the one above tie, and a tie goes to the smaller 乡镇代码.
score_steps AS (
    SELECT *, lag(score) OVER (ORDER BY score DESC, township_code) AS score_above
    FROM scored
),
tie_groups AS (
    SELECT *, sum(CASE WHEN score_above IS NULL OR score_above - score > 1e-9 THEN 1 ELSE 0 END)
                  OVER (ORDER BY score DESC, township_code ROWS UNBOUNDED PRECEDING) AS tie_group
    FROM score_steps
),
ranked AS (
    SELECT township_code, score, s_drop, s_income, s_target, s_completion, s_balance,
           row_number() OVER (ORDER BY tie_group, township_code) AS rank
    FROM tie_groups
)
SELECT w.township_code, w.township_name, w.rural_population, w.poor_persons,
       w.incidence_pct, w.incidence_prev_pct, w.incidence_drop_pp,
       w.income_year, w.income_pc, w.income_pc_prev, w.income_growth_pct,
       w.allocated_wan, w.spent_wan, w.balance_rate_pct, w.industry_share_pct,
       w.projects, w.projects_completed, w.completion_pct, w.overdue_projects,
       w.target_exit_persons, w.exited_persons_ytd, w.target_progress_pct, w.time_progress_pct,
       w.lagging, r.score, r.rank, w.poor_persons_prev,
       r.s_drop, r.s_income, r.s_target, r.s_completion, r.s_balance
FROM with_drop w LEFT JOIN ranked r USING (township_code)
ORDER BY w.is_county, w.township_code
