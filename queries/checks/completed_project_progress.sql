-- level: village
-- 标题：已完工项目形象进度不足 100%
-- 简称：完工进度不符
-- 严重程度：中
-- 对象：项目
-- 说明：项目截止日期时最近一次填报的状态为"已完工"或"已验收"，形象进度却不到 100%。状态和进度必有一个不实，
--   会同时影响项目完工率和资金支出进度的判断。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）。
-- 结果：每个问题项目一行（统一列，见 digital_exit.sql）；record_id 为项目编号，record_name 为项目名称。
WITH latest_progress AS (  -- a project's status at D: the project_spans row covering D (its latest report ≤ D)
    SELECT ps.project_id, ps.valid_from AS report_date, ps.status, CAST(ps.progress_pct AS DOUBLE) AS progress_pct
    FROM project_spans ps
    WHERE ps.valid_from <= $as_of::DATE AND $as_of::DATE < ps.valid_to
      AND ps.status IN ('已完工', '已验收') AND ps.progress_pct < 100
      AND ($township = 'ALL' OR ps.township_code = $township)
)
SELECT pr.township_code, t.township_name, pr.village_code, v.village_name,
       pr.project_id AS record_id, pr.project_name AS record_name,
       CAST(NULL AS VARCHAR) AS person_name, CAST(NULL AS VARCHAR) AS id_number,
       CAST(NULL AS VARCHAR) AS helper,
       format('{} 年度项目；{} 填报状态「{}」，形象进度仅 {:.0f}%', pr.year, strftime(lp.report_date, '%Y-%m-%d'),
              lp.status, lp.progress_pct) AS detail
FROM latest_progress lp
JOIN projects pr USING (project_id)
JOIN townships t USING (township_code)
LEFT JOIN villages v ON v.village_code = pr.village_code
ORDER BY pr.township_code, pr.project_id
