-- level: household
-- 标题：未落实帮扶责任人
-- 简称：无帮扶人
-- 严重程度：中
-- 对象：户
-- 说明：在册户（未脱贫或已脱贫，脱贫不脱帮扶）没有填写帮扶责任人。每户都要有结对帮扶干部，
--   缺了就说明"结对帮扶全覆盖"有漏洞，或者台账没有更新。
-- 参数：无（全县、全部日期）。
-- 结果：每个问题户在册的每个状态区间一行（统一列，见 digital_exit.sql），flagged_from, flagged_to：
--   截止日期 D 满足 flagged_from <= D < flagged_to 时列出。
WITH registered AS (  -- 在册: the household_spans rows (ingest/derived.sql; same-day events in the order 纳入, 脱贫,
                      -- 返贫, 清退) of 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫), each valid from valid_from until valid_to
    SELECT s.household_id, s.event, s.valid_from, s.valid_to
    FROM household_spans s
    WHERE s.event IN ('纳入', '脱贫', '返贫')
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       format('{}户未填写帮扶责任人', CASE WHEN r.event = '脱贫' THEN '已脱贫' ELSE '未脱贫' END) AS detail,
       r.valid_from AS flagged_from, r.valid_to AS flagged_to
FROM households h
JOIN registered r USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE nullif(trim(h.helper), '') IS NULL
ORDER BY v.township_code, v.village_code, h.household_id, r.valid_from
