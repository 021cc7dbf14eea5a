-- level: village
-- 标题：已完工项目形象进度不足 100%
-- 简称：完工进度不符
-- 严重程度：中
-- 对象：项目
-- 说明：项目截止日期时最近一次填报的状态为"已完工"或"已验收"，形象进度却不到 100%。状态和进度必有一个不实，
--   会同时影响项目完工率和资金支出进度的判断。
-- 参数：无（全县、全部日期；页面按数据截止日期 D 取 flagged_from <= D < flagged_to 的行）。
-- 结果：每个问题项目在每段问题期间一行（统一列，见 digital_exit.sql，另加 flagged_from、flagged_to）；
--   record_id 为项目编号，record_name 为项目名称。
-- A project is flagged while the report that is its latest one says 已完工/已验收 below 100%: from that report's
-- date until its next report (project_spans, ingest/derived.sql; its open end 9999-12-31 is 'infinity' here).
-- The detail names that report, so it is constant over the range.
SELECT pr.township_code, t.township_name, pr.village_code, v.village_name,
       pr.project_id AS record_id, pr.project_name AS record_name,
       CAST(NULL AS VARCHAR) AS person_name, CAST(NULL AS VARCHAR) AS id_number,
       CAST(NULL AS VARCHAR) AS helper,
       format('{} 年度项目；{} 填报状态「{}」，形象进度仅 {:.0f}%', pr.year, strftime(ps.valid_from, '%Y-%m-%d'),
              ps.status, CAST(ps.progress_pct AS DOUBLE)) AS detail,
       ps.valid_from AS flagged_from,
       CASE WHEN ps.valid_to = DATE '9999-12-31' THEN DATE 'infinity' ELSE ps.valid_to END AS flagged_to
FROM project_spans ps
JOIN projects pr USING (project_id)
JOIN townships t ON t.township_code = pr.township_code
LEFT JOIN villages v ON v.village_code = pr.village_code
WHERE ps.status IN ('已完工', '已验收') AND ps.progress_pct < 100 AND ps.valid_from < ps.valid_to
ORDER BY pr.township_code, pr.project_id, flagged_from
