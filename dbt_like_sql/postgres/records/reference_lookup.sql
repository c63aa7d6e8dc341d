-- Candidate target records for reference values: by name, and for accounts by domain, for contacts by
-- email (the keys of postgres/records/keys/*.sql over those fields). `wanted` holds the lower-cased,
-- trimmed values the import names.
WITH candidates AS (
    {{ candidate_keys }}
)
SELECT w.key, array_agg(DISTINCT c.id COLLATE "C" ORDER BY c.id COLLATE "C") AS record_ids
FROM unnest(%(keys)s::text[]) AS w(key)
JOIN candidates c ON c.key = w.key
GROUP BY w.key
