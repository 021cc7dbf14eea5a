-- level: county
-- 县名 for the 报头 of the meeting papers: meta key county_name when the import set it, 演示县 for the demo
-- county, else 本县. No parameters.
SELECT coalesce(max(value) FILTER (WHERE key = 'county_name'),
                CASE WHEN max(value) FILTER (WHERE key = 'is_demo') = 'true' THEN '演示县' END,
                '本县') AS county_name
FROM meta
