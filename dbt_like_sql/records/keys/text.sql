-- Scalar fields match on their trimmed, lower-cased text.
SELECT id, {{ created_at }} AS created_at, '{{ slug }}' AS field, lower(trim(json_extract_string(data, '$.{{ slug }}'))) AS key
FROM {{ source }}
