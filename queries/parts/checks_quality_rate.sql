-- 数据质量 per township and for the county (ROLLUP): issues per 100 registered households, from the CTEs
-- registered_households (township_code, households) and issue_counts (township_code, issues) of the query
-- composing it: parts/checks_quality.sql (the live query and its lookup of the table prepared at publish).
by_area AS (
    SELECT coalesce(t.township_code, 'ALL') AS township_code,
           CAST(sum(coalesce(rh.households, 0)) AS BIGINT) AS households,
           CAST(sum(coalesce(ic.issues, 0)) AS BIGINT) AS issues
    FROM townships t
    LEFT JOIN registered_households rh USING (township_code)
    LEFT JOIN issue_counts ic USING (township_code)
    GROUP BY ROLLUP (t.township_code)
)
SELECT b.township_code, coalesce(t.township_name, '全县') AS township_name, b.households, b.issues,
       100.0 * b.issues / nullif(b.households, 0) AS issues_per_100_households
FROM by_area b LEFT JOIN townships t USING (township_code)
ORDER BY b.township_code = 'ALL', b.township_code
