-- One page of a module's records; the sort is translated from registry-checked names only (order_by.py).
SELECT record_id, data::text AS data, created_at, updated_at, created_by_import_job_id, count(*) OVER () AS total
FROM records
WHERE account_id = %(account)s AND module = %(module)s
ORDER BY {{ order_by }}
LIMIT %(limit)s OFFSET %(offset)s
