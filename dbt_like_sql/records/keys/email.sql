-- Emails match case-insensitively, each of a record's emails on its own.
SELECT id, {{ created_at }} AS created_at, '{{ slug }}' AS field, lower(trim(unnest(json_extract_string(data, '$.{{ slug }}[*].value')))) AS key
FROM {{ source }}
