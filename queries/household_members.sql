-- 家庭成员: the recorded members of a household (optional sheet; no rows when not imported), 户主 first.
-- Parameters: $household_id VARCHAR (户编号).
SELECT name, id_number, relation, health, labor_skill, schooling
FROM household_members
WHERE household_id = $household_id
ORDER BY relation <> '户主', id_number
