-- level: village
-- 标题：已出列贫困村贫困发生率超过出列标准
-- 简称：出列村发生率超标
-- 严重程度：高
-- 对象：村
-- 说明：出列年份不晚于截止日期所在年度的贫困村，截止日期时贫困发生率（未脱贫户家庭人口数 ÷ 农业户籍人口）
--   仍高于出列标准（默认 2%，西部地区 3%）。要么出列不实，要么返贫后没有重新评估，须逐户核实。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）；$exit_incidence_max_pct DOUBLE（出列标准，%）。
-- 结果：每个问题村一行（统一列，见 digital_exit.sql）；record_id 为村代码，record_name 为村名称。
WITH exited_villages AS (
    SELECT v.* FROM villages v
    WHERE v.is_poor_village AND v.exit_year <= year($as_of::DATE)
      AND ($township = 'ALL' OR v.township_code = $township)
),
poor_persons AS (  -- 未脱贫 at D: the household_spans row covering D (ingest/derived.sql) is 纳入 or 返贫
    SELECT s.village_code, sum(s.size) AS persons
    FROM household_spans s SEMI JOIN exited_villages USING (village_code)
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '返贫')
      AND ($township = 'ALL' OR s.township_code = $township)
    GROUP BY s.village_code
),
village_incidence AS (
    SELECT ev.*, coalesce(pp.persons, 0) AS poor,
           100.0 * coalesce(pp.persons, 0) / nullif(ev.rural_population, 0) AS incidence_pct
    FROM exited_villages ev LEFT JOIN poor_persons pp USING (village_code)
)
SELECT vi.township_code, t.township_name, vi.village_code, vi.village_name,
       vi.village_code AS record_id, vi.village_name AS record_name,
       CAST(NULL AS VARCHAR) AS person_name, CAST(NULL AS VARCHAR) AS id_number,
       vi.first_secretary AS helper,
       format('{} 年出列；截止日期贫困人口 {} 人，贫困发生率 {:.2f}%，高于出列标准 {}%', vi.exit_year, vi.poor,
              vi.incidence_pct, $exit_incidence_max_pct) AS detail
FROM village_incidence vi
JOIN townships t USING (township_code)
WHERE vi.incidence_pct > $exit_incidence_max_pct
ORDER BY vi.township_code, vi.village_code
