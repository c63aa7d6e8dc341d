-- Emails match case-insensitively, each of a record's emails on its own (as records/keys/email.sql).
SELECT s.id, {{ created_at }} AS created_at, '{{ slug }}' AS field, lower(trim(e.value ->> 'value')) AS key
FROM {{ source }} AS s
CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(s.data -> '{{ slug }}') = 'array' THEN s.data -> '{{ slug }}' ELSE '[]'::jsonb END) AS e
