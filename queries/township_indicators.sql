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
household_area AS (
    SELECT h.household_id, h.size, v.township_code
    FROM households h JOIN villages v USING (village_code)
),
-- Same-day events apply in the order 纳入, 脱贫, 返贫, 清退: sort key = day number * 8 + event_order.
events_ranked AS (
    SELECT household_id, date, event, (date - DATE '1970-01-01') * 8 + event_order AS seq
    FROM household_events
),
status_at_d AS (
    SELECT household_id,
           arg_max(event, seq) AS event,
           max(date) FILTER (WHERE event = '脱贫') AS last_exit
    FROM events_ranked, params
    WHERE date <= params.d
    GROUP BY household_id
),
status_at_prev_year_end AS (
    SELECT household_id, arg_max(event, seq) AS event
    FROM events_ranked, params
    WHERE date <= params.prev_year_end
    GROUP BY household_id
),
population AS (
    SELECT coalesce(township_code, 'ALL') AS township_code, sum(rural_population) AS rural_population
    FROM villages GROUP BY ROLLUP (township_code)
),
poverty AS (
    SELECT coalesce(ha.township_code, 'ALL') AS township_code,
           sum(ha.size) FILTER (WHERE s.event IN ('纳入', '返贫')) AS poor_persons,
           sum(ha.size) FILTER (WHERE s.event = '脱贫' AND year(s.last_exit) = p.y) AS exited_persons_ytd
    FROM household_area ha JOIN status_at_d s USING (household_id), params p
    GROUP BY ROLLUP (ha.township_code)
),
poverty_prev AS (
    SELECT coalesce(ha.township_code, 'ALL') AS township_code,
           sum(ha.size) FILTER (WHERE s.event IN ('纳入', '返贫')) AS poor_persons
    FROM household_area ha JOIN status_at_prev_year_end s USING (household_id)
    GROUP BY ROLLUP (ha.township_code)
),
income_year AS (  -- one I for the whole county: the latest year ≤ Y with any income record
    SELECT max(i.year) AS i FROM incomes i, params p WHERE i.year <= p.y
),
income_pairs AS (  -- households 未脱贫 or 已脱贫 at D with income in both I and I-1
    SELECT ha.township_code, ha.size, cur.income_per_capita AS inc, prev.income_per_capita AS inc_prev
    FROM household_area ha
    JOIN status_at_d s USING (household_id)
    JOIN income_year iy ON true
    JOIN incomes cur ON cur.household_id = ha.household_id AND cur.year = iy.i
    JOIN incomes prev ON prev.household_id = ha.household_id AND prev.year = iy.i - 1
    WHERE s.event IN ('纳入', '返贫', '脱贫')
),
income AS (
    SELECT coalesce(township_code, 'ALL') AS township_code,
           sum(CAST(inc AS DOUBLE) * size) / sum(size) AS income_pc,
           sum(CAST(inc_prev AS DOUBLE) * size) / sum(size) AS income_pc_prev
    FROM income_pairs GROUP BY ROLLUP (township_code)
),
projects_of_year AS (
    SELECT pr.project_id, pr.township_code, pr.category, pr.planned_end
    FROM projects pr, params p WHERE pr.year = p.y
),
allocated_by_project AS (
    SELECT a.project_id, sum(a.amount) AS allocated
    FROM fund_allocations a, params p WHERE a.date <= p.d GROUP BY a.project_id
),
spent_by_project AS (
    SELECT x.project_id, sum(x.amount) AS spent
    FROM fund_payments x, params p WHERE x.date <= p.d GROUP BY x.project_id
),
funds AS (
    SELECT coalesce(py.township_code, 'ALL') AS township_code,
           sum(a.allocated) AS allocated,
           sum(s.spent) AS spent,
           sum(a.allocated) FILTER (WHERE py.category = '产业发展') AS allocated_industry
    FROM projects_of_year py
    LEFT JOIN allocated_by_project a USING (project_id)
    LEFT JOIN spent_by_project s USING (project_id)
    GROUP BY ROLLUP (py.township_code)
),
latest_progress AS (  -- a project's status at D: its latest report dated ≤ D (none yet: 未开工)
    SELECT pp.project_id, arg_max(pp.status, pp.report_date) AS status
    FROM project_progress pp, params p
    WHERE pp.report_date <= p.d
    GROUP BY pp.project_id
),
project_counts AS (
    SELECT coalesce(py.township_code, 'ALL') AS township_code,
           count(*) AS projects,
           count(*) FILTER (WHERE lp.status IN ('已完工', '已验收')) AS projects_completed,
           count(*) FILTER (WHERE py.planned_end < p.d
                             AND coalesce(lp.status, '未开工') NOT IN ('已完工', '已验收')) AS overdue_projects
    FROM projects_of_year py LEFT JOIN latest_progress lp USING (project_id), params p
    GROUP BY ROLLUP (py.township_code)
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
        coalesce(prev.poor_persons, 0) AS poor_persons_prev,
        100.0 * coalesce(pov.poor_persons, 0) / nullif(pop.rural_population, 0) AS incidence_pct,
        100.0 * coalesce(prev.poor_persons, 0) / nullif(pop.rural_population, 0) AS incidence_prev_pct,
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
    LEFT JOIN poverty pov USING (township_code)
    LEFT JOIN poverty_prev prev USING (township_code)
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
-- Rank 1 = highest score; scores within 1e-9 tie, and a tie goes to the smaller 乡镇代码.
ranked AS (
    SELECT a.township_code, a.score, a.s_drop, a.s_income, a.s_target, a.s_completion, a.s_balance,
           1 + count(b.township_code) AS rank
    FROM scored a LEFT JOIN scored b
      ON b.score > a.score + 1e-9 OR (abs(b.score - a.score) <= 1e-9 AND b.township_code < a.township_code)
    GROUP BY ALL
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
