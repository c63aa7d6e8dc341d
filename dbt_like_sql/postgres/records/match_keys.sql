-- Rows of an import that match existing records on every duplicate match field (as records/match_keys.sql).
-- Both sides' keys come from the same expressions (unions of postgres/records/keys/<kind>.sql), so "the
-- same email" means the same thing on both sides. A row that matches several records takes the oldest one
-- (ties by id, in byte order as on DuckDB).
WITH incoming_keys AS (
    {{ incoming_keys }}
),
existing_keys AS (
    {{ existing_keys }}
),
pairs AS (
    SELECT i.id AS _row, e.id AS record_id, e.created_at, count(DISTINCT i.field) AS fields_matched
    FROM incoming_keys i
    JOIN existing_keys e ON e.field = i.field AND e.key = i.key
    GROUP BY i.id, e.id, e.created_at
)
SELECT _row, (array_agg(record_id ORDER BY created_at, record_id COLLATE "C"))[1] AS record_id,
       count(*) AS candidates
FROM pairs
WHERE fields_matched = {{ field_count }}
GROUP BY _row
