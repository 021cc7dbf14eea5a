-- level: household
-- 惠及本村的项目: projects of the household's village, and township-wide projects (no 村代码) of its township,
-- with status and 形象进度 at D (latest report dated ≤ D; none yet: 未开工, 0) and funds to D (万元).
-- Parameters: $household_id VARCHAR (户编号), $township VARCHAR ('ALL' = any; a 乡镇 user is held to theirs), $as_of DATE (D).
WITH params AS (SELECT CAST($as_of AS DATE) AS d),
home AS (
    SELECT h.village_code, v.township_code
    FROM households h JOIN villages v USING (village_code)
    WHERE h.household_id = $household_id AND ($township = 'ALL' OR v.township_code = $township)
),
village_projects AS (
    SELECT pr.*, CASE WHEN pr.village_code IS NULL THEN '全乡镇' ELSE '本村' END AS scope
    FROM projects pr JOIN home ON pr.township_code = home.township_code
    WHERE pr.village_code = home.village_code OR pr.village_code IS NULL
),
latest_progress AS (
    SELECT pp.project_id, arg_max(pp.status, pp.report_date) AS status,
           arg_max(pp.progress_pct, pp.report_date) AS progress_pct
    FROM project_progress pp SEMI JOIN village_projects USING (project_id), params p
    WHERE pp.report_date <= p.d
    GROUP BY pp.project_id
),
funds AS (
    SELECT project_id, sum(allocated) AS allocated, sum(spent) AS spent FROM (
        SELECT a.project_id, a.amount AS allocated, 0 AS spent
        FROM fund_allocations a SEMI JOIN village_projects USING (project_id), params p WHERE a.date <= p.d
        UNION ALL
        SELECT x.project_id, 0, x.amount
        FROM fund_payments x SEMI JOIN village_projects USING (project_id), params p WHERE x.date <= p.d
    ) GROUP BY project_id
)
SELECT vp.project_id, vp.project_name, vp.scope, vp.category, CAST(vp.year AS INTEGER) AS year,
       CAST(vp.planned_investment AS DOUBLE) AS planned_investment_wan,
       coalesce(lp.status, '未开工') AS status, CAST(coalesce(lp.progress_pct, 0) AS DOUBLE) AS progress_pct,
       CAST(coalesce(f.allocated, 0) AS DOUBLE) AS allocated_wan, CAST(coalesce(f.spent, 0) AS DOUBLE) AS spent_wan,
       vp.beneficiary_households
FROM village_projects vp
LEFT JOIN latest_progress lp USING (project_id)
LEFT JOIN funds f USING (project_id)
ORDER BY vp.year DESC, vp.scope DESC, vp.project_id
