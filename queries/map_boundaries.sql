-- level: county
-- 乡镇边界: each township that has a boundary, with its name and the boundary as GeoJSON geometry text
-- (WGS-84/GCJ-02 longitude/latitude as imported). No parameters.
SELECT t.township_code, t.township_name, b.geometry
FROM township_boundaries b
JOIN townships t USING (township_code)
ORDER BY t.township_code
