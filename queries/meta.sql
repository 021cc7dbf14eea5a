-- level: county
-- 数据库说明: key/value facts about the served version (e.g. is_demo). No parameters.
SELECT key, value FROM meta ORDER BY key
