-- Candidate target records for reference values: by name, and for accounts by domain, for contacts by
-- email. `wanted(key)` holds the lower-cased, trimmed values the import names.
WITH candidates AS (
    SELECT record_id, created_at, lower(trim(display_name)) AS key
    FROM records WHERE account_id = $account AND module = $module
    {{ extra_keys }}
)
SELECT w.key, list(DISTINCT c.record_id ORDER BY c.record_id) AS record_ids
FROM wanted w JOIN candidates c ON c.key = w.key
GROUP BY w.key
