-- The records an export reads: the system columns under the names an export spec uses (field slugs never
-- take those) and only the fields it asks for, typed by DuckDB's JSON reader from $structure, so the whole
-- document is never handed over as text. The fields fragment is empty when no field is asked for; the
-- only fragment narrows the read to the ids in `export_ids(record_id)` when an export keeps a few rows.
SELECT r.record_id AS id, r.created_at AS "createdDateTime", r.updated_at AS "updatedDateTime"{{ fields }}
FROM records r {{ only }}
WHERE r.account_id = $account AND r.module = $module
