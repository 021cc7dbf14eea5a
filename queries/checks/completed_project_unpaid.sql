-- level: village
-- 标题：已完工项目没有任何资金支出
-- 简称：完工无支出
-- 严重程度：高
-- 对象：项目
-- 说明：项目截止日期时最近一次填报的状态为"已完工"或"已验收"，但截至该日没有一笔资金支出记录。
--   要么资金支出没有录入（资金结余率虚高），要么项目并未真正完工（"纸面完工"）。
-- 参数：无（全县、全部日期；页面按数据截止日期 D 取 flagged_from <= D < flagged_to 的行）。
-- 结果：每个问题项目在每段问题期间一行（统一列，见 digital_exit.sql，另加 flagged_from、flagged_to）；
--   record_id 为项目编号，record_name 为项目名称；一段期间内已下达金额不变。
WITH completed AS (  -- a report saying 已完工/已验收 holds from its date until the project's next report
                     -- (project_spans, ingest/derived.sql) or its first payment, whichever comes first
    SELECT ps.project_id, ps.valid_from AS report_date, ps.status,
           least(CASE WHEN ps.valid_to = DATE '9999-12-31' THEN DATE 'infinity' ELSE ps.valid_to END,
                 coalesce(fp.first_paid, DATE 'infinity')) AS unpaid_to
    FROM project_spans ps
    LEFT JOIN (SELECT project_id, min(date) AS first_paid FROM fund_payments GROUP BY project_id) fp USING (project_id)
    WHERE ps.status IN ('已完工', '已验收')
),
unpaid AS (
    SELECT * FROM completed WHERE report_date < unpaid_to
),
cuts AS (  -- the detail names the amount allocated up to D: a new range at each allocation dated within one
    SELECT project_id, report_date, report_date AS cut FROM unpaid
    UNION
    SELECT u.project_id, u.report_date, a.date
    FROM unpaid u JOIN fund_allocations a ON a.project_id = u.project_id
                                         AND u.report_date < a.date AND a.date < u.unpaid_to
),
allocated_by_day AS (  -- a project's allocations up to and including each day it received one
    SELECT project_id, date, CAST(sum(sum(amount)) OVER (PARTITION BY project_id ORDER BY date) AS DOUBLE) AS allocated_wan
    FROM fund_allocations
    GROUP BY project_id, date
),
pieces AS (
    SELECT c.project_id, c.report_date, c.cut AS flagged_from,
           coalesce(lead(c.cut) OVER (PARTITION BY c.project_id, c.report_date ORDER BY c.cut), u.unpaid_to) AS flagged_to,
           u.status
    FROM cuts c JOIN unpaid u USING (project_id, report_date)
)
SELECT pr.township_code, t.township_name, pr.village_code, v.village_name,
       pr.project_id AS record_id, pr.project_name AS record_name,
       CAST(NULL AS VARCHAR) AS person_name, CAST(NULL AS VARCHAR) AS id_number,
       CAST(NULL AS VARCHAR) AS helper,
       format('{} 年度项目；{} 填报「{}」，已下达 {:,.2f} 万元，截至截止日期没有支出记录', pr.year,
              strftime(p.report_date, '%Y-%m-%d'), p.status, coalesce(a.allocated_wan, 0)) AS detail,
       p.flagged_from, p.flagged_to
FROM pieces p
JOIN projects pr USING (project_id)
JOIN townships t ON t.township_code = pr.township_code
LEFT JOIN villages v ON v.village_code = pr.village_code
ASOF LEFT JOIN allocated_by_day a ON a.project_id = p.project_id AND a.date <= p.flagged_from
ORDER BY pr.township_code, pr.project_id, p.flagged_from
