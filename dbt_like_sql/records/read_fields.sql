-- The records an export (or an update import's merge) reads: the system columns under the names an export
-- spec uses (field slugs never take those) and only the fields asked for, typed by DuckDB's JSON reader from
-- $structure, so the whole document is never handed over as text. The fields fragment is empty when no field
-- is asked for; the only fragment narrows the read to the ids in `wanted_ids(record_id)` when given.
SELECT r.record_id AS id, r.created_at AS "createdDateTime", r.updated_at AS "updatedDateTime"{{ fields }}
FROM records r {{ only }}
WHERE r.account_id = $account AND r.module = $module
