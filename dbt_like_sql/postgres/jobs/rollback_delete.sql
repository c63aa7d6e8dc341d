-- Delete the records a job created (references it created included).
DELETE FROM records
WHERE account_id = %(account)s
  AND record_id IN (SELECT record_id FROM import_lineage WHERE job_id = %(job)s AND action = 'created')
