-- level: household
-- 标题：已脱贫但"两不愁三保障"未全部达标
-- 简称：三保障缺口
-- 严重程度：高
-- 对象：户
-- 说明：脱贫须同时做到不愁吃、不愁穿，义务教育、基本医疗、住房安全和饮水安全有保障。截止日期时已脱贫的户，
--   任何一项为"否"都说明要么脱贫不实，要么保障情况没有及时更新；任何一项"未知"（导入的文件中没有该项）
--   也列出待核实，不按"是"计。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）。
-- 结果：每个问题户一行（统一列，见 digital_exit.sql），detail 列出未达标的项目。
WITH exited AS (  -- 已脱贫 at D: the household_spans row covering D is 脱贫; its valid_from is the last 脱贫 ≤ D
    SELECT s.household_id, s.valid_from AS last_exit
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event = '脱贫'
      AND ($township = 'ALL' OR s.township_code = $township)
),
guarantee_gaps AS (  -- "否", or unknown (NULL: the imported file had no such column) — never taken as met
    SELECT household_id,
           concat_ws('、',
                     CASE WHEN NOT food_clothing THEN '吃穿不愁' END,
                     CASE WHEN NOT education THEN '义务教育有保障' END,
                     CASE WHEN NOT medical THEN '基本医疗有保障' END,
                     CASE WHEN NOT housing THEN '住房安全有保障' END,
                     CASE WHEN NOT water THEN '饮水安全有保障' END) AS gaps,
           concat_ws('、',
                     CASE WHEN food_clothing IS NULL THEN '吃穿不愁' END,
                     CASE WHEN education IS NULL THEN '义务教育有保障' END,
                     CASE WHEN medical IS NULL THEN '基本医疗有保障' END,
                     CASE WHEN housing IS NULL THEN '住房安全有保障' END,
                     CASE WHEN water IS NULL THEN '饮水安全有保障' END) AS unknown
    FROM households
    WHERE NOT coalesce(food_clothing AND education AND medical AND housing AND water, false)
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       concat(strftime(e.last_exit, '%Y-%m-%d'), ' 脱贫，但',
              concat_ws('；', CASE WHEN g.gaps <> '' THEN format('「{}」为"否"', g.gaps) END,
                        CASE WHEN g.unknown <> '' THEN format('「{}」未知（导入的文件中没有该项，待核实）', g.unknown) END))
           AS detail
FROM exited e
JOIN guarantee_gaps g USING (household_id)
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
ORDER BY v.township_code, v.village_code, h.household_id
