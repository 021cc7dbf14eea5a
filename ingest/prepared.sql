-- 预备答案 (issue 18): the answers of the page queries that would otherwise scan every household at each view,
-- computed when a version is published: the county's 防返贫 list, village ranking and villages' 一升一降 at the dates
-- most views ask for (ingest/prepared.py `prepared_dates`: the data date and the week before), and 数据核查 at every date
-- (ingest/prepared_checks.sql).
--
-- For a query <name> prepared per date the table prepared_<name> holds, per date as_of, exactly the rows
-- queries/<name>.sql gave with $as_of = that date and the parameters recorded below; queries/prepared/<name>.sql
-- reads them back in the query's own order. A row with as_of NULL: the lookup answers at every date (it filters a
-- table of all dates itself). The runner (queries/runner.py) uses a lookup only for a (query, date, parameters)
-- listed here, so another date, a changed threshold in data/checks.toml or a query file changed by an upgrade (its
-- digest is part of params) runs the query itself.
CREATE OR REPLACE TABLE prepared_answers (
    query VARCHAR NOT NULL,   -- the query file, e.g. risk_households
    as_of DATE,               -- 数据截止日期; NULL: every date (a lookup that filters by date, ingest/prepared_checks.py)
    params VARCHAR NOT NULL   -- the other parameters it ran with and a digest of its SQL (JSON, runner.params_key)
);
