-- level: household
-- 家庭成员: the recorded members of a household (optional sheet; no rows when not imported), 户主 first.
-- Parameters: $household_id VARCHAR (户编号), $township VARCHAR ('ALL' = any; a 乡镇 user is held to theirs).
WITH in_scope AS (  -- the household, only when it belongs to $township ('ALL' = any)
    SELECT h.household_id FROM households h JOIN villages v USING (village_code)
    WHERE h.household_id = $household_id AND ($township = 'ALL' OR v.township_code = $township)
)
SELECT name, id_number, relation, health, labor_skill, schooling
FROM household_members
WHERE household_id IN (SELECT household_id FROM in_scope)
ORDER BY relation <> '户主', id_number
