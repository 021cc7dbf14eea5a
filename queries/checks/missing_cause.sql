-- level: household
-- 标题：主要致贫原因缺失或不具体
-- 简称：致贫原因不细
-- 严重程度：中
-- 对象：户
-- 说明：在册户（未脱贫或已脱贫）的主要致贫原因为空，或只写了"其他""无""不详"之类。原因不细，帮扶措施就无从
--   对症，这是第三方评估常说的"原因不细"。
-- 参数：$vague_causes VARCHAR[]（视为不具体的写法，见 data/checks.toml）；全县、全部日期。
-- 结果：每个问题户在册的每个状态区间一行（统一列，见 digital_exit.sql），flagged_from, flagged_to：
--   截止日期 D 满足 flagged_from <= D < flagged_to 时列出。
WITH registered AS (  -- 在册: the household_spans rows (ingest/derived.sql; same-day events in the order 纳入, 脱贫,
                      -- 返贫, 清退) of 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫), each valid from valid_from until valid_to
    SELECT s.household_id, s.valid_from, s.valid_to
    FROM household_spans s
    WHERE s.event IN ('纳入', '脱贫', '返贫')
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       CASE WHEN nullif(trim(h.main_cause), '') IS NULL THEN '主要致贫原因为空'
            ELSE format('主要致贫原因只填了「{}」，未写明具体原因', trim(h.main_cause)) END AS detail,
       r.valid_from AS flagged_from, r.valid_to AS flagged_to
FROM households h
JOIN registered r USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE (nullif(trim(h.main_cause), '') IS NULL OR list_contains($vague_causes, trim(h.main_cause)))
ORDER BY v.township_code, v.village_code, h.household_id, r.valid_from
