-- One page of a module's records, sorted by a field or a system column ({{ order_by }} is built from
-- registry-checked names only).
SELECT record_id, data, created_at, updated_at, created_by_import_job_id, count(*) OVER () AS total
FROM records
WHERE account_id = $account AND module = $module
ORDER BY {{ order_by }}
LIMIT $limit OFFSET $offset
