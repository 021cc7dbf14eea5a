-- level: household
-- 标题：主要致贫原因缺失或不具体
-- 简称：致贫原因不细
-- 严重程度：中
-- 对象：户
-- 说明：在册户（未脱贫或已脱贫）的主要致贫原因为空，或只写了"其他""无""不详"之类。原因不细，帮扶措施就无从
--   对症，这是第三方评估常说的"原因不细"。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）；$vague_causes VARCHAR[]（视为不具体的写法，见 data/checks.toml）。
-- 结果：每个问题户一行（统一列，见 digital_exit.sql）。
WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                 -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
    SELECT s.household_id
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
      AND ($township = 'ALL' OR s.township_code = $township)
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       CASE WHEN nullif(trim(h.main_cause), '') IS NULL THEN '主要致贫原因为空'
            ELSE format('主要致贫原因只填了「{}」，未写明具体原因', trim(h.main_cause)) END AS detail
FROM households h
SEMI JOIN registered USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE (nullif(trim(h.main_cause), '') IS NULL OR list_contains($vague_causes, trim(h.main_cause)))
ORDER BY v.township_code, v.village_code, h.household_id
