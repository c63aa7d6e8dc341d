-- Numbers match by value: 1234, 1234.0 and "1,234" (normalised on import) are one number.
SELECT s.id, {{ created_at }} AS created_at, '{{ slug }}' AS field,
       coherence_try_double(s.data ->> '{{ slug }}')::text AS key
FROM {{ source }} AS s
