-- 乡镇指标与综合得分 (composed into queries/township_indicators.sql and queries/prepared/township_indicators.sql by
-- the runner, at a line `{{township_score}}` after their measures; ends the query): every indicator of DESIGN.md
-- "Indicator definitions" from the additive measures at D, the composite score and the rank.
-- Needs the CTEs of queries/parts/township_dates.sql and these measures at D, one row per township_code that has
-- any and a row 'ALL' for the county (a missing row or a blank counts as 0):
--   poverty_both (poor_persons, exited_persons_ytd: persons of exits dated in Y and still 已脱贫 at D,
--                 poor_persons_prev: at the end of last year),
--   income (income_amount = Σ income·size and income_prev_amount = Σ income_prev·size over the households
--           counted at D with income in I and I−1, income_persons = Σ size of them),
--   funds (allocated, spent, allocated_industry: of projects of 年度 Y, dated ≤ D),
--   project_counts (projects, projects_completed, overdue_projects: projects of 年度 Y with their status at D).
areas AS (
    SELECT township_code, township_name, 0 AS is_county FROM townships
    UNION ALL
    SELECT 'ALL', '全县', 1
),
population AS (
    SELECT coalesce(township_code, 'ALL') AS township_code, sum(rural_population) AS rural_population
    FROM villages GROUP BY ROLLUP (township_code)
),
income_per_capita AS (  -- the sums are exact (DECIMAL), so both paths divide the same numbers
    SELECT township_code,
           CAST(income_amount AS DOUBLE) / nullif(income_persons, 0) AS income_pc,
           CAST(income_prev_amount AS DOUBLE) / nullif(income_persons, 0) AS income_pc_prev
    FROM income
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
    LEFT JOIN income_per_capita inc USING (township_code)
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
