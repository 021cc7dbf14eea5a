-- 数据核查 prepared at publish (issue 18): every record any rule flags, with the dates it is flagged — so the page
-- answers at ANY 数据截止日期 D by a filter, flagged_from <= D < flagged_to, instead of running every rule.
--
-- {{checks_flagged}} is the union of the rule files queries/checks/*.sql of the interval form (each says, over all
-- dates, when each of its records is flagged; queries/checks_registry.flagged_union), run with the rules'
-- parameters in force at publish (data/checks.toml, settings; ingest/prepared_checks.py records them in
-- prepared_answers); target is the rule's 对象 (户/成员/村/项目). Read by the lookups queries/prepared/checks_*.sql;
-- a changed threshold or rule file makes the runner run the rule files themselves instead (queries/runner.py).
CREATE OR REPLACE TABLE prepared_checks_flagged AS
SELECT * FROM (
{{checks_flagged}}
)
ORDER BY rule_id, township_code, flagged_from;
