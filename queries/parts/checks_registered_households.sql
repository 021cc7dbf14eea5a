-- 在册户数 per township at D (the denominator of 数据质量): households whose status span covering D is 纳入, 脱贫 or
-- 返贫. Composed into queries/checks_registered_households.sql and parts/checks_quality.sql (the live 数据质量 and its
-- lookup): the same households everywhere.
    SELECT township_code, count(*) AS households
    FROM household_spans
    WHERE valid_from <= CAST($as_of AS DATE) AND CAST($as_of AS DATE) < valid_to
      AND event IN ('纳入', '脱贫', '返贫')
    GROUP BY township_code
