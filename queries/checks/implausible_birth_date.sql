-- level: household
-- 标题：身份证出生日期异常
-- 简称：出生日期异常
-- 严重程度：中
-- 对象：成员
-- 说明：按身份证号第 7–14 位（15 位旧号第 7–12 位）算出的出生日期，在截止日期时年龄超过上限（默认 110 岁），
--   或晚于今天，或根本不是有效日期。多为录入时位数错位，会让因学、因老等判断全部失真。
-- 参数：$max_age_years INTEGER（年龄上限）；全县、全部日期。"今天"是查询运行的日子（发布时预备的清单：发布那天）。
-- 结果：统一列（见 digital_exit.sql）和 flagged_from, flagged_to：截止日期 D 满足 flagged_from <= D < flagged_to 时
--   列出。每个问题人每段（在册区间 × 超龄后的一个周岁）一行（说明写明截止日期时的岁数）。逐岁只列到数据最后一年的
--   次年年底（页面可选的日期不晚于数据截止日期）：其后的日期沿用那时的岁数，那以后才超龄的人不列。
WITH horizon AS (  -- the last day of the year after the data's last one: ages are listed one by one up to it
    SELECT make_date(CAST(1 + year(max(d)) AS INTEGER), 12, 31) AS last_day FROM (
        SELECT max(date) AS d FROM household_events
        UNION ALL SELECT max(report_date) FROM project_progress
        UNION ALL SELECT max(date) FROM fund_allocations
        UNION ALL SELECT max(date) FROM fund_payments
        UNION ALL SELECT make_date(CAST(max(year) AS INTEGER), 1, 1) FROM incomes
    )
),
persons AS MATERIALIZED (  -- household_persons (ingest/derived.sql): heads and members, each (household, number)
              -- once, born parsed from the number (blank when it is not a valid date) — those whose date is invalid, in
              -- the future, or over the age limit by the horizon: from born + (limit + 1) years (date_sub('year',
              -- born, D) > limit)
    SELECT p.household_id, p.id_number, p.name, p.relation, p.born,
           CAST(p.born + to_years(CAST($max_age_years + 1 AS INTEGER)) AS DATE) AS too_old_from
    FROM household_persons p, horizon hz
    WHERE p.born IS NULL OR p.born > current_date
       OR CAST(p.born + to_years(CAST($max_age_years + 1 AS INTEGER)) AS DATE) <= hz.last_day
),
registered AS (  -- 在册: their household_spans rows (ingest/derived.sql; same-day events in the order 纳入, 脱贫,
                 -- 返贫, 清退) of 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫), each valid from valid_from until valid_to
    SELECT s.household_id, s.valid_from, s.valid_to
    FROM household_spans s SEMI JOIN persons USING (household_id)
    WHERE s.event IN ('纳入', '脱贫', '返贫')
),
judged AS (  -- per person and registered span: an invalid or future date over the whole span; past the age limit,
             -- one row per age k (from born + k years), the last one until the span's end
    SELECT p.household_id, p.id_number, p.name, p.relation,
           CASE WHEN p.born IS NULL THEN '身份证号中的出生日期不是有效日期'
                ELSE format('出生日期 {} 晚于今天', strftime(p.born, '%Y-%m-%d')) END AS problem,
           r.valid_from AS flagged_from, r.valid_to AS flagged_to
    FROM persons p JOIN registered r USING (household_id)
    WHERE p.born IS NULL OR p.born > current_date
    UNION ALL
    SELECT p.household_id, p.id_number, p.name, p.relation,
           format('出生日期 {}，截止日期时 {} 岁，超过 {} 岁', strftime(p.born, '%Y-%m-%d'), a.k, $max_age_years),
           greatest(r.valid_from, CAST(p.born + to_years(CAST(a.k AS INTEGER)) AS DATE)),
           CASE WHEN a.k = a.last_k THEN r.valid_to
                ELSE least(r.valid_to, CAST(p.born + to_years(CAST(a.k + 1 AS INTEGER)) AS DATE)) END
    FROM persons p
    CROSS JOIN horizon hz
    JOIN registered r ON r.household_id = p.household_id AND p.too_old_from < r.valid_to,
    LATERAL (SELECT k, last_k FROM (
                 SELECT date_sub('year', p.born, least(r.valid_to - 1, greatest(hz.last_day, r.valid_from))) AS last_k
             ), LATERAL (SELECT unnest(range(greatest(CAST($max_age_years + 1 AS BIGINT),
                                                      date_sub('year', p.born, r.valid_from)), last_k + 1)) AS k)) a
    WHERE p.born IS NOT NULL AND p.born <= current_date AND p.too_old_from <= hz.last_day
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       j.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       j.name AS person_name, j.id_number, h.helper,
       format('{}：{}', j.relation, j.problem) AS detail, j.flagged_from, j.flagged_to
FROM judged j
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
WHERE j.flagged_from < j.flagged_to
ORDER BY v.township_code, v.village_code, j.household_id, j.id_number, j.flagged_from
