-- A multi-select matches when any of its options does.
SELECT id, {{ created_at }} AS created_at, '{{ slug }}' AS field, lower(trim(unnest(json_extract_string(data, '$.{{ slug }}[*]')))) AS key
FROM {{ source }}
