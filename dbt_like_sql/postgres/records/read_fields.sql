-- The records an export (or an update import's merge) reads (as dbt_like_sql/records/read_fields.sql): the
-- system columns and only the fields asked for, each on its own, so that only those values cross the
-- connection. Text fields come as text; the others as their JSON, which the caller decodes into typed columns.
SELECT record_id, created_at, updated_at{{ fields }}
FROM records
WHERE account_id = %(account)s AND module = %(module)s {{ only }}
