-- Records a job updated that changed after it: rollback leaves them alone and reports them.
SELECT l.record_id
FROM import_lineage AS l
JOIN records AS r ON r.record_id = l.record_id AND r.account_id = %(account)s
WHERE l.job_id = %(job)s AND l.action = 'updated' AND r.version <> l.after_version
ORDER BY l.record_id COLLATE "C"
