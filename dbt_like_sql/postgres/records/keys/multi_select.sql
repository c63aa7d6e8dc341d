-- A multi-select matches when any of its options does.
SELECT s.id, {{ created_at }} AS created_at, '{{ slug }}' AS field, lower(trim(e.value #>> '{}')) AS key
FROM {{ source }} AS s
CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(s.data -> '{{ slug }}') = 'array' THEN s.data -> '{{ slug }}' ELSE '[]'::jsonb END) AS e
