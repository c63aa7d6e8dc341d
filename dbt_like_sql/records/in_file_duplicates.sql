-- Rows of one import that repeat an earlier row on every duplicate match field: each later row is
-- reported against the first row it repeats. Keys come from the union of keys/<kind>.sql.
WITH keys AS (
    SELECT id, field, key FROM ({{ incoming_keys }})
),
pairs AS (
    SELECT later.id AS _row, earlier.id AS first_row, count(DISTINCT later.field) AS fields_matched
    FROM keys later JOIN keys earlier ON earlier.field = later.field AND earlier.key = later.key AND earlier.id < later.id
    GROUP BY ALL
)
SELECT _row, min(first_row) AS first_row
FROM pairs
WHERE fields_matched = {{ field_count }}
GROUP BY _row
ORDER BY _row
