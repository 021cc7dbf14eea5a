-- level: village
-- 标题：已完工项目没有任何资金支出
-- 简称：完工无支出
-- 严重程度：高
-- 对象：项目
-- 说明：项目截止日期时最近一次填报的状态为"已完工"或"已验收"，但截至该日没有一笔资金支出记录。
--   要么资金支出没有录入（资金结余率虚高），要么项目并未真正完工（"纸面完工"）。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）。
-- 结果：每个问题项目一行（统一列，见 digital_exit.sql）；record_id 为项目编号，record_name 为项目名称。
WITH completed AS (  -- a project's status at D: the project_spans row covering D (its latest report ≤ D)
    SELECT ps.project_id, ps.valid_from AS report_date, ps.status
    FROM project_spans ps
    WHERE ps.valid_from <= $as_of::DATE AND $as_of::DATE < ps.valid_to AND ps.status IN ('已完工', '已验收')
      AND ($township = 'ALL' OR ps.township_code = $township)
),
unpaid AS (  -- no payment dated on or before D
    SELECT c.* FROM completed c
    WHERE c.project_id NOT IN (SELECT x.project_id FROM fund_payments x WHERE x.date <= $as_of::DATE)
),
allocated_at_d AS (
    SELECT a.project_id, CAST(sum(a.amount) AS DOUBLE) AS allocated_wan
    FROM fund_allocations a SEMI JOIN unpaid USING (project_id)
    WHERE a.date <= $as_of::DATE GROUP BY a.project_id
)
SELECT pr.township_code, t.township_name, pr.village_code, v.village_name,
       pr.project_id AS record_id, pr.project_name AS record_name,
       CAST(NULL AS VARCHAR) AS person_name, CAST(NULL AS VARCHAR) AS id_number,
       CAST(NULL AS VARCHAR) AS helper,
       format('{} 年度项目；{} 填报「{}」，已下达 {:,.2f} 万元，截至截止日期没有支出记录', pr.year,
              strftime(u.report_date, '%Y-%m-%d'), u.status, coalesce(a.allocated_wan, 0)) AS detail
FROM unpaid u
JOIN projects pr USING (project_id)
JOIN townships t USING (township_code)
LEFT JOIN villages v ON v.village_code = pr.village_code
LEFT JOIN allocated_at_d a USING (project_id)
ORDER BY pr.township_code, pr.project_id
