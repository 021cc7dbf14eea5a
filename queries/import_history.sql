-- level: county
-- 导入历史: every import that produced the served version, newest first (a partial update carries the
-- earlier ones forward). files is a JSON list of {"name", "sha256"}; row_counts a JSON object sheet -> rows.
-- No parameters.
WITH imports AS (
    SELECT import_id, imported_at, imported_by, mode, source, files, row_counts, warnings
    FROM import_log
)
SELECT
    import_id,
    imported_at,
    coalesce(imported_by, '') AS imported_by,
    CASE mode WHEN 'full' THEN '全量导入' WHEN 'partial' THEN '部分更新' WHEN 'demo' THEN '演示数据'
              WHEN 'boundaries' THEN '边界' WHEN 'snapshot' THEN '人员快照导入' WHEN 'rebuild' THEN '升级后重建'
              ELSE mode END AS mode_label,
    source,
    files,
    row_counts,
    warnings
FROM imports
ORDER BY import_id DESC
