-- level: household
-- 防返贫监测：截止日期已脱贫、命中至少一个返贫风险因素的户，附风险分和原因，按风险分从高到低。
-- 风险因素（权重见 data/checks.toml [risk.weights]，风险分 = 命中因素的权重之和）：
--   low_income   最近一个收入年度（不晚于截止年度）人均纯收入低于监测线（当年扶贫标准 × 系数）；
--   income_drop  该年人均纯收入比上一年下降超过 $income_drop_pct %；
--   ill_no_labor 主要致贫原因为因病或因残，且劳动力人数为 0；
--   guarantee_gap 两不愁三保障有任何一项为"否"。
-- 参数：$as_of DATE；$township VARCHAR（乡镇代码，'ALL' = 全县）；$line_years INTEGER[]、$line_yuan DOUBLE[]（各年扶贫
--   标准）；$monitoring_line_factor DOUBLE；$income_drop_pct DOUBLE；$w_low_income、$w_income_drop、$w_ill_no_labor、
--   $w_guarantee_gap DOUBLE（权重）；$risk_high_score、$risk_medium_score DOUBLE（高、中风险的分数线）。
--   $per_level INTEGER：每个风险等级只返回风险分最高的这么多户（百万户的县有几十万户，页面只列前面的）；
--   level_households = 该等级的全部户数。
WITH exited AS (  -- 已脱贫 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                 -- order 纳入, 脱贫, 返贫, 清退) is 脱贫, and its valid_from is the last 脱贫 on or before D
    SELECT s.household_id, s.valid_from AS last_exit
    FROM household_spans s
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event = '脱贫'
      AND ($township = 'ALL' OR s.township_code = $township)
),
exited_households AS (  -- one scan of households; the place names and the reasons only for the rows listed
    SELECT h.household_id, h.village_code, v.township_code, h.head_name, h.head_id_number, h.size, h.main_cause,
           h.labor_count, h.helper, h.food_clothing, h.education, h.medical, h.housing, h.water, e.last_exit
    FROM exited e
    JOIN households h USING (household_id)
    JOIN villages v USING (village_code)
    SEMI JOIN townships t USING (township_code)
    -- Redundant with `exited`, and on purpose: a township's few villages become a filter on the households scan
    -- itself (a hash join's build side of ≤ 50 keys is pushed into the probe's scan), so one township reads its own
    -- households' blocks instead of all of them: 150-170 → 80-100 ms at 1,000,000 households.
    WHERE ($township = 'ALL' OR v.township_code = $township)
),
poverty_lines AS (
    SELECT unnest($line_years) AS year, unnest($line_yuan) AS line_yuan
),
income_position AS (  -- latest income year ≤ Y (income_latest: year <= Y < next_year), the year before, and the
                      -- monitoring line of that year
    SELECT il.household_id, il.year, CAST(il.income AS DOUBLE) AS income, CAST(il.income_prev AS DOUBLE) AS income_prev,
           pl.line_yuan * $monitoring_line_factor AS monitoring_line
    FROM income_latest il
    ASOF JOIN poverty_lines pl ON il.year >= pl.year
    WHERE il.year <= year($as_of::DATE) AND year($as_of::DATE) < il.next_year
      AND ($township = 'ALL' OR il.township_code = $township)
),
factors AS (
    SELECT eh.*, ip.year AS income_year, ip.income, ip.income_prev, ip.monitoring_line,
           100.0 * (ip.income / nullif(ip.income_prev, 0) - 1) AS income_change_pct,
           coalesce(ip.income < ip.monitoring_line, false) AS f_low_income,
           coalesce(ip.income < ip.income_prev * (1 - $income_drop_pct / 100.0), false) AS f_income_drop,
           eh.main_cause IN ('因病', '因残') AND eh.labor_count = 0 AS f_ill_no_labor,
           coalesce(NOT (eh.food_clothing AND eh.education AND eh.medical AND eh.housing AND eh.water), false)
               AS f_guarantee_gap  -- a known 否 only; unknown (NULL) is listed by 数据核查
    FROM exited_households eh LEFT JOIN income_position ip USING (household_id)
),
scored AS (
    SELECT *,
           CAST(f_low_income AS INTEGER) * $w_low_income + CAST(f_income_drop AS INTEGER) * $w_income_drop
           + CAST(f_ill_no_labor AS INTEGER) * $w_ill_no_labor
           + CAST(f_guarantee_gap AS INTEGER) * $w_guarantee_gap AS score
    FROM factors
),
leveled AS MATERIALIZED (  -- read four times below (each level's top-N and the counts): computed once
    SELECT *,
           CASE WHEN score >= $risk_high_score THEN '高' WHEN score >= $risk_medium_score THEN '中' ELSE '低' END
               AS risk_level
    FROM scored
    WHERE score > 0
),
listed AS (  -- the highest scores of each level (a top-N of each, not a sort of every exited household), with the
            -- level's count of every household
    SELECT l.*, c.level_households
    FROM (
        (FROM leveled WHERE risk_level = '高' ORDER BY score DESC, income NULLS LAST, household_id LIMIT $per_level)
        UNION ALL
        (FROM leveled WHERE risk_level = '中' ORDER BY score DESC, income NULLS LAST, household_id LIMIT $per_level)
        UNION ALL
        (FROM leveled WHERE risk_level = '低' ORDER BY score DESC, income NULLS LAST, household_id LIMIT $per_level)
    ) l
    JOIN (SELECT risk_level, count(*) AS level_households FROM leveled GROUP BY risk_level) c USING (risk_level)
)
SELECT l.township_code, t.township_name, l.village_code, v.village_name, l.household_id, l.head_name,
       l.head_id_number, l.size, l.main_cause, l.labor_count, l.helper, l.last_exit AS exit_date, l.income_year,
       l.income, l.income_prev, l.monitoring_line, l.income_change_pct, l.f_low_income, l.f_income_drop,
       l.f_ill_no_labor, l.f_guarantee_gap, l.score, l.risk_level,
       concat_ws('；',
                 CASE WHEN l.f_low_income THEN format('{} 年人均纯收入 {:,.0f} 元，低于监测线 {:,.0f} 元',
                                                      l.income_year, l.income, l.monitoring_line) END,
                 CASE WHEN l.f_income_drop THEN format('比上年下降 {:.0f}%（{:,.0f} → {:,.0f} 元）',
                                                       -l.income_change_pct, l.income_prev, l.income) END,
                 CASE WHEN l.f_ill_no_labor THEN format('{}致贫且家中无劳动力', l.main_cause) END,
                 CASE WHEN l.f_guarantee_gap THEN format('{}未保障', concat_ws('、',
                     CASE WHEN NOT l.food_clothing THEN '吃穿' END,
                     CASE WHEN NOT l.education THEN '义务教育' END,
                     CASE WHEN NOT l.medical THEN '基本医疗' END,
                     CASE WHEN NOT l.housing THEN '住房安全' END,
                     CASE WHEN NOT l.water THEN '饮水安全' END)) END) AS reasons,
       l.level_households
FROM listed l
JOIN villages v ON v.village_code = l.village_code
JOIN townships t ON t.township_code = l.township_code
ORDER BY l.score DESC, l.income NULLS LAST, l.household_id
