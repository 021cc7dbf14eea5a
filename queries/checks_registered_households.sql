-- level: township
-- 在册户数：每个乡镇在截止日期 D 在册的户（未脱贫或已脱贫），数据质量「每百户问题数」的分母。
-- The households of queries/checks_quality_by_township.sql (both compose queries/parts/checks_registered_households.sql);
-- the page divides the data-check counts it already has by these (check_views.quality_from_counts) instead of running
-- every rule again.
-- 参数：$as_of DATE。
-- 结果：township_code, households。
{{checks_registered_households}}
ORDER BY township_code
