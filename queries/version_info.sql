-- level: county
-- 数据版本: the import that produced the served version (the newest of its history): its number in the
-- database's import history (第 N 版) and when it was published. No parameters.
SELECT import_id AS number, imported_at AS published_at FROM import_log ORDER BY import_id DESC LIMIT 1
