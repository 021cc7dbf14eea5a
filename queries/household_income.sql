-- 农户历年收入: a household's 人均纯收入 (元) per year, up to the year of D.
-- Parameters: $household_id VARCHAR (户编号), $as_of DATE (D).
SELECT CAST(year AS INTEGER) AS year, CAST(income_per_capita AS DOUBLE) AS income_per_capita
FROM incomes
WHERE household_id = $household_id AND year <= year(CAST($as_of AS DATE))
ORDER BY year
