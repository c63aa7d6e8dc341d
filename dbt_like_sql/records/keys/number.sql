-- Numbers match by value: 1234, 1234.0 and "1,234" (normalised on import) are one number.
SELECT id, {{ created_at }} AS created_at, '{{ slug }}' AS field, CAST(CAST(json_extract(data, '$.{{ slug }}') AS DOUBLE) AS VARCHAR) AS key
FROM {{ source }}
