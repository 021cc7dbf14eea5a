-- level: household
-- 农户历年收入: a household's 人均纯收入 (元) per year, up to the year of D.
-- Parameters: $household_id VARCHAR (户编号), $township VARCHAR ('ALL' = any; a 乡镇 user is held to theirs), $as_of DATE (D).
WITH in_scope AS (  -- the household, only when it belongs to $township ('ALL' = any)
    SELECT h.household_id FROM households h JOIN villages v USING (village_code)
    WHERE h.household_id = $household_id AND ($township = 'ALL' OR v.township_code = $township)
)
SELECT CAST(year AS INTEGER) AS year, CAST(income_per_capita AS DOUBLE) AS income_per_capita
FROM incomes
WHERE household_id IN (SELECT household_id FROM in_scope) AND year <= year(CAST($as_of AS DATE))
ORDER BY year
