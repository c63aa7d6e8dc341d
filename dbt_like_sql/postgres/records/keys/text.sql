-- Scalar fields match on their trimmed, lower-cased text.
SELECT s.id, {{ created_at }} AS created_at, '{{ slug }}' AS field, lower(trim(s.data ->> '{{ slug }}')) AS key
FROM {{ source }} AS s
