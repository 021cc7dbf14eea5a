-- level: county
-- 导入警告: problems that did not block an import (e.g. payments above allocations, 15-digit 身份证号),
-- stored with the served version, newest import first, then by sheet and Excel row. No parameters.
WITH stored_warnings AS (
    SELECT w.import_id, l.imported_at, w.sheet, w.excel_row, w.column_name, w.value, w.message
    FROM import_warnings AS w
    LEFT JOIN import_log AS l USING (import_id)
)
SELECT import_id, imported_at, sheet, excel_row, column_name, value, message
FROM stored_warnings
ORDER BY import_id DESC, sheet, excel_row NULLS FIRST, column_name
