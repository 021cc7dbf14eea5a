-- level: township
-- 在册户数：每个乡镇在截止日期 D 在册的户（未脱贫或已脱贫），数据质量「每百户问题数」的分母。
-- The same households as registered_households in queries/checks_quality_by_township.sql; the page divides the
-- data-check counts it already has by these (check_views.quality_from_counts) instead of running every rule again.
-- 参数：$as_of DATE。
-- 结果：township_code, households。
SELECT township_code, count(*) AS households
FROM household_spans
WHERE valid_from <= CAST($as_of AS DATE) AND CAST($as_of AS DATE) < valid_to
  AND event IN ('纳入', '脱贫', '返贫')
GROUP BY township_code
ORDER BY township_code
