-- 数据质量 per township at D, from the CTE `flagged` (every rule's flagged records) of the query composing it:
-- queries/checks_quality_by_township.sql (live) and its lookup in queries/prepared/ (the table built at publish).
registered_households AS (  -- 在册 at D: the status span covering D is 纳入, 脱贫 or 返贫
{{checks_registered_households}}
),
issue_counts AS (
    SELECT township_code, count(*) AS issues FROM flagged
    WHERE flagged_from <= CAST($as_of AS DATE) AND CAST($as_of AS DATE) < flagged_to
    GROUP BY township_code
),
{{checks_quality_rate}}
