-- level: county
-- 预备答案目录: which queries this version answers by lookup, at which 数据截止日期 and with which parameters
-- (JSON, as queries.runner.params_key writes them); built at publish by ingest/prepared.py. No parameters.
SELECT query, as_of, params FROM prepared_answers
