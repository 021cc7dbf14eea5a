-- level: household
-- 标题：同一身份证号出现在两个及以上户
-- 简称：身份证重号
-- 严重程度：高
-- 对象：成员
-- 说明：一个人只能在一个户里。同一身份证号（户主或家庭成员；15 位旧号按 18 位前 17 位比对）出现在两个以上
--   在册户，多为分户、迁移后没有注销，或者录错号码，会造成人口重复计算。每个涉及的户各列一行。
-- 参数：无（全县、全部日期；页面按数据截止日期 D 取 flagged_from <= D < flagged_to 的行）。
-- 结果：每个（身份证号, 户）在共用该号的在册户不变的每段期间一行（统一列，见 digital_exit.sql，另加
--   flagged_from、flagged_to）；person_name、id_number 为该户中登记的人。detail 只列本户所在乡镇的户编号，
--   其他乡镇的只给户数（乡镇用户看不到别的乡镇的户编号）；detail_all 列出全部户编号，只在全县视图中显示。
WITH persons AS (  -- household_persons (ingest/derived.sql): one row per person and household; only keys that
                   -- some two households list at all can be shared by two registered ones
    SELECT p.household_id, p.township_code AS home_township, p.id_number, p.person_key, p.name, p.relation
    FROM household_persons p
    WHERE p.key_households > 1
),
key_households AS (
    SELECT DISTINCT person_key, household_id, home_township FROM persons
),
registered AS (  -- 在册: a household_spans row (same-day events in the order 纳入, 脱贫, 返贫, 清退) of 纳入,
                 -- 返贫 (未脱贫) or 脱贫 (已脱贫), from valid_from until valid_to (9999-12-31: for good)
    SELECT s.household_id, s.valid_from,
           CASE WHEN s.valid_to = DATE '9999-12-31' THEN DATE 'infinity' ELSE s.valid_to END AS valid_to
    FROM household_spans s SEMI JOIN key_households USING (household_id)
    WHERE s.event IN ('纳入', '脱贫', '返贫')
),
cuts AS (  -- every day on which one of the households listing a key starts or stops being registered
    SELECT DISTINCT kh.person_key, d.day
    FROM key_households kh JOIN registered r USING (household_id),
         LATERAL (SELECT r.valid_from AS day UNION ALL SELECT r.valid_to) d
),
segments AS (  -- between two such days the households registered with the key do not change
    SELECT person_key, day AS seg_from, lead(day) OVER (PARTITION BY person_key ORDER BY day) AS seg_to
    FROM cuts
),
present AS (  -- the households listing the key that are registered over a segment
    SELECT sg.person_key, sg.seg_from, sg.seg_to, kh.household_id, kh.home_township
    FROM segments sg
    JOIN key_households kh USING (person_key)
    SEMI JOIN registered r ON r.household_id = kh.household_id AND r.valid_from <= sg.seg_from AND sg.seg_from < r.valid_to
    WHERE sg.seg_to IS NOT NULL
),
shared AS (  -- segments in which two or more registered households list the key, marked where the set changes
    SELECT person_key, seg_from, seg_to, count(*) AS households,
           string_agg(household_id, '、' ORDER BY household_id) AS household_ids
    FROM present
    GROUP BY person_key, seg_from, seg_to
    HAVING count(*) > 1
),
islands AS (  -- adjacent segments with the same households are one range
    SELECT *, sum(CAST(starts AS INTEGER)) OVER (PARTITION BY person_key ORDER BY seg_from ROWS UNBOUNDED PRECEDING) AS island
    FROM (SELECT *, coalesce(lag(seg_to) OVER by_key <> seg_from
                             OR lag(household_ids) OVER by_key <> household_ids, true) AS starts
          FROM shared WINDOW by_key AS (PARTITION BY person_key ORDER BY seg_from))
),
ranges AS (
    SELECT person_key, island, min(seg_from) AS flagged_from, max(seg_to) AS flagged_to,
           any_value(households) AS households, any_value(household_ids) AS household_ids
    FROM islands
    GROUP BY person_key, island
),
members AS (  -- the households of each range (those present at its start), with their township's share
    SELECT rg.*, pr.household_id, pr.home_township,
           string_agg(pr.household_id, '、' ORDER BY pr.household_id)
               OVER (PARTITION BY rg.person_key, rg.island, pr.home_township) AS township_ids,
           rg.households - count(*) OVER (PARTITION BY rg.person_key, rg.island, pr.home_township) AS elsewhere
    FROM ranges rg
    JOIN present pr ON pr.person_key = rg.person_key AND pr.seg_from = rg.flagged_from
)
SELECT v.township_code, t.township_name, v.village_code, v.village_name,
       p.household_id AS record_id, CAST(NULL AS VARCHAR) AS record_name,
       p.name AS person_name, p.id_number, h.helper,
       format('该户「{}」的身份证号同时登记在 {} 个户：{}{}', p.relation, m.households, m.township_ids,
              CASE WHEN m.elsewhere > 0 THEN format('（另有 {} 户在其他乡镇）', m.elsewhere) ELSE '' END) AS detail,
       m.flagged_from, m.flagged_to,
       format('该户「{}」的身份证号同时登记在 {} 个户：{}', p.relation, m.households, m.household_ids) AS detail_all
FROM members m
JOIN persons p USING (person_key, household_id)
JOIN households h USING (household_id)
JOIN villages v USING (village_code)
JOIN townships t USING (township_code)
ORDER BY p.person_key, v.township_code, p.household_id, m.flagged_from
