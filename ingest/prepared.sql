-- 预备答案 (issue 18): the answers of the page queries that would otherwise scan every household at each view —
-- the data-check counts and quality (all rules at once) and the county's 防返贫 list — computed when a version is
-- published, at the dates most views ask for (ingest/prepared.py `prepared_dates`: the data date, the week before,
-- and the weekly trend points of both).
--
-- For each prepared query <name> the table prepared_<name> holds, per date as_of, exactly the rows
-- queries/<name>.sql gave with $as_of = that date and the parameters recorded below; queries/prepared/<name>.sql
-- reads them back in the query's own order. The runner (queries/runner.py) uses a lookup only for a (query, date,
-- parameters) listed here, so another date, a changed threshold in data/checks.toml or a query file changed by an
-- upgrade (its digest is part of params) runs the query itself.
CREATE OR REPLACE TABLE prepared_answers (
    query VARCHAR NOT NULL,   -- the query file, e.g. checks_counts_by_township
    as_of DATE NOT NULL,      -- 数据截止日期
    params VARCHAR NOT NULL   -- the other parameters it ran with and a digest of its SQL (JSON, runner.params_key)
);
