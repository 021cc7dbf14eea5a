-- level: village
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
WITH villages_in_scope AS (
    SELECT v.village_code, v.village_name, v.township_code, t.township_name, v.is_poor_village, v.exit_year,
           v.rural_population, v.first_secretary
    FROM villages v JOIN townships t USING (township_code)
    WHERE $township = 'ALL' OR v.township_code = $township
),
-- Status at D and at (Y-1)-12-31: the household_spans rows covering them (ingest/derived.sql; same-day events
-- in the order 纳入, 脱贫, 返贫, 清退), which carry village and 家庭人口数. One scan serves both dates.
poverty AS (
    SELECT s.village_code,
           sum(s.size) FILTER (WHERE $as_of::DATE < s.valid_to) AS poor_persons,
           sum(s.size) FILTER (WHERE s.valid_from <= make_date(year($as_of::DATE) - 1, 12, 31)
                                     AND make_date(year($as_of::DATE) - 1, 12, 31) < s.valid_to) AS poor_persons_prev
    FROM household_spans s
    WHERE s.event IN ('纳入', '返贫')  -- only these spans count (in the scan: most spans at D are 脱贫)
      AND s.valid_from <= $as_of::DATE
      AND ($as_of::DATE < s.valid_to OR make_date(year($as_of::DATE) - 1, 12, 31) < s.valid_to)
      AND ($township = 'ALL' OR s.township_code = $township)
    GROUP BY s.village_code
),
income_year AS (  -- one I for the whole county
    SELECT max(iy.year) AS i FROM income_years iy WHERE iy.year <= year($as_of::DATE)
),
income AS (  -- households 未脱贫 or 已脱贫 at D with income in both I and I-1 (income_pairs), per person
    SELECT ip.village_code,
           sum(CAST(ip.income AS DOUBLE) * ip.size) / sum(ip.size) AS income_pc,
           sum(CAST(ip.income_prev AS DOUBLE) * ip.size) / sum(ip.size) AS income_pc_prev
    FROM income_pairs ip
    WHERE ip.year = (SELECT i FROM income_year)
      AND ip.counted_from <= $as_of::DATE AND $as_of::DATE < ip.counted_to
      AND ($township = 'ALL' OR ip.township_code = $township)
    GROUP BY ip.village_code
),
village_projects AS (  -- projects of year Y with their status at D (latest report ≤ D; none yet: 未开工)
    SELECT ps.village_code,
           count(*) AS projects,
           count(*) FILTER (WHERE ps.status IN ('已完工', '已验收')) AS projects_completed
    FROM project_spans ps
    WHERE ps.year = year($as_of::DATE) AND ps.valid_from <= $as_of::DATE AND $as_of::DATE < ps.valid_to
      AND ps.village_code IS NOT NULL  -- villages out of scope drop out in the join below
    GROUP BY ps.village_code
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
-- rank = 1 + the villages scoring more than 1e-9 above + those within 1e-9 with a smaller 村代码, without
-- comparing every pair: the first part is read off the sorted distinct scores (ASOF: the lowest score above
-- score + 1e-9 and how many villages are at or above it); of the second, equal scores are a row_number and
-- unequal scores within 1e-9 (rare) are found among the distinct scores in neighbouring 2e-9 buckets.
ranked_scores AS (
    SELECT score, CAST(floor(score / 2e-9) AS BIGINT) AS bucket,
           sum(count(*)) OVER (ORDER BY score DESC ROWS UNBOUNDED PRECEDING) AS at_or_above
    FROM scored WHERE score IS NOT NULL GROUP BY score
),
above AS (
    SELECT a.village_code, coalesce(rs.at_or_above, 0) AS villages_above,
           row_number() OVER (PARTITION BY a.score ORDER BY a.village_code) - 1 AS equal_before
    FROM scored a ASOF LEFT JOIN ranked_scores rs ON a.score + 1e-9 < rs.score
    WHERE a.score IS NOT NULL
),
near_scores AS MATERIALIZED (  -- (score, near_score): unequal scores within 1e-9 of each other, not more than 1e-9 above
    SELECT x.score, y.score AS near_score
    FROM (SELECT score, bucket + k AS near_bucket FROM ranked_scores, (VALUES (-1), (0), (1)) AS o(k)) x
    JOIN ranked_scores y ON y.bucket = x.near_bucket
    WHERE y.score <> x.score AND abs(y.score - x.score) <= 1e-9 AND NOT (y.score > x.score + 1e-9)
),
near_before AS (
    SELECT a.village_code, count(*) AS villages_near_before
    FROM scored a JOIN near_scores n ON n.score = a.score
    JOIN scored b ON b.score = n.near_score AND b.village_code < a.village_code
    GROUP BY a.village_code
),
ranked AS (
    SELECT ab.village_code,
           CAST(1 + ab.villages_above + ab.equal_before + coalesce(nb.villages_near_before, 0) AS BIGINT) AS rank
    FROM above ab LEFT JOIN near_before nb USING (village_code)
)
SELECT s.village_code, s.village_name, s.township_code, s.township_name, s.is_poor_village, s.exit_year,
       s.first_secretary, s.rural_population, s.poor_persons, s.incidence_pct, s.incidence_drop_pp,
       s.income_growth_pct, s.projects, s.projects_completed, s.completion_pct, s.score, r.rank
FROM scored s LEFT JOIN ranked r USING (village_code)
ORDER BY r.rank NULLS LAST, s.village_code
