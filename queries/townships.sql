-- level: county
-- 乡镇名录: the townships for the sidebar filter and labels, with their 联系县领导. No parameters.
SELECT township_code, township_name, county_leader
FROM townships
ORDER BY township_code
