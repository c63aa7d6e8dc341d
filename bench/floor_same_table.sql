-- The floor: DuckDB alone reading the import file and merging it into the same table our import writes
-- (the store's `records`, one JSON document per record) on lower(email), in one transaction. The matched
-- records take the file's values through a JSON merge patch; the rest are inserted as documents. No
-- validation or normalisation beyond refusing the broken addresses our import refuses, no lineage, no
-- Python: what the machine does for this merge on this table.
CREATE TEMP TABLE incoming AS
SELECT * FROM (SELECT row_number() OVER () AS _row, * FROM read_csv('{import_csv}', header = true, all_varchar = true))
WHERE regexp_full_match("Email", '[^@\s]+@[^@\s]+\.[^@\s]+');

CREATE TEMP TABLE stored_keys AS
SELECT record_id, created_at, lower(trim(unnest(json_extract_string(data, '$.email[*].value')))) AS key
FROM records WHERE module = 'contacts';

CREATE TEMP TABLE matched AS
SELECT i._row, arg_min(k.record_id, (k.created_at, k.record_id)) AS record_id
FROM incoming i JOIN stored_keys k ON k.key = lower(trim(i."Email"))
GROUP BY i._row;

CREATE TEMP TABLE patches AS
SELECT m.record_id, json_object('displayName', i."Full Name", 'jobTitle', i."Job Title",
                                'address', json_object('city', i."City"),
                                'phone', json_array(json_object('value', i."Phone", 'type', 'Work'))) AS patch
FROM matched m JOIN incoming i USING (_row);

UPDATE records AS r SET data = json_merge_patch(r.data, p.patch), version = r.version + 1, updated_at = now()
FROM patches p WHERE r.record_id = p.record_id;

INSERT INTO records
SELECT 'rec_floor' || i._row, (SELECT min(account_id) FROM accounts), 'contacts', i."Full Name",
       json_object('displayName', i."Full Name",
                   'email', json_array(json_object('value', lower(i."Email"), 'type', 'Work')),
                   'phone', json_array(json_object('value', i."Phone", 'type', 'Work')),
                   'address', json_object('city', i."City"), 'jobTitle', i."Job Title"),
       1, now(), now(), 'job_floor'
FROM incoming i ANTI JOIN matched m USING (_row)
