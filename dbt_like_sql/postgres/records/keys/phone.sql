-- Phones match by their E.164 form when they parse ("+1 555 555 0100" and "(555) 555-0100" are one
-- number in the US), else by their digits alone ("555-0100" and "555 0100").
SELECT s.id, {{ created_at }} AS created_at, '{{ slug }}' AS field,
       coalesce(p.value ->> 'e164', regexp_replace(p.value ->> 'value', '[^0-9]', '', 'g')) AS key
FROM {{ source }} AS s
CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(s.data -> '{{ slug }}') = 'array' THEN s.data -> '{{ slug }}' ELSE '[]'::jsonb END) AS p
