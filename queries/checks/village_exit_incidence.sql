-- 标题：已出列贫困村贫困发生率超过出列标准
-- 简称：出列村发生率超标
-- 严重程度：高
-- 对象：村
-- 说明：出列年份不晚于截止日期所在年度的贫困村，截止日期时贫困发生率（未脱贫户家庭人口数 ÷ 农业户籍人口）
--   仍高于出列标准（默认 2%，西部地区 3%）。要么出列不实，要么返贫后没有重新评估，须逐户核实。
-- 参数：$as_of DATE（数据截止日期）；$township VARCHAR（乡镇代码，'ALL' = 全县）；$exit_incidence_max_pct DOUBLE（出列标准，%）。
-- 结果：每个问题村一行（统一列，见 digital_exit.sql）；record_id 为村代码，record_name 为村名称。
-- scope: township
WITH params AS (
    SELECT CAST($as_of AS DATE) AS d, year(CAST($as_of AS DATE)) AS y
),
status_at_d AS (  -- the last event on or before D; same-day events apply in the order 纳入, 脱贫, 返贫, 清退
    SELECT e.household_id, arg_max(e.event, (e.date, e.event_order)) AS event
    FROM household_events e, params p
    WHERE e.date <= p.d
    GROUP BY e.household_id
),
exited_villages AS (
    SELECT v.* FROM villages v, params p
    WHERE v.is_poor_village AND v.exit_year <= p.y
),
poor_persons AS (  -- 未脱贫 at D: last event 纳入 or 返贫
    SELECT h.village_code, sum(h.size) AS persons
    FROM households h JOIN status_at_d s USING (household_id)
    WHERE s.event IN ('纳入', '返贫')
    GROUP BY h.village_code
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
  AND ($township = 'ALL' OR vi.township_code = $township)
ORDER BY vi.township_code, vi.village_code
