-- level: household
-- 标题：疑似数字脱贫
-- 简称：数字脱贫
-- 严重程度：高
-- 对象：户
-- 说明：截止日期时已脱贫，但最近一个收入年度（不晚于截止日期所在年度）的人均纯收入低于该年国家扶贫标准。
--   收入是脱贫的硬杠杠：要么收入漏录、错录，要么是"数字脱贫"，须入户核实收入台账。
-- 参数：$line_years INTEGER[]、$line_yuan DOUBLE[]（各年扶贫标准，元/人·年，配置缺某年时用此前最近一年的标准）；
--   全县、全部日期。
-- 结果：统一列 township_code, township_name, village_code, village_name, record_id（户编号）, record_name,
--   person_name（户主）, id_number（户主身份证号）, helper, detail，和 flagged_from, flagged_to：截止日期 D 满足
--   flagged_from <= D < flagged_to 时列出。每个问题户每段（已脱贫区间 × 该收入记录为最近一年的年度）一行；
--   截止年度晚于收入年度时说明写明"Y 年无收入记录"，所以按年度分段（到数据最后一年的次年为止，其后沿用该年的说明）。
WITH exited AS (  -- 已脱贫: the household_spans rows (ingest/derived.sql) of 脱贫; valid_from is the last 脱贫
    SELECT s.household_id, s.valid_from AS last_exit, s.valid_to
    FROM household_spans s
    WHERE s.event = '脱贫'
),
poverty_lines AS (
    SELECT unnest($line_years) AS year, unnest($line_yuan) AS line_yuan
),
year_lines AS (  -- the line of each income year present: the latest configured year ≤ it (a few rows, so the
                 -- millions of income records are matched by a hash join on the year, not an ASOF join)
    SELECT y.year, pl.line_yuan
    FROM (SELECT DISTINCT year FROM income_latest) y ASOF JOIN poverty_lines pl ON y.year >= pl.year
),
below_line AS (  -- income_latest: a record is the latest ≤ Y for year <= Y < next_year (ingest/derived.sql)
    SELECT il.household_id, il.year, il.next_year, CAST(il.income AS DOUBLE) AS income, yl.line_yuan
    FROM income_latest il JOIN year_lines yl USING (year)
    WHERE CAST(il.income AS DOUBLE) < yl.line_yuan
),
horizon AS (  -- the year after the data's last one: the "Y 年无收入记录" years are listed one by one up to it
    SELECT 1 + year(max(d)) AS last_year FROM (
        SELECT max(date) AS d FROM household_events
        UNION ALL SELECT max(report_date) FROM project_progress
        UNION ALL SELECT max(date) FROM fund_allocations
        UNION ALL SELECT max(date) FROM fund_payments
        UNION ALL SELECT make_date(CAST(max(year) AS INTEGER), 1, 1) FROM incomes
    )
),
flagged AS MATERIALIZED (  -- few rows: (exited span) ∩ (years whose latest record is this one)
    SELECT b.*, e.last_exit,
           greatest(e.last_exit, make_date(CAST(b.year AS INTEGER), 1, 1)) AS span_from,
           least(e.valid_to, CASE WHEN b.next_year >= 9999 THEN DATE 'infinity'
                                  ELSE make_date(CAST(b.next_year AS INTEGER), 1, 1) END) AS span_to
    FROM below_line b JOIN exited e USING (household_id)
),
by_year AS (  -- one row per year of the range while the text names the year (the record's own year: no mention)
    SELECT f.*, y.y AS as_of_year,
           greatest(f.span_from, make_date(CAST(y.y AS INTEGER), 1, 1)) AS flagged_from,
           CASE WHEN y.y >= greatest(h.last_year, f.year) THEN f.span_to
                ELSE least(f.span_to, make_date(CAST(y.y + 1 AS INTEGER), 1, 1)) END AS flagged_to
    FROM flagged f, horizon h,
         LATERAL (SELECT unnest(range(CAST(year(f.span_from) AS BIGINT),
                                      CAST(least(year(f.span_to - 1), greatest(h.last_year, f.year)) + 1 AS BIGINT)))
                  AS y) y
    WHERE f.span_from < f.span_to
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
       format('{} 脱贫；{}{} 年人均纯收入 {:,.0f} 元，低于当年扶贫标准 {:,.0f} 元',
              strftime(b.last_exit, '%Y-%m-%d'),
              CASE WHEN b.year < b.as_of_year THEN format('{} 年无收入记录，', b.as_of_year) ELSE '' END,
              b.year, b.income, b.line_yuan) AS detail,
       b.flagged_from, b.flagged_to
FROM by_year b
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE b.flagged_from < b.flagged_to
ORDER BY v.township_code, v.village_code, h.household_id, b.flagged_from
