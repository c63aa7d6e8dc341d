-- Phones match by their E.164 form when they parse ("+1 555 555 0100" and "(555) 555-0100" are one
-- number in the US), else by their digits alone ("555-0100" and "555 0100").
SELECT id, created_at, '{{ slug }}' AS field, coalesce(p.e164, regexp_replace(p.value, '[^0-9]', '', 'g')) AS key
FROM (
    SELECT id, {{ created_at }} AS created_at,
           unnest(from_json(json_extract(data, '$.{{ slug }}'), '[{"value": "VARCHAR", "e164": "VARCHAR"}]')) AS p
    FROM {{ source }}
)
