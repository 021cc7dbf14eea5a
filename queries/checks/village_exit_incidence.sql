-- level: village
-- 标题：已出列贫困村贫困发生率超过出列标准
-- 简称：出列村发生率超标
-- 严重程度：高
-- 对象：村
-- 说明：出列年份不晚于截止日期所在年度的贫困村，截止日期时贫困发生率（未脱贫户家庭人口数 ÷ 农业户籍人口）
--   仍高于出列标准（默认 2%，西部地区 3%）。要么出列不实，要么返贫后没有重新评估，须逐户核实。
-- 参数：$exit_incidence_max_pct DOUBLE（出列标准，%）；全县、全部日期（页面按数据截止日期 D 取
--   flagged_from <= D < flagged_to 的行）。
-- 结果：每个问题村在贫困人口数不变的每段期间一行（统一列，见 digital_exit.sql，另加 flagged_from、flagged_to）；
--   record_id 为村代码，record_name 为村名称。
WITH exited_villages AS (  -- marked 出列 from January 1 of its exit year
    SELECT v.*, make_date(v.exit_year, 1, 1) AS exited_from
    FROM villages v
    WHERE v.is_poor_village AND v.exit_year IS NOT NULL
),
changes AS (  -- 未脱贫 at D: a household_spans row (ingest/derived.sql) of 纳入 or 返贫 covering D; its persons count
              -- from valid_from and stop counting at valid_to (9999-12-31: never). Changes before the village is
              -- marked 出列 only make up its count on that day: they are taken as of that day.
    SELECT village_code, greatest(day, exited_from) AS day, CAST(sum(persons) AS BIGINT) AS change
    FROM (  -- one scan of the spans, each one or two changes (unnest, not a correlated subquery per span)
        SELECT ev.village_code, ev.exited_from,
               unnest(CASE WHEN s.valid_to <> DATE '9999-12-31' THEN [s.valid_from, s.valid_to]
                           ELSE [s.valid_from] END) AS day,
               unnest(CASE WHEN s.valid_to <> DATE '9999-12-31' THEN [s.size, -s.size] ELSE [s.size] END) AS persons
        FROM household_spans s JOIN exited_villages ev USING (village_code)
        WHERE s.event IN ('纳入', '返贫')
    )
    GROUP BY ALL
    HAVING sum(persons) <> 0
),
village_incidence AS (  -- the village's poor persons from each day its count changes until the next one (before
                        -- the first: none, never above the standard, which settings.py keeps ≥ 0)
    SELECT ev.*, c.day AS flagged_from, coalesce(lead(c.day) OVER by_day, DATE 'infinity') AS flagged_to,
           sum(c.change) OVER (by_day ROWS UNBOUNDED PRECEDING) AS poor
    FROM exited_villages ev JOIN changes c USING (village_code)
    WINDOW by_day AS (PARTITION BY c.village_code ORDER BY c.day)
)
-- No ORDER BY: at 1,000,000 households this is ~220,000 rows (a village's count changes with every household's
-- status); the lists are ordered where they are read (queries/parts/checks_rows.sql).
SELECT vi.township_code, t.township_name, vi.village_code, vi.village_name,
       vi.village_code AS record_id, vi.village_name AS record_name,
       CAST(NULL AS VARCHAR) AS person_name, CAST(NULL AS VARCHAR) AS id_number,
       vi.first_secretary AS helper,
       format('{} 年出列；截止日期贫困人口 {} 人，贫困发生率 {:.2f}%，高于出列标准 {}%', vi.exit_year, vi.poor,
              100.0 * vi.poor / vi.rural_population, $exit_incidence_max_pct) AS detail,
       vi.flagged_from, vi.flagged_to
FROM village_incidence vi
JOIN townships t USING (township_code)
WHERE 100.0 * vi.poor / nullif(vi.rural_population, 0) > $exit_incidence_max_pct
