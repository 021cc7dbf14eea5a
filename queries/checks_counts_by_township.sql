-- level: township
-- 数据核查：每条规则在每个乡镇的问题数（截止日期 D）。只列有问题的（规则, 乡镇）。
-- 本文件由 queries/checks_registry.py 根据 queries/checks/*.sql 生成，请勿手改；
-- 修改或增加规则后运行 `python -m queries.checks_registry` 重新生成（测试会检查是否最新）。
-- 参数：$as_of, $collective_income_min_wan, $exit_incidence_max_pct, $income_jump_factor, $line_years, $line_yuan, $max_age_years, $school_age_max, $school_age_min, $vague_causes（见 queries/checks_registry.rule_params）。
-- 结果：rule_id, township_code, township_name, issues。
WITH issues AS (  -- one row per flagged record of every rule
    SELECT 'digital_exit' AS rule_id, township_code FROM (
        WITH exited AS (  -- 已脱贫 at D: the household_spans row covering D is 脱贫; its valid_from is the last 脱贫 ≤ D
            SELECT s.household_id, s.valid_from AS last_exit
            FROM household_spans s
            WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event = '脱贫'
              AND ('ALL' = 'ALL' OR s.township_code = 'ALL')
        ),
        poverty_lines AS (
            SELECT unnest($line_years) AS year, unnest($line_yuan) AS line_yuan
        ),
        latest_income AS (  -- the household's latest income year ≤ Y: the income_latest row with year <= Y < next_year
            SELECT il.household_id, il.year, CAST(il.income AS DOUBLE) AS income
            FROM income_latest il
            WHERE il.year <= year($as_of::DATE) AND year($as_of::DATE) < il.next_year
              AND ('ALL' = 'ALL' OR il.township_code = 'ALL')
        ),
        below_line AS (
            SELECT li.household_id, li.year, li.income, pl.line_yuan
            FROM latest_income li ASOF JOIN poverty_lines pl ON li.year >= pl.year
            WHERE li.income < pl.line_yuan
        ),
        flagged AS MATERIALIZED (  -- few rows: found before the join with households on 户编号
            SELECT b.*, e.last_exit FROM below_line b JOIN exited e USING (household_id)
        )
        SELECT v.township_code, t.township_name, v.village_code, v.village_name,
               h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
               h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
               format('{} 脱贫；{}{} 年人均纯收入 {:,.0f} 元，低于当年扶贫标准 {:,.0f} 元',
                      strftime(b.last_exit, '%Y-%m-%d'),
                      CASE WHEN b.year < year($as_of::DATE) THEN format('{} 年无收入记录，', year($as_of::DATE)) ELSE '' END,
                      b.year, b.income, b.line_yuan) AS detail
        FROM flagged b
        JOIN households h USING (household_id)
        JOIN villages v USING (village_code)
        JOIN townships t USING (township_code)
        ORDER BY v.township_code, v.village_code, h.household_id
    )
    UNION ALL
    SELECT 'exit_without_guarantees' AS rule_id, township_code FROM (
        WITH exited AS (  -- 已脱贫 at D: the household_spans row covering D is 脱贫; its valid_from is the last 脱贫 ≤ D
            SELECT s.household_id, s.valid_from AS last_exit
            FROM household_spans s
            WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event = '脱贫'
              AND ('ALL' = 'ALL' OR s.township_code = 'ALL')
        ),
        guarantee_gaps AS (
            SELECT household_id,
                   concat_ws('、',
                             CASE WHEN NOT food_clothing THEN '吃穿不愁' END,
                             CASE WHEN NOT education THEN '义务教育有保障' END,
                             CASE WHEN NOT medical THEN '基本医疗有保障' END,
                             CASE WHEN NOT housing THEN '住房安全有保障' END,
                             CASE WHEN NOT water THEN '饮水安全有保障' END) AS gaps
            FROM households
            WHERE NOT (food_clothing AND education AND medical AND housing AND water)
        )
        SELECT v.township_code, t.township_name, v.village_code, v.village_name,
               h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
               h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
               format('{} 脱贫，但「{}」为"否"', strftime(e.last_exit, '%Y-%m-%d'), g.gaps) AS detail
        FROM exited e
        JOIN guarantee_gaps g USING (household_id)
        JOIN households h USING (household_id)
        JOIN villages v USING (village_code)
        JOIN townships t USING (township_code)
        ORDER BY v.township_code, v.village_code, h.household_id
    )
    UNION ALL
    SELECT 'cause_health_mismatch' AS rule_id, township_code FROM (
        WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                         -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
            SELECT s.household_id
            FROM household_spans s
            WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
              AND ('ALL' = 'ALL' OR s.township_code = 'ALL')
        ),
        mismatched AS (  -- household_member_counts: members listed, and how many are ill or disabled (ingest/derived.sql)
            SELECT household_id, main_cause FROM household_member_counts
            WHERE members > 0 AND ((main_cause = '因病' AND ill = 0) OR (main_cause = '因残' AND disabled = 0))
              AND ('ALL' = 'ALL' OR township_code = 'ALL')
        )
        SELECT v.township_code, t.township_name, v.village_code, v.village_name,
               h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
               h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
               CASE WHEN h.main_cause = '因病' THEN '主要致贫原因为「因病」，家庭成员中没有长期慢性病或患有大病的人'
                    ELSE '主要致贫原因为「因残」，家庭成员中没有残疾人' END AS detail
        FROM mismatched m
        SEMI JOIN registered USING (household_id)
        JOIN households h USING (household_id)
        JOIN villages v USING (village_code)
        JOIN townships t USING (township_code)
        ORDER BY v.township_code, v.village_code, h.household_id
    )
    UNION ALL
    SELECT 'income_jump' AS rule_id, township_code FROM (
        WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                         -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
            SELECT s.household_id
            FROM household_spans s
            WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
              AND ('ALL' = 'ALL' OR s.township_code = 'ALL')
        ),
        year_on_year AS (  -- the latest income year ≤ Y (income_latest: year <= Y < next_year) and the year before it
            SELECT il.household_id, il.year,
                   CAST(il.income AS DOUBLE) AS income, CAST(il.income_prev AS DOUBLE) AS income_prev
            FROM income_latest il
            WHERE il.year <= year($as_of::DATE) AND year($as_of::DATE) < il.next_year AND il.income_prev IS NOT NULL
              AND ('ALL' = 'ALL' OR il.township_code = 'ALL')
              AND (CAST(il.income AS DOUBLE) > $income_jump_factor * CAST(il.income_prev AS DOUBLE)
                   OR CAST(il.income AS DOUBLE) * $income_jump_factor < CAST(il.income_prev AS DOUBLE))
        )
        SELECT v.township_code, t.township_name, v.village_code, v.village_name,
               h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
               h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
               CASE WHEN y.income_prev = 0 THEN format('{} 年人均纯收入为 0 元，{} 年为 {:,.0f} 元', y.year - 1, y.year, y.income)
                    ELSE format('人均纯收入 {} 年 {:,.0f} 元 → {} 年 {:,.0f} 元（{}）', y.year - 1, y.income_prev, y.year,
                                y.income, CASE WHEN y.income > y.income_prev
                                               THEN format('增至 {:.1f} 倍', y.income / y.income_prev)
                                               ELSE format('降至 {:.0f}%', 100 * y.income / y.income_prev) END)
               END AS detail
        FROM year_on_year y
        SEMI JOIN registered USING (household_id)
        JOIN households h USING (household_id)
        JOIN villages v USING (village_code)
        JOIN townships t USING (township_code)
        ORDER BY v.township_code, v.village_code, h.household_id
    )
    UNION ALL
    SELECT 'labor_exceeds_size' AS rule_id, township_code FROM (
        WITH suspects AS (
            SELECT h.* FROM households h WHERE h.labor_count > h.size
        ),
        status_at_d AS (  -- the last event on or before D; same-day events apply in the order 纳入, 脱贫, 返贫, 清退
            SELECT e.household_id, arg_max(e.event, (e.date, e.event_order)) AS event
            FROM household_events e SEMI JOIN suspects USING (household_id)
            WHERE e.date <= $as_of::DATE
            GROUP BY e.household_id
        )
        SELECT v.township_code, t.township_name, v.village_code, v.village_name,
               h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
               h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
               format('劳动力 {} 人，家庭人口仅 {} 人', h.labor_count, h.size) AS detail
        FROM suspects h
        JOIN status_at_d s USING (household_id)
        JOIN villages v USING (village_code)
        JOIN townships t USING (township_code)
        WHERE s.event IN ('纳入', '脱贫', '返贫')  -- 在册: 未脱贫 (纳入, 返贫) or 已脱贫 (脱贫) at D
          AND ('ALL' = 'ALL' OR v.township_code = 'ALL')
        ORDER BY v.township_code, v.village_code, h.household_id
    )
    UNION ALL
    SELECT 'missing_cause' AS rule_id, township_code FROM (
        WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                         -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
            SELECT s.household_id
            FROM household_spans s
            WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
              AND ('ALL' = 'ALL' OR s.township_code = 'ALL')
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
    )
    UNION ALL
    SELECT 'missing_helper' AS rule_id, township_code FROM (
        WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                         -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
            SELECT s.household_id, s.event
            FROM household_spans s
            WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
              AND ('ALL' = 'ALL' OR s.township_code = 'ALL')
        )
        SELECT v.township_code, t.township_name, v.village_code, v.village_name,
               h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
               h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
               format('{}户未填写帮扶责任人', CASE WHEN r.event = '脱贫' THEN '已脱贫' ELSE '未脱贫' END) AS detail
        FROM households h
        JOIN registered r USING (household_id)
        JOIN villages v USING (village_code)
        JOIN townships t USING (township_code)
        WHERE nullif(trim(h.helper), '') IS NULL
        ORDER BY v.township_code, v.village_code, h.household_id
    )
    UNION ALL
    SELECT 'member_count_mismatch' AS rule_id, township_code FROM (
        WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                         -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
            SELECT s.household_id
            FROM household_spans s
            WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
              AND ('ALL' = 'ALL' OR s.township_code = 'ALL')
        ),
        mismatched AS (  -- household_member_counts (ingest/derived.sql): members listed vs 家庭人口数
            SELECT household_id, members FROM household_member_counts
            WHERE members <> size AND ('ALL' = 'ALL' OR township_code = 'ALL')
        )
        SELECT v.township_code, t.township_name, v.village_code, v.village_name,
               h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
               h.head_name AS person_name, h.head_id_number AS id_number, h.helper,
               format('家庭人口数 {} 人，家庭成员表登记 {} 人', h.size, mc.members) AS detail
        FROM mismatched mc
        SEMI JOIN registered USING (household_id)
        JOIN households h USING (household_id)
        JOIN villages v USING (village_code)
        JOIN townships t USING (township_code)
        WHERE EXISTS (SELECT 1 FROM household_members)  -- the sheet is optional: no members at all means not imported
        ORDER BY v.township_code, v.village_code, h.household_id
    )
    UNION ALL
    SELECT 'dropout_with_education_ok' AS rule_id, township_code FROM (
        WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                         -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
            SELECT s.household_id
            FROM household_spans s
            WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
              AND ('ALL' = 'ALL' OR s.township_code = 'ALL')
        ),
        dropouts AS (
            SELECT m.household_id, m.name, m.id_number, m.relation,
                   date_sub('year', CAST(try_strptime(CASE WHEN length(m.id_number) = 18 THEN m.id_number[7:14]
                                                          ELSE '19' || m.id_number[7:12] END, '%Y%m%d') AS DATE),
                            $as_of::DATE) AS age
            FROM household_members m SEMI JOIN registered USING (household_id)
            WHERE m.schooling = '失学辍学'
        )
        SELECT v.township_code, t.township_name, v.village_code, v.village_name,
               h.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
               d.name AS person_name, d.id_number, h.helper,
               format('{}（{}）失学辍学，但户"义务教育有保障"为"是"', d.relation,
                      coalesce(CAST(d.age AS VARCHAR) || ' 岁', '出生日期无效')) AS detail
        FROM dropouts d
        JOIN households h USING (household_id)
        JOIN villages v USING (village_code)
        JOIN townships t USING (township_code)
        WHERE h.education AND (d.age IS NULL OR d.age BETWEEN $school_age_min AND $school_age_max)
        ORDER BY v.township_code, v.village_code, h.household_id, d.id_number
    )
    UNION ALL
    SELECT 'duplicate_id_number' AS rule_id, township_code FROM (
        WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                         -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
            SELECT s.household_id
            FROM household_spans s
            WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
        ),
        person_keys AS (  -- household_persons (ingest/derived.sql): one row per person and household; only keys that
                          -- some two households list at all can be shared by two registered ones
            SELECT p.household_id, p.township_code AS home_township, p.id_number, p.person_key, p.name, p.relation
            FROM household_persons p SEMI JOIN registered USING (household_id)
            WHERE p.key_households > 1
        ),
        shared_keys AS (  -- shared among the households registered at D, county-wide; only the 户编号 of 'ALL' are
                          -- named (a 乡镇 user learns that other townships hold the number, not which households)
            SELECT person_key, count(DISTINCT household_id) AS households,
                   string_agg(DISTINCT household_id, '、' ORDER BY household_id)
                       FILTER (WHERE 'ALL' = 'ALL' OR home_township = 'ALL') AS household_ids,
                   count(DISTINCT household_id) FILTER (WHERE NOT ('ALL' = 'ALL' OR home_township = 'ALL')) AS elsewhere
            FROM person_keys
            GROUP BY person_key
            HAVING count(DISTINCT household_id) > 1
        )
        SELECT v.township_code, t.township_name, v.village_code, v.village_name,
               pk.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
               pk.name AS person_name, pk.id_number, h.helper,
               format('该户「{}」的身份证号同时登记在 {} 个户：{}{}', pk.relation, sk.households, sk.household_ids,
                      CASE WHEN sk.elsewhere > 0 THEN format('（另有 {} 户在其他乡镇）', sk.elsewhere) ELSE '' END) AS detail
        FROM person_keys pk
        JOIN shared_keys sk USING (person_key)
        JOIN households h USING (household_id)
        JOIN villages v USING (village_code)
        JOIN townships t USING (township_code)
        WHERE ('ALL' = 'ALL' OR v.township_code = 'ALL')
        ORDER BY pk.person_key, v.township_code, pk.household_id
    )
    UNION ALL
    SELECT 'implausible_birth_date' AS rule_id, township_code FROM (
        WITH registered AS (  -- 在册 at D: the household_spans row covering D (ingest/derived.sql; same-day events in the
                         -- order 纳入, 脱贫, 返贫, 清退) is 纳入, 返贫 (未脱贫) or 脱贫 (已脱贫)
            SELECT s.household_id
            FROM household_spans s
            WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '脱贫', '返贫')
              AND ('ALL' = 'ALL' OR s.township_code = 'ALL')
        ),
        judged AS (  -- household_persons (ingest/derived.sql): heads and members, each (household, number) once, born
                     -- parsed from the number (blank when it is not a valid date)
            SELECT p.household_id, p.id_number, p.name, p.relation, p.born,
                   CASE WHEN p.born IS NULL THEN '身份证号中的出生日期不是有效日期'
                        WHEN p.born > current_date THEN format('出生日期 {} 晚于今天', strftime(p.born, '%Y-%m-%d'))
                        WHEN date_sub('year', p.born, $as_of::DATE) > $max_age_years
                            THEN format('出生日期 {}，截止日期时 {} 岁，超过 {} 岁', strftime(p.born, '%Y-%m-%d'),
                                        date_sub('year', p.born, $as_of::DATE), $max_age_years)
                   END AS problem
            FROM household_persons p
            WHERE ('ALL' = 'ALL' OR p.township_code = 'ALL')
              AND (p.born IS NULL OR p.born > current_date OR date_sub('year', p.born, $as_of::DATE) > $max_age_years)
        )
        SELECT v.township_code, t.township_name, v.village_code, v.village_name,
               j.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
               j.name AS person_name, j.id_number, h.helper,
               format('{}：{}', j.relation, j.problem) AS detail
        FROM judged j
        SEMI JOIN registered USING (household_id)
        JOIN households h USING (household_id)
        JOIN villages v USING (village_code)
        JOIN townships t USING (township_code)
        ORDER BY v.township_code, v.village_code, j.household_id, j.id_number
    )
    UNION ALL
    SELECT 'village_exit_incidence' AS rule_id, township_code FROM (
        WITH exited_villages AS (
            SELECT v.* FROM villages v
            WHERE v.is_poor_village AND v.exit_year <= year($as_of::DATE)
              AND ('ALL' = 'ALL' OR v.township_code = 'ALL')
        ),
        poor_persons AS (  -- 未脱贫 at D: the household_spans row covering D (ingest/derived.sql) is 纳入 or 返贫
            SELECT s.village_code, sum(s.size) AS persons
            FROM household_spans s SEMI JOIN exited_villages USING (village_code)
            WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event IN ('纳入', '返贫')
              AND ('ALL' = 'ALL' OR s.township_code = 'ALL')
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
    )
    UNION ALL
    SELECT 'village_exit_collective_income' AS rule_id, township_code FROM (
        WITH params AS (
            SELECT year(CAST($as_of AS DATE)) AS y
        ),
        exited_villages AS (
            SELECT v.* FROM villages v, params p
            WHERE v.is_poor_village AND v.exit_year <= p.y
        ),
        latest_collective_income AS (
            SELECT c.village_code, max(c.year) AS year, CAST(arg_max(c.collective_income, c.year) AS DOUBLE) AS income_wan
            FROM village_collective_income c, params p
            WHERE c.year <= p.y
            GROUP BY c.village_code
        )
        SELECT ev.township_code, t.township_name, ev.village_code, ev.village_name,
               ev.village_code AS record_id, ev.village_name AS record_name,
               CAST(NULL AS VARCHAR) AS person_name, CAST(NULL AS VARCHAR) AS id_number,
               ev.first_secretary AS helper,
               CASE WHEN ci.year IS NULL THEN format('{} 年出列，但没有村集体经济收入记录', ev.exit_year)
                    ELSE format('{} 年出列；{} 年集体经济收入 {:.2f} 万元，低于标准 {} 万元', ev.exit_year, ci.year,
                                ci.income_wan, $collective_income_min_wan) END AS detail
        FROM exited_villages ev
        LEFT JOIN latest_collective_income ci USING (village_code)
        JOIN townships t USING (township_code)
        WHERE (ci.year IS NULL OR ci.income_wan < $collective_income_min_wan)
          AND ('ALL' = 'ALL' OR ev.township_code = 'ALL')
        ORDER BY ev.township_code, ev.village_code
    )
    UNION ALL
    SELECT 'completed_project_unpaid' AS rule_id, township_code FROM (
        WITH completed AS (  -- a project's status at D: the project_spans row covering D (its latest report ≤ D)
            SELECT ps.project_id, ps.valid_from AS report_date, ps.status
            FROM project_spans ps
            WHERE ps.valid_from <= $as_of::DATE AND $as_of::DATE < ps.valid_to AND ps.status IN ('已完工', '已验收')
              AND ('ALL' = 'ALL' OR ps.township_code = 'ALL')
        ),
        unpaid AS (  -- no payment dated on or before D
            SELECT c.* FROM completed c
            WHERE c.project_id NOT IN (SELECT x.project_id FROM fund_payments x WHERE x.date <= $as_of::DATE)
        ),
        allocated_at_d AS (
            SELECT a.project_id, CAST(sum(a.amount) AS DOUBLE) AS allocated_wan
            FROM fund_allocations a SEMI JOIN unpaid USING (project_id)
            WHERE a.date <= $as_of::DATE GROUP BY a.project_id
        )
        SELECT pr.township_code, t.township_name, pr.village_code, v.village_name,
               pr.project_id AS record_id, pr.project_name AS record_name,
               CAST(NULL AS VARCHAR) AS person_name, CAST(NULL AS VARCHAR) AS id_number,
               CAST(NULL AS VARCHAR) AS helper,
               format('{} 年度项目；{} 填报「{}」，已下达 {:,.2f} 万元，截至截止日期没有支出记录', pr.year,
                      strftime(u.report_date, '%Y-%m-%d'), u.status, coalesce(a.allocated_wan, 0)) AS detail
        FROM unpaid u
        JOIN projects pr USING (project_id)
        JOIN townships t USING (township_code)
        LEFT JOIN villages v ON v.village_code = pr.village_code
        LEFT JOIN allocated_at_d a USING (project_id)
        ORDER BY pr.township_code, pr.project_id
    )
    UNION ALL
    SELECT 'completed_project_progress' AS rule_id, township_code FROM (
        WITH latest_progress AS (  -- a project's status at D: the project_spans row covering D (its latest report ≤ D)
            SELECT ps.project_id, ps.valid_from AS report_date, ps.status, CAST(ps.progress_pct AS DOUBLE) AS progress_pct
            FROM project_spans ps
            WHERE ps.valid_from <= $as_of::DATE AND $as_of::DATE < ps.valid_to
              AND ps.status IN ('已完工', '已验收') AND ps.progress_pct < 100
              AND ('ALL' = 'ALL' OR ps.township_code = 'ALL')
        )
        SELECT pr.township_code, t.township_name, pr.village_code, v.village_name,
               pr.project_id AS record_id, pr.project_name AS record_name,
               CAST(NULL AS VARCHAR) AS person_name, CAST(NULL AS VARCHAR) AS id_number,
               CAST(NULL AS VARCHAR) AS helper,
               format('{} 年度项目；{} 填报状态「{}」，形象进度仅 {:.0f}%', pr.year, strftime(lp.report_date, '%Y-%m-%d'),
                      lp.status, lp.progress_pct) AS detail
        FROM latest_progress lp
        JOIN projects pr USING (project_id)
        JOIN townships t USING (township_code)
        LEFT JOIN villages v ON v.village_code = pr.village_code
        ORDER BY pr.township_code, pr.project_id
    )
)
SELECT i.rule_id, i.township_code, t.township_name, count(*) AS issues
FROM issues i JOIN townships t USING (township_code)
GROUP BY ALL
ORDER BY i.rule_id, i.township_code
