-- 村级排名: the villages of a township (or of the county) ranked on 一降, 一升 and 村项目完工率 at D.
-- Parameters: $as_of DATE (数据截止日期 D), $township VARCHAR (乡镇代码, 'ALL' = every village of the county).
-- Definitions follow DESIGN.md at village level: incidence from the village's households and 农业户籍人口;
-- drop = incidence at (Y-1)-12-31 minus incidence at D; income growth over households 未脱贫/已脱贫 at D with
-- income in both I and I-1 (I = the county's latest income year ≤ Y); projects = projects of year Y that
-- carry the village's 村代码.
-- Village score (simple, documented): each of the three indicators is min-max normalised over the villages
-- in scope that have a value (s = 1 when max = min); score = 100 × the mean of the parts the village has
-- (a village without projects is judged on the other two); blank when it has none. Rank 1 = highest score,
-- ties within 1e-9 go to the smaller 村代码, villages without a score come last.
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d,
           year(CAST($as_of AS DATE)) AS y,
           make_date(year(CAST($as_of AS DATE)) - 1, 12, 31) AS prev_year_end
),
villages_in_scope AS (
    SELECT v.village_code, v.village_name, v.township_code, t.township_name, v.is_poor_village, v.exit_year,
           v.rural_population, v.first_secretary
    FROM villages v JOIN townships t USING (township_code)
    WHERE $township = 'ALL' OR v.township_code = $township
),
households_in_scope AS (
    SELECT h.household_id, h.size, h.village_code
    FROM households h JOIN villages_in_scope USING (village_code)
),
events_ranked AS (  -- same-day events apply in the order 纳入, 脱贫, 返贫, 清退
    SELECT e.household_id, e.date, e.event, (e.date - DATE '1970-01-01') * 8 + e.event_order AS seq
    FROM household_events e JOIN households_in_scope USING (household_id)
),
status_at_d AS (
    SELECT household_id, arg_max(event, seq) AS event
    FROM events_ranked, params WHERE date <= params.d GROUP BY household_id
),
status_at_prev_year_end AS (
    SELECT household_id, arg_max(event, seq) AS event
    FROM events_ranked, params WHERE date <= params.prev_year_end GROUP BY household_id
),
poverty AS (
    SELECT h.village_code,
           sum(h.size) FILTER (WHERE s.event IN ('纳入', '返贫')) AS poor_persons,
           sum(h.size) FILTER (WHERE prev.event IN ('纳入', '返贫')) AS poor_persons_prev
    FROM households_in_scope h
    LEFT JOIN status_at_d s USING (household_id)
    LEFT JOIN status_at_prev_year_end prev USING (household_id)
    GROUP BY h.village_code
),
income_year AS (  -- one I for the whole county
    SELECT max(i.year) AS i FROM incomes i, params p WHERE i.year <= p.y
),
income AS (
    SELECT h.village_code,
           sum(CAST(cur.income_per_capita AS DOUBLE) * h.size) / sum(h.size) AS income_pc,
           sum(CAST(prev.income_per_capita AS DOUBLE) * h.size) / sum(h.size) AS income_pc_prev
    FROM households_in_scope h
    JOIN status_at_d s USING (household_id)
    JOIN income_year iy ON true
    JOIN incomes cur ON cur.household_id = h.household_id AND cur.year = iy.i
    JOIN incomes prev ON prev.household_id = h.household_id AND prev.year = iy.i - 1
    WHERE s.event IN ('纳入', '返贫', '脱贫')
    GROUP BY h.village_code
),
latest_progress AS (
    SELECT pp.project_id, arg_max(pp.status, pp.report_date) AS status
    FROM project_progress pp, params p WHERE pp.report_date <= p.d GROUP BY pp.project_id
),
village_projects AS (
    SELECT pr.village_code,
           count(*) AS projects,
           count(*) FILTER (WHERE lp.status IN ('已完工', '已验收')) AS projects_completed
    FROM projects pr JOIN villages_in_scope USING (village_code)
    LEFT JOIN latest_progress lp USING (project_id), params p
    WHERE pr.year = p.y
    GROUP BY pr.village_code
),
village_indicators AS (
    SELECT v.*,
           CAST(coalesce(pov.poor_persons, 0) AS BIGINT) AS poor_persons,
           100.0 * coalesce(pov.poor_persons, 0) / nullif(v.rural_population, 0) AS incidence_pct,
           100.0 * (coalesce(pov.poor_persons_prev, 0) - coalesce(pov.poor_persons, 0))
               / nullif(v.rural_population, 0) AS incidence_drop_pp,
           100.0 * (inc.income_pc / nullif(inc.income_pc_prev, 0) - 1) AS income_growth_pct,
           coalesce(vp.projects, 0) AS projects,
           coalesce(vp.projects_completed, 0) AS projects_completed,
           100.0 * vp.projects_completed / nullif(vp.projects, 0) AS completion_pct
    FROM villages_in_scope v
    LEFT JOIN poverty pov USING (village_code)
    LEFT JOIN income inc USING (village_code)
    LEFT JOIN village_projects vp USING (village_code)
),
normalised AS (
    SELECT *,
           CASE WHEN incidence_drop_pp IS NULL THEN NULL
                WHEN max(incidence_drop_pp) OVER () = min(incidence_drop_pp) OVER () THEN 1
                ELSE (incidence_drop_pp - min(incidence_drop_pp) OVER ())
                     / (max(incidence_drop_pp) OVER () - min(incidence_drop_pp) OVER ()) END AS s_drop,
           CASE WHEN income_growth_pct IS NULL THEN NULL
                WHEN max(income_growth_pct) OVER () = min(income_growth_pct) OVER () THEN 1
                ELSE (income_growth_pct - min(income_growth_pct) OVER ())
                     / (max(income_growth_pct) OVER () - min(income_growth_pct) OVER ()) END AS s_income,
           CASE WHEN completion_pct IS NULL THEN NULL
                WHEN max(completion_pct) OVER () = min(completion_pct) OVER () THEN 1
                ELSE (completion_pct - min(completion_pct) OVER ())
                     / (max(completion_pct) OVER () - min(completion_pct) OVER ()) END AS s_completion
    FROM village_indicators
),
scored AS (
    SELECT *,
           100.0 * (coalesce(s_drop, 0) + coalesce(s_income, 0) + coalesce(s_completion, 0))
               / nullif((s_drop IS NOT NULL)::INT + (s_income IS NOT NULL)::INT + (s_completion IS NOT NULL)::INT, 0)
               AS score
    FROM normalised
),
ranked AS (
    SELECT a.village_code, 1 + count(b.village_code) AS rank
    FROM scored a LEFT JOIN scored b
      ON b.score > a.score + 1e-9 OR (abs(b.score - a.score) <= 1e-9 AND b.village_code < a.village_code)
    WHERE a.score IS NOT NULL
    GROUP BY a.village_code
)
SELECT s.village_code, s.village_name, s.township_code, s.township_name, s.is_poor_village, s.exit_year,
       s.first_secretary, s.rural_population, s.poor_persons, s.incidence_pct, s.incidence_drop_pp,
       s.income_growth_pct, s.projects, s.projects_completed, s.completion_pct, s.score, r.rank
FROM scored s LEFT JOIN ranked r USING (village_code)
ORDER BY r.rank NULLS LAST, s.village_code
