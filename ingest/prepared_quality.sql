-- 数据质量 at a prepared date, from the data-check counts prepared at that date (ingest/prepared.py): the same rows
-- queries/checks_quality_by_township.sql gives, without running every rule a second time. Its issues per township
-- are the sum of the counts of every rule there (both count the records of the union that fall in a township of
-- 乡镇); the households 在册 at D and the county row (ALL) are as in that file.
-- 参数：$as_of DATE (a date prepared_checks_counts_by_township holds).
WITH registered_households AS (  -- 在册 at D: the status span covering D is 纳入, 脱贫 or 返贫
{{checks_registered_households}}
),
issue_counts AS (
    SELECT township_code, sum(issues) AS issues
    FROM prepared_checks_counts_by_township
    WHERE as_of = CAST($as_of AS DATE)
    GROUP BY township_code
),
{{checks_quality_rate}}
