-- Restore the records a job updated to their before-images, but only those nobody changed since
-- (their version is still the one the job wrote).
UPDATE records AS r
SET data = l.before_data, version = r.version + 1, updated_at = %(now)s,
    display_name = l.before_data ->> 'displayName'
FROM import_lineage AS l
WHERE l.job_id = %(job)s AND l.action = 'updated' AND l.record_id = r.record_id
  AND r.account_id = %(account)s AND r.version = l.after_version
