-- level: household
-- 标题：已脱贫但"两不愁三保障"未全部达标
-- 简称：三保障缺口
-- 严重程度：高
-- 对象：户
-- 说明：脱贫须同时做到不愁吃、不愁穿，义务教育、基本医疗、住房安全和饮水安全有保障。截止日期时已脱贫的户，
--   任何一项为"否"都说明要么脱贫不实，要么保障情况没有及时更新；任何一项"未知"（导入的文件中没有该项）
--   也列出待核实，不按"是"计。
-- 参数：无（全县、全部日期）。
-- 结果：每个问题户每段已脱贫的状态区间一行（统一列，见 digital_exit.sql），detail 列出未达标的项目；
--   flagged_from, flagged_to：截止日期 D 满足 flagged_from <= D < flagged_to 时列出。
WITH exited AS (  -- 已脱贫: the household_spans rows (ingest/derived.sql) of 脱贫, from the exit (valid_from) until
                  -- the household's next change of status (valid_to)
    SELECT s.household_id, s.valid_from AS last_exit, s.valid_to
    FROM household_spans s
    WHERE s.event = '脱贫'
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
           AS detail,
       e.last_exit AS flagged_from, e.valid_to AS flagged_to
FROM exited e
JOIN guarantee_gaps g USING (household_id)
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
ORDER BY v.township_code, v.village_code, h.household_id, e.last_exit
