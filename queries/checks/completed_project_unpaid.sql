-- 标题：已完工项目没有任何资金支出
-- 简称：完工无支出
-- 严重程度：高
-- 对象：项目
-- 说明：项目截止日期时最近一次填报的状态为"已完工"或"已验收"，但截至该日没有一笔资金支出记录。
--   要么资金支出没有录入（资金结余率虚高），要么项目并未真正完工（"纸面完工"）。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）。
-- 结果：每个问题项目一行（统一列，见 digital_exit.sql）；record_id 为项目编号，record_name 为项目名称。
-- scope: township
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d
),
latest_progress AS (  -- a project's status at D: its latest report dated on or before D
    SELECT pp.project_id, max(pp.report_date) AS report_date, arg_max(pp.status, pp.report_date) AS status
    FROM project_progress pp, params p
    WHERE pp.report_date <= p.d
    GROUP BY pp.project_id
),
allocated_at_d AS (
    SELECT a.project_id, CAST(sum(a.amount) AS DOUBLE) AS allocated_wan
    FROM fund_allocations a, params p WHERE a.date <= p.d GROUP BY a.project_id
),
paid_at_d AS (
    SELECT DISTINCT x.project_id FROM fund_payments x, params p WHERE x.date <= p.d
)
SELECT pr.township_code, t.township_name, pr.village_code, v.village_name,
       pr.project_id AS record_id, pr.project_name AS record_name,
       CAST(NULL AS VARCHAR) AS person_name, CAST(NULL AS VARCHAR) AS id_number,
       CAST(NULL AS VARCHAR) AS helper,
       format('{} 年度项目；{} 填报「{}」，已下达 {:,.2f} 万元，截至截止日期没有支出记录', pr.year,
              strftime(lp.report_date, '%Y-%m-%d'), lp.status, coalesce(a.allocated_wan, 0)) AS detail
FROM latest_progress lp
JOIN projects pr USING (project_id)
JOIN townships t USING (township_code)
LEFT JOIN villages v ON v.village_code = pr.village_code
LEFT JOIN allocated_at_d a USING (project_id)
WHERE lp.status IN ('已完工', '已验收')
  AND lp.project_id NOT IN (SELECT project_id FROM paid_at_d)
  AND ($township = 'ALL' OR pr.township_code = $township)
ORDER BY pr.township_code, pr.project_id
