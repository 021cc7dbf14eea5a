-- level: household
-- 标题：因病、因残致贫却无患病或残疾成员
-- 简称：致贫原因与健康不符
-- 严重程度：中
-- 对象：户
-- 说明：在册户主要致贫原因为"因病"，家庭成员中却没有"长期慢性病"或"患有大病"的人；或为"因残"，却没有"残疾"
--   的人。原因与成员情况对不上，健康扶贫、残疾人帮扶措施就落不到实处。没有该户成员记录时不判断。
-- 参数：无（全县、全部日期）。
-- 结果：每个问题户在册的每个状态区间一行（统一列，见 digital_exit.sql），flagged_from, flagged_to：
--   截止日期 D 满足 flagged_from <= D < flagged_to 时列出。
WITH registered AS (  -- 在册: the household_spans rows (ingest/derived.sql; same-day events in the order 纳入, 脱贫,
                      -- 返贫, 清退) of 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫), each valid from valid_from until valid_to
    SELECT s.household_id, s.valid_from, s.valid_to
    FROM household_spans s
    WHERE s.event IN ('纳入', '脱贫', '返贫')
),
mismatched AS (  -- household_member_counts: members listed, and how many are ill or disabled (ingest/derived.sql)
    SELECT household_id, main_cause FROM household_member_counts
    WHERE members > 0 AND ((main_cause = '因病' AND ill = 0) OR (main_cause = '因残' AND disabled = 0))
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       CASE WHEN h.main_cause = '因病' THEN '主要致贫原因为「因病」，家庭成员中没有长期慢性病或患有大病的人'
            ELSE '主要致贫原因为「因残」，家庭成员中没有残疾人' END AS detail,
       r.valid_from AS flagged_from, r.valid_to AS flagged_to
FROM mismatched m
JOIN registered r USING (household_id)
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
ORDER BY v.township_code, v.village_code, h.household_id, r.valid_from
