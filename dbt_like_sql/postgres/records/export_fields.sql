-- The records an export reads (as dbt_like_sql/records/export_fields.sql): the system columns and only the
-- fields an export asks for, each on its own, so that only those values cross the connection. Text fields
-- come as text; the others as their JSON, which the caller decodes into typed columns.
SELECT record_id, created_at, updated_at{{ fields }}
FROM records
WHERE account_id = %(account)s AND module = %(module)s {{ only }}
