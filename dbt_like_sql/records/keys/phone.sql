-- Phones match by their digits alone: "555-0100" and "(555) 0100" are one number.
SELECT id, {{ created_at }} AS created_at, '{{ slug }}' AS field, regexp_replace(unnest(json_extract_string(data, '$.{{ slug }}[*].value')), '[^0-9]', '', 'g') AS key
FROM {{ source }}
