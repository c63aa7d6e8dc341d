-- in_file_duplicates.sql for one match field: each key's first row comes from one pass over the keys,
-- not from joining the file's keys to themselves. A row with several keys (two emails) is reported
-- against the earliest row that shares any of them.
WITH keys AS (
    SELECT id, key FROM ({{ incoming_keys }})
),
firsts AS (
    SELECT id, min(id) OVER (PARTITION BY key) AS first_row FROM keys
)
SELECT id AS _row, min(first_row) AS first_row
FROM firsts
WHERE first_row < id
GROUP BY id
ORDER BY id
