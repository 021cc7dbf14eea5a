-- level: county
-- 逐日预备目录: the queries this version answers at any 数据截止日期 up to last_day from its tables of per-day changes
-- and month-start balances (built at publish by ingest/prepared_days.sql), with the digest of the files they were
-- built for (queries.runner.every_day_key). No parameters.
SELECT query, digest, last_day FROM prepared_every_day
