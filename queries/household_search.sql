-- level: household
-- 农户查询: households matching the filters, with their status at D and 两不愁三保障 gaps; one page of at most
-- $limit rows from match number $offset on (ordered by 户编号; offset 0 = the first page), and the total number
-- of matches in every row (total_matches).
-- Parameters: $as_of DATE (D), $township VARCHAR ('ALL' = 全县), $village VARCHAR ('ALL' = any village),
--   $status VARCHAR ('ALL', 未脱贫, 已脱贫, 已清退, 未纳入), $cause VARCHAR ('ALL' or a 主要致贫原因),
--   $gap VARCHAR ('ALL'; 任一 = any gap; 吃穿不愁, 义务教育, 基本医疗, 住房安全, 饮水安全 = that one unmet),
--   $search VARCHAR ('' = none; else 户编号 starting with it, or 户主姓名 containing it), $limit INTEGER,
--   $offset INTEGER.
WITH matching_households AS (
    SELECT h.*, v.village_name, v.township_code, t.township_name
    FROM households h
    JOIN villages v USING (village_code)
    JOIN townships t USING (township_code)
    WHERE ($township = 'ALL' OR v.township_code = $township)
      AND ($village = 'ALL' OR h.village_code = $village)
      AND ($cause = 'ALL' OR h.main_cause = $cause)
      AND ($search = '' OR starts_with(h.household_id, $search) OR contains(h.head_name, $search))
      AND CASE $gap
              WHEN 'ALL' THEN true
              WHEN '任一' THEN NOT (h.food_clothing AND h.education AND h.medical AND h.housing AND h.water)
              WHEN '吃穿不愁' THEN NOT h.food_clothing
              WHEN '义务教育' THEN NOT h.education
              WHEN '基本医疗' THEN NOT h.medical
              WHEN '住房安全' THEN NOT h.housing
              WHEN '饮水安全' THEN NOT h.water
          END
),
-- Without a status filter only the page's $limit matches need a status (their count needs none); with one,
-- every match does.
candidates AS (
    SELECT * FROM matching_households WHERE $status <> 'ALL'
    UNION ALL
    (SELECT * FROM matching_households WHERE $status = 'ALL' ORDER BY household_id LIMIT $limit OFFSET $offset)
),
status_at_d AS (  -- the household_spans row covering D (ingest/derived.sql; same-day events in the order 纳入, 脱贫,
                  -- 返贫, 清退); a household without one has no event yet (未纳入)
    SELECT s.household_id, s.event
    FROM household_spans s SEMI JOIN candidates USING (household_id)
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to
      AND ($township = 'ALL' OR s.township_code = $township) AND ($village = 'ALL' OR s.village_code = $village)
),
with_status AS (
    SELECT mh.*,
           CASE s.event WHEN '纳入' THEN '未脱贫' WHEN '返贫' THEN '未脱贫' WHEN '脱贫' THEN '已脱贫'
                        WHEN '清退' THEN '已清退' ELSE '未纳入' END AS status
    FROM candidates mh LEFT JOIN status_at_d s USING (household_id)
)
SELECT household_id, head_name, head_id_number, township_code, township_name, village_code, village_name,
       size, attribute, main_cause, labor_count, helper, status,
       food_clothing, education, medical, housing, water,
       concat_ws('、',
           CASE WHEN NOT food_clothing THEN '吃穿不愁' END, CASE WHEN NOT education THEN '义务教育' END,
           CASE WHEN NOT medical THEN '基本医疗' END, CASE WHEN NOT housing THEN '住房安全' END,
           CASE WHEN NOT water THEN '饮水安全' END) AS gaps,
       CASE WHEN $status = 'ALL' THEN (SELECT count(*) FROM matching_households) ELSE count(*) OVER () END
           AS total_matches
FROM with_status
WHERE $status = 'ALL' OR status = $status
ORDER BY household_id
LIMIT $limit OFFSET (CASE WHEN $status = 'ALL' THEN 0 ELSE $offset END)  -- without a status: paged above
